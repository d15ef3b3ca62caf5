"""`atmp quality supplier …`: add, qualify, agreement, audit, finding, may-accept; exit 2 on bad input."""

from __future__ import annotations

import pytest

from atmp.quality.tests.clirunner import atmp, doc
from atmp.testing import PASSWORD
from atmp.workflow import engine, links

pytestmark = pytest.mark.django_db


def test_a_supplier_is_added_qualified_and_asked_about(qa_reviewer, qa_approver):
    supplier = doc(atmp("supplier", "add", "ViroMedia GmbH", "--as", "rita", "--reason", "new", "--json"))
    number = supplier["number"]
    approval = doc(
        atmp("supplier", "qualify", number, "--kind", "material", "--scope", "MED-001", "--as", "rita", "--json")
    )
    agreement = doc(
        atmp(
            "supplier",
            "agreement",
            number,
            "--title",
            "QAG",
            "--effective",
            "2026-01-01",
            "--expiry",
            "2030-12-31",
            "--as",
            "rita",
            "--json",
        )
    )
    engine.transition(qa_reviewer, links.resolve(agreement["record"]), "submit", reason="for approval")
    for key in (approval["record"], agreement["record"]):
        engine.transition(qa_approver, links.resolve(key), "approve", reason="ok", password=PASSWORD)
    answer = doc(atmp("supplier", "may-accept", "MED-001", number, "--on", "2026-06-01", "--as", "rita", "--json"))
    assert answer["ok"] and answer["rule"] == "approved"
    listed = doc(atmp("supplier", "agreements", "--expiring-within", "3660", "--as", "rita", "--json"))
    assert [a["number"] for a in listed["items"]] == [agreement["number"]]
    audit = doc(
        atmp(
            "supplier",
            "audit",
            number,
            "--title",
            "Initial",
            "--date",
            "2026-11-20",
            "--type",
            "remote",
            "--as",
            "rita",
            "--json",
        )
    )
    engine.transition(qa_reviewer, links.resolve(audit["record"]), "start", reason="go")
    finding = doc(
        atmp(
            "supplier", "finding", str(audit["id"]), "--class", "minor", "--description", "x", "--as", "rita", "--json"
        )
    )
    assert finding["classification"] == "minor"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["supplier", "qualify", "SUP-1999-0001", "--kind", "material", "--scope", "X"], "no supplier"),
        (["supplier", "add", "", "--reason", "r"], "name"),
        (["supplier", "may-accept", "X", "SUP-1999-0001"], "no supplier"),
        (["supplier", "finding", "999", "--class", "minor", "--description", "x"], "no supplier audit"),
        (["supplier", "add", "x", "--site", "NOPE"], "no site"),
    ],
)
def test_bad_input_exits_2_naming_the_rule(qa_reviewer, args, message):
    result = atmp(*args, "--as", "rita")
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_a_wrong_password_exits_2(qa_reviewer):
    result = atmp("supplier", "add", "x", "--as", "rita", password="wrong")
    assert result.exit_code == 2
