"""`atmp lab …`: evaluate (pure; a malformed field exits 2 naming it), methods with their validation,
specifications written, approved by QA with a signature, and a product's phase moved."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.testing import PASSWORD


def atmp(*args: str, password: str = PASSWORD):
    return CliRunner().invoke(main, ["lab", *args], env={"ATMP_PASSWORD": password}, catch_exceptions=False)


def ok(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_evaluate_prints_conforms_and_reported():
    assert ok(atmp("evaluate", "--criterion", "98.0-102.0", "--value", "97.96", "--json")) == {
        "conforms": True,
        "reported": "98.0",
    }
    assert ok(atmp("evaluate", "--criterion", ">=1.0E12", "--value", "9.4E11", "--json"))["conforms"] is False
    assert "97.9: does not conform" in atmp("evaluate", "--criterion", "98.0-102.0", "--value", "97.94").output


@pytest.mark.parametrize(
    ("criterion", "value", "field"), [("98,0-102,0", "99", "criterion"), ("98.0-102.0", "ninety", "value")]
)
def test_evaluate_exits_2_naming_the_field_without_traceback(criterion, value, field):
    result = atmp("evaluate", "--criterion", criterion, "--value", value, "--json")
    assert result.exit_code == 2
    assert f"atmp: error: {field}:" in result.stderr and "Traceback" not in result.output


@pytest.mark.django_db
def test_methods_specifications_and_phase_moves(qa_reviewer, qa_approver, product, tmp_path):
    made = ok(
        atmp("method", "add", "--code", "QC-VG", "--title", "Titre", "--type", "quantity", "--as", "rita", "--json")
    )
    assert made["code"] == "QC-VG"
    refused = atmp("method", "validate", "QC-VG", "--phase", "i", "--status", "qualified", "--as", "rita")
    assert refused.exit_code == 2 and "report:" in refused.stderr
    report = tmp_path / "qual.txt"
    report.write_text("qualification report", encoding="utf-8")
    shown = ok(
        atmp("method", "validate", "QC-VG", "--phase", "I", "--status", "qualified", "--report", str(report),
             "--as", "rita", "--json")
    )  # fmt: skip
    assert shown["validation"][0]["fit"] is True and shown["validation"][2]["fit"] is False
    assert "QC-VG" in atmp("method", "list", "--as", "rita").output
    spec = ok(atmp("spec", "new", "--product", "AAV-001", "--phase", "i", "--as", "rita", "--json"))
    bad = atmp(
        "spec", "attribute", "add", str(spec["id"]), "--name", "Titre", "--method", "QC-VG", "--kind", "numeric",
        "--criterion", "1.0E14-1.0E12", "--as", "rita",
    )  # fmt: skip
    assert bad.exit_code == 2 and "criterion: range order" in bad.stderr
    ok(
        atmp("spec", "attribute", "add", str(spec["id"]), "--name", "Titre", "--method", "QC-VG", "--kind", "numeric",
             "--criterion", "1.0E12-1.0E14", "--unit", "{vg}/mL", "--as", "rita", "--json")
    )  # fmt: skip
    author = atmp("spec", "approve", str(spec["id"]), "--as", "rita", "--reason", "mine")
    assert author.exit_code == 2 and "do not allow signing" in author.stderr
    done = ok(atmp("spec", "approve", str(spec["id"]), "--as", "alex", "--reason", "approved", "--json"))
    assert done["status"] == "approved"
    assert ok(atmp("spec", "show", str(spec["id"]), "--as", "rita", "--json"))["attributes"][0]["unit"] == "{vg}/mL"
    listed = ok(atmp("spec", "list", "--product", "AAV-001", "--phase", "I", "--as", "rita", "--json"))
    assert [i["status"] for i in listed["items"]] == ["Approved"]
    early = atmp("phase", "move", "AAV-001", "iii", "--as", "alex", "--reason", "pivotal")
    assert early.exit_code == 2 and "no specification" in early.stderr
    moved = ok(atmp("phase", "move", "AAV-001", "I", "--as", "alex", "--reason", "first in human", "--json"))
    assert (moved["phase"], moved["specification"]) == ("i", spec["id"])
    assert "phase i since" in atmp("phase", "show", "AAV-001", "--as", "rita").output
