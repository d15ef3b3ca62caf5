"""`atmp quality risk …`: open, rows, show, register, scales as a re-authenticated user; exit 2 on bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.quality.factories import make_approved_riskassessment
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


def atmp(*args: str, password: str = PASSWORD):
    return CliRunner().invoke(main, ["quality", "risk", *args], env={"ATMP_PASSWORD": password}, catch_exceptions=False)


def test_it_opens_scores_and_shows_an_assessment(qa_reviewer, site):
    made = atmp("open", "--site", "LEI", "--title", "Medium", "--product", "AAV9-SMN", "--as", "rita", "--json")
    assert made.exit_code == 0, made.output
    number = json.loads(made.stdout)["number"]
    row = atmp("row", "add", number, "--failure-mode", "Endotoxin", "-s", "4", "-o", "2", "-d", "3", "--as", "rita")
    assert row.exit_code == 0, row.output and "RPN 24" in row.stdout
    shown = json.loads(atmp("show", number, "--as", "rita", "--json").stdout)
    assert [r["rpn"] for r in shown["rows"]] == [24]
    row_id = shown["rows"][0]["id"]
    changed = atmp(
        "row", "update", number, str(row_id), "-o", "1", "--reason", "re-estimated", "--as", "rita", "--json"
    )
    assert json.loads(changed.stdout)["rpn"] == 12
    assert "Medium" in atmp("list", "--as", "rita").stdout


def test_the_register_and_the_scale(qa_reviewer, qa_approver, site):
    ra = make_approved_riskassessment(actor=qa_reviewer, site=site)
    register = json.loads(atmp("register", "--product", "AAV9-SMN", "--as", "rita", "--json").stdout)
    assert [e["number"] for e in register["items"]] == [ra.number]
    shown = json.loads(atmp("scale", "show", "--site", "LEI", "--as", "rita", "--json").stdout)
    assert shown["source"] == "built-in default" and shown["levels"] == 5
    made = atmp("scale", "set", "LEI", "--major-rpn", "20", "--critical-rpn", "60", "--as", "alex", "--json")
    assert made.exit_code == 0, made.output
    assert json.loads(atmp("scale", "show", "--site", "LEI", "--as", "rita", "--json").stdout)["major_rpn"] == 20


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["row", "add", "{ra}", "--failure-mode", "x", "-s", "9", "-o", "1", "-d", "1"], PASSWORD, "severity"),
        (["row", "add", "RA-1999-0001", "--failure-mode", "x", "-s", "1", "-o", "1", "-d", "1"], PASSWORD, "no risk"),
        (["open", "--site", "NOPE", "--title", "T"], PASSWORD, "no site"),
        (["open", "--site", "LEI", "--title", "T"], "wrong", "password"),
        (["register"], PASSWORD, "product"),
        (["scale", "set", "LEI", "--levels", "7"], PASSWORD, "levels"),
    ],
)
def test_bad_input_exits_2_naming_the_rule(qa_reviewer, draft_ra, args, password, message):
    result = atmp(*[a.format(ra=draft_ra.number) for a in args], "--as", "rita", password=password)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
