"""`atmp trace …`: a user scripts materials, lots, release, persons, uses and administrations, and
traces both ways; refusals exit 2 naming the rule, an unknown ID exits 2 naming it."""

from __future__ import annotations

import pytest

from atmp.trace.tests.clirunner import atmp, doc

pytestmark = pytest.mark.django_db


def ok(result):
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_genealogy_is_scripted_and_traced_on_the_command_line(qa_reviewer, qa_approver, operator, site):
    doc(
        atmp(
            "material",
            "add",
            "LV-1",
            "--name",
            "LV vector",
            "--type",
            "vector_seed",
            "--unit",
            "mL",
            "--as",
            "rita",
            "--json",
        )
    )
    ok(atmp("material", "add", "DP-1", "--name", "CAR-T", "--type", "drug_product", "--unit", "{bag}", "--as", "rita"))
    lot = doc(
        atmp(
            "lot", "receive", "LV-0001", "--material", "LV-1", "--site", "LEI", "--quantity", "50",
            "--expiry", "2099-12-31", "--location", "Freezer 3", "--as", "rita", "--json",
        )
    )  # fmt: skip
    assert (lot["status"], lot["remaining"]) == ("quarantine", "50")
    ok(atmp("lot", "receive", "DP-0001", "--material", "DP-1", "--site", "LEI", "--quantity", "1",
             "--expiry", "2099-12-31", "--as", "rita"))  # fmt: skip
    refused = atmp("use", "LV-0001", "DP-0001", "--quantity", "5", "--unit", "mL", "--as", "olga")
    assert refused.exit_code == 2 and "only a released lot is used" in refused.stderr

    released = doc(atmp("lot", "release", "LV-0001", "--as", "alex", "--reason", "CoA conform", "--json"))
    assert released["status"] == "released"
    edge = doc(atmp("use", "LV-0001", "DP-0001", "--quantity", "0.005", "--unit", "L", "--as", "olga", "--json"))
    assert (edge["input"], edge["output"], edge["quantity"], edge["unit"]) == ("LV-0001", "DP-0001", "0.005", "L")
    assert doc(atmp("lot", "show", "LV-0001", "--json"))["remaining"] == "45"

    coi = doc(atmp("person", "add", "--kind", "patient", "--site", "LEI", "--as", "rita", "--json"))["coi"]
    ok(atmp("lot", "release", "DP-0001", "--as", "alex", "--reason", "QP certified"))
    doc(atmp("administer", "DP-0001", coi, "--as", "olga", "--json"))

    forward = doc(atmp("forward", "LV-0001", "--json"))
    assert set(forward) == {"root", "lots", "patients", "elapsed_ms"} and forward["root"] == "LV-0001"
    assert [(x["lot"], x["level"]) for x in forward["lots"]] == [("LV-0001", 0), ("DP-0001", 1)]
    assert [p["coi"] for p in forward["patients"]] == [coi] and isinstance(forward["elapsed_ms"], float)
    backward = doc(atmp("backward", coi, "--json"))
    assert set(backward) == {"root", "lots", "donors", "elapsed_ms"}
    assert [x["lot"] for x in backward["lots"]] == ["DP-0001", "LV-0001"] and backward["donors"] == []
    assert "2 lots from LV-0001" in atmp("forward", "LV-0001").stdout

    listed = doc(atmp("lot", "list", "--status", "released", "--as", "rita", "--json"))
    assert sorted(x["number"] for x in listed["items"]) == ["DP-0001", "LV-0001"]
    assert [m["code"] for m in doc(atmp("material", "list", "--as", "rita", "--json"))["items"]] == ["DP-1", "LV-1"]


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_an_unknown_id_exits_2_naming_it(db, direction):
    result = atmp(direction, "NO-SUCH-LOT", "--json")
    assert result.exit_code == 2 and "NO-SUCH-LOT" in result.stderr and not result.stdout


def test_bad_input_exits_2_naming_the_field(qa_reviewer, site):
    result = atmp("material", "add", "X 1", "--name", "n", "--type", "medium", "--unit", "ml", "--as", "rita")
    assert result.exit_code == 2 and "code:" in result.stderr


def test_a_wrong_password_does_not_release(qa_reviewer, qa_approver, lot):
    result = atmp("lot", "release", lot.number, "--as", "alex", "--reason", "ok", password="wrong")
    assert result.exit_code == 2
    lot.refresh_from_db()
    assert lot.status == "quarantine"
