"""`atmp quality deviation|capa …`: open, classify, act, as a re-authenticated user; exit 2 naming the rule."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


def atmp(*args: str, password: str = PASSWORD):
    return CliRunner().invoke(main, ["quality", *args], env={"ATMP_PASSWORD": password}, catch_exceptions=False)


def test_a_deviation_is_opened_classified_and_gets_a_capa(operator, qa_reviewer, site):
    opened = atmp("deviation", "open", "--as", operator.username, "--site", site.code, "--title", "Leak",
                  "--description", "Bag leak", "--occurred-at", "2026-11-30T10:00+01:00", "--json")  # fmt: skip
    assert opened.exit_code == 0, opened.output
    dev = json.loads(opened.stdout)
    classified = atmp("deviation", "classify", str(dev["id"]), "--as", qa_reviewer.username, "--severity", "5",
                      "--occurrence", "1", "--detectability", "1", "--reason", "triage", "--json")  # fmt: skip
    assert classified.exit_code == 0, classified.output
    assert json.loads(classified.stdout)["classification"] == "critical"
    made = atmp("capa", "open", "--as", operator.username, "--site", site.code, "--title", "Bag handling",
                "--description", "Retrain", "--source", dev["record"], "--json")  # fmt: skip
    assert made.exit_code == 0, made.output
    capa = json.loads(made.stdout)
    added = atmp("capa", "action", str(capa["id"]), "--as", operator.username, "--description", "Retrain", "--json")
    assert added.exit_code == 0, added.output
    listed = atmp("capa", "list", "--as", operator.username, "--json")
    assert [c["number"] for c in json.loads(listed.stdout)["items"]] == [capa["number"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deviation", "open", "--site", "NOPE", "--title", "t", "--description", "d", "--occurred-at",
          "2026-11-30T10:00"], "there is no site"),
        (["deviation", "open", "--site", "{site}", "--title", "t", "--description", "d", "--occurred-at",
          "yesterday"], "not a time"),
        (["deviation", "classify", "999", "--severity", "1", "--occurrence", "1", "--detectability", "1",
          "--reason", "r"], "no record"),
        (["capa", "action", "999", "--description", "x"], "no record"),
    ],
)  # fmt: skip
def test_bad_input_exits_2(operator, site, args, message):
    result = atmp(*[a.format(site=site.code) for a in args], "--as", operator.username)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_a_wrong_password_exits_2(operator, site):
    result = atmp("deviation", "open", "--as", operator.username, "--site", site.code, "--title", "t",
                  "--description", "d", "--occurred-at", "2026-11-30T10:00", password="wrong")  # fmt: skip
    assert result.exit_code == 2 and "password" in result.stderr


def test_overdue_lists_quality_records_past_their_due_date(operator, site):
    import datetime as dt

    from atmp.quality.factories import make_capa

    late = make_capa(actor=operator, site=site, due_date=dt.date(2020, 1, 1))
    make_capa(actor=operator, site=site, due_date=dt.date(2999, 1, 1))
    result = CliRunner().invoke(main, ["quality", "overdue", "--json"], catch_exceptions=False)
    assert json.loads(result.stdout) == {
        "items": [{"record": late.record_key, "title": str(late), "due": "2020-01-01", "owner": None}]
    }
