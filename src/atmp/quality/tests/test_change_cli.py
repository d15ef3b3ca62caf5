"""`atmp quality change …`: open, link, tasks, the QP's approval; transitions through `atmp workflow do`; exit 2."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


def atmp(*args: str, password: str = PASSWORD):
    return CliRunner().invoke(main, list(args), env={"ATMP_PASSWORD": password}, catch_exceptions=False)


def test_a_change_from_opening_to_closure(qa_reviewer, qa_approver, qp, operator, approved_ra, site):
    made = atmp(
        "quality", "change", "open", "--site", "LEI", "--title", "Medium supplier", "--description", "Switch to B",
        "--justification", "Supplier A stops", "--product", "AAV9-SMN", "--classification", "type_ib",
        "--rationale", "B.II.b.4", "--certified", "--risk", approved_ra.number, "--as", "rita", "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    doc = json.loads(made.stdout)
    number, key = doc["number"], doc["record"]
    assert doc["affects_certified_product"] is True and doc["risk_assessments"] == [approved_ra.number]
    assert atmp("workflow", "do", key, "assess", "--as", "rita", "--reason", "assessing").exit_code == 0
    qp_ok = atmp("quality", "change", "qp-approve", number, "--as", "quinn", "--json")
    assert qp_ok.exit_code == 0, qp_ok.output
    assert atmp("workflow", "do", key, "submit", "--as", "rita", "--reason", "assessed").exit_code == 0
    approved = atmp("workflow", "do", key, "approve", "--as", "alex", "--reason", "approved", "--json")
    assert json.loads(approved.stdout)["status"] == "implementation"
    task = atmp("quality", "change", "task", "add", number, "--title", "Qualify B", "--owner", "olga", "--as", "rita",
                "--due", "2099-01-31", "--json")  # fmt: skip
    task_id = json.loads(task.stdout)["id"]
    done = atmp("quality", "change", "task", "done", number, str(task_id), "--evidence", "QR-7", "--reason", "done",
                "--as", "olga")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert atmp("workflow", "do", key, "complete", "--as", "rita", "--reason", "implemented").exit_code == 0
    reviewed = atmp("quality", "change", "update", number, "--effectiveness-review", "Titres unchanged",
                    "--reason", "reviewed", "--as", "rita")  # fmt: skip
    assert reviewed.exit_code == 0, reviewed.output
    closed = atmp("workflow", "do", key, "close", "--as", "alex", "--reason", "effective", "--json")
    assert json.loads(closed.stdout)["status"] == "closed"
    shown = json.loads(atmp("quality", "change", "show", number, "--as", "rita", "--json").stdout)
    assert [t["done"] for t in shown["tasks"]] == [True]


def test_it_links_what_a_change_affects_and_lists_changes(qa_reviewer, change, site):
    linked = atmp("quality", "change", "affect", change.number, site.record_key, "--as", "rita", "--json")
    assert linked.exit_code == 0, linked.output and json.loads(linked.stdout)["reads"] == "concerns"
    listed = json.loads(atmp("quality", "change", "list", "--as", "rita", "--json").stdout)
    assert [c["number"] for c in listed["items"]] == [change.number]


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (
            ["open", "--site", "LEI", "--title", "T", "--classification", "type_x"],
            PASSWORD,
            "regulatory_classification",
        ),
        (["update", "{cc}", "--title", "T", "--reason", "r", "--version", "9"], PASSWORD, "version"),
        (["update", "CC-1999-0001", "--title", "T", "--reason", "r"], PASSWORD, "no change control"),
        (["risk", "{cc}", "RA-1999-0001"], PASSWORD, "no risk assessment"),
        (["task", "add", "{cc}", "--title", "T", "--owner", "olga", "--due", "soon"], PASSWORD, "not a date"),
        (["task", "done", "{cc}", "999", "--evidence", "e", "--reason", "r"], PASSWORD, "no task"),
        (["qp-approve", "{cc}"], PASSWORD, "Qualified Person"),
        (["open", "--site", "LEI", "--title", "T"], "wrong", "password"),
    ],
)
def test_bad_input_exits_2_naming_the_rule(qa_reviewer, operator, change, args, password, message):
    result = atmp("quality", "change", *[a.format(cc=change.number) for a in args], "--as", "rita", password=password)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_a_refused_transition_exits_2_naming_the_rule(qa_reviewer, site):
    from atmp.quality.factories import make_changecontrol

    bare = make_changecontrol(actor=qa_reviewer, site=site, risk_assessment=None)
    atmp("workflow", "do", bare.record_key, "assess", "--as", "rita", "--reason", "r")
    result = atmp("workflow", "do", bare.record_key, "submit", "--as", "rita", "--reason", "r")
    assert result.exit_code == 2 and "risk assessment" in result.stderr
