"""`atmp quality document …` and `atmp quality training …`: scripted as a re-authenticated user; exit 2 on bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


def atmp(*args: str, password: str = PASSWORD):
    return CliRunner().invoke(main, ["quality", *args], env={"ATMP_PASSWORD": password}, catch_exceptions=False)


def test_a_document_is_added_versioned_and_listed(qa_reviewer):
    made = atmp("document", "add", "--title", "Gowning", "--type", "sop", "--as", qa_reviewer.username, "--json")
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["number"] == "SOP-0001"
    version = atmp(
        "document",
        "version",
        "SOP-0001",
        "--summary",
        "first issue",
        "--effective",
        "2026-01-05",
        "--as",
        qa_reviewer.username,
        "--json",
    )
    assert version.exit_code == 0, version.output
    assert json.loads(version.stdout)["label"] == "1"
    listed = atmp("document", "list", "--json")
    assert [d["number"] for d in json.loads(listed.stdout)["documents"]] == ["SOP-0001"]


def test_training_is_required_signed_and_reported(effective, sop, operator, qa_approver):
    required = atmp("training", "require", sop.number, "--role", "operator", "--as", qa_approver.username, "--json")
    assert required.exit_code == 0, required.output
    before = json.loads(atmp("training", "status", "--user", operator.username, "--json").stdout)
    assert [i["state"] for i in before["items"]] == ["due"]
    signed = atmp("training", "sign", sop.number, "--as", operator.username, "--json")
    assert signed.exit_code == 0, signed.output
    after = json.loads(atmp("training", "status", "--user", operator.username, "--json").stdout)
    assert [i["state"] for i in after["items"]] == ["trained"]
    matrix = json.loads(atmp("training", "matrix", "--json").stdout)
    assert (matrix["required"], matrix["trained"], matrix["compliance"]) == (1, 1, "1.0000")


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["document", "add", "--title", "x", "--type", "memo"], PASSWORD, "document_type"),
        (["document", "add", "--title", "x", "--type", "sop"], "wrong", "password"),
        (["document", "version", "SOP-9999"], PASSWORD, "no document"),
        (["document", "version", "{doc}", "--effective", "soon"], PASSWORD, "not a date"),
        (["training", "require", "{doc}", "--role", "chef"], PASSWORD, "not a role"),
        (["training", "sign", "{doc}"], PASSWORD, "no effective version"),
    ],
)
def test_bad_input_exits_2_naming_the_rule(sop, qa_approver, args, password, message):
    result = atmp(*[a.format(doc=sop.number) for a in args], "--as", qa_approver.username, password=password)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_signing_with_a_wrong_password_exits_2(effective, sop, operator):
    result = atmp("training", "sign", sop.number, "--as", operator.username, password="wrong")
    assert result.exit_code == 2 and "password is wrong" in result.stderr


def test_status_of_an_unknown_user_exits_2(db):
    result = atmp("training", "status", "--user", "ghost", "--json")
    assert result.exit_code == 2 and "ghost" in result.stderr
