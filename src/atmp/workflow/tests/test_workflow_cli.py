"""`atmp workflow …`: show, do (signed too), assign and link as a re-authenticated user; exit 2 on bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.testing import PASSWORD, make_site

pytestmark = pytest.mark.django_db


def atmp(*args: str, password: str = PASSWORD):
    return CliRunner().invoke(main, ["workflow", *args], env={"ATMP_PASSWORD": password}, catch_exceptions=False)


def test_show_lists_the_options_as_json(in_review, qa_approver):
    result = atmp("show", in_review.record_key, "--as", qa_approver.username, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["status"] == "in_review"
    assert {t["name"]: t["allowed"] for t in doc["transitions"]} == {"reject": True, "approve": True, "cancel": True}


def test_do_takes_a_signed_transition(in_review, qa_approver):
    result = atmp("do", in_review.record_key, "approve", "--as", qa_approver.username, "--reason", "ok", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "approved"


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["do", "{key}", "fly", "--reason", "r"], PASSWORD, "no transition 'fly'"),
        (["do", "{key}", "close", "--reason", "r"], PASSWORD, "taken from Approved"),
        (["do", "{key}", "reject", "--reason", "r"], "wrong", "password"),
        (["do", "sample.samplecase:999", "reject", "--reason", "r"], PASSWORD, "no record"),
        (["assign", "{key}", "--reason", "r", "--due", "tomorrow"], PASSWORD, "not a date"),
        (["link", "{key}", "loves", "{key}", "--reason", "r"], PASSWORD, "not a relation"),
    ],
)
def test_bad_input_exits_2_naming_the_rule(in_review, qa_approver, args, password, message):
    result = atmp(*[a.format(key=in_review.record_key) for a in args], "--as", qa_approver.username, password=password)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_link_and_links(case, author):
    site = make_site()
    made = atmp("link", case.record_key, "concerns", site.record_key, "--as", author.username, "--json")
    assert made.exit_code == 0, made.output
    listed = atmp("links", site.record_key, "--as", author.username, "--json")
    assert [r["reads"] for r in json.loads(listed.stdout)["links"]] == ["is concerned by"]
    gone = atmp("unlink", str(json.loads(made.stdout)["id"]), "--as", author.username, "--reason", "wrong")
    assert gone.exit_code == 0, gone.output
