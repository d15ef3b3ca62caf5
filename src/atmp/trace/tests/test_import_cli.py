"""`atmp trace import FILE.jsonl`: the documented example imports; a bad file exits 2 listing each bad line."""

from __future__ import annotations

import json

import pytest

from atmp.trace.models import Lot
from atmp.trace.tests.clirunner import atmp, doc
from atmp.trace.tests.import_files import MEDIUM, documented_example, jsonl, lot

pytestmark = pytest.mark.django_db


@pytest.fixture
def example(tmp_path):
    path = tmp_path / "migration.jsonl"
    path.write_bytes(documented_example())
    return str(path)


def test_a_dry_run_prints_the_counts_and_writes_nothing(qa_approver, site, example):
    summary = doc(atmp("import", example, "--site", "LEI", "--dry-run", "--as", "alex", "--json"))
    assert summary["dry_run"] and summary["counts"]["lot"] == 4 and summary["entries"] == 0
    assert not Lot.objects.exists()


def test_it_imports_and_prints_a_summary(qa_approver, site, example):
    summary = doc(atmp("import", example, "--site", "LEI", "--as", "alex", "--json"))
    assert summary["counts"]["use"] == 3 and summary["entries"] >= 13 and summary["elapsed_s"] >= 0
    assert len(summary["sha256"]) == 64
    text = atmp("backward", "DP-0001", "--json")
    assert {x["lot"] for x in doc(text)["lots"]} >= {"PL-0001", "APH-0001"}


def test_a_bad_file_exits_2_naming_each_line_and_imports_nothing(qa_approver, site, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(jsonl(MEDIUM, lot("L-1", unit="ml"), {"kind": "lot", "id": "L-2", "material": "MED-9"}))
    result = atmp("import", str(path), "--site", "LEI", "--as", "alex")
    assert result.exit_code == 2
    assert "bad.jsonl: line 2: unit: 'ml' is not a UCUM code" in result.stderr
    assert "bad.jsonl: line 3: quantity: is required for a lot" in result.stderr
    assert "2 bad lines: nothing imported" in result.stderr
    assert "Traceback" not in result.output
    assert not Lot.objects.exists()


def test_with_json_the_errors_are_a_document(qa_approver, site, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(jsonl({"kind": "nope"}))
    result = atmp("import", str(path), "--site", "LEI", "--as", "alex", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "imported": False,
        "errors": [{"line": 1, "field": "kind", "rule": json.loads(result.stdout)["errors"][0]["rule"]}],
        "more": 0,
    }


def test_an_operator_may_not_import_released_lots(operator, site, example):
    result = atmp("import", example, "--site", "LEI", "--as", "olga")
    assert result.exit_code == 2 and "quality.decide" in result.stderr
    assert not Lot.objects.exists()


def test_the_help_describes_the_format():
    result = atmp("import", "--help")
    assert result.exit_code == 0 and '"kind"' in result.stdout and "--dry-run" in result.stdout


def test_a_missing_identity_key_exits_2_with_its_message(qa_approver, site, example, monkeypatch):
    from atmp.trace import sealed
    from atmp.trace.services import imports

    def no_key(**_kwargs):
        raise sealed.SealError("identity.key cannot be read: run `atmp init`")

    monkeypatch.setattr(imports, "import_lines", no_key)
    result = atmp("import", example, "--site", "LEI", "--as", "alex")
    assert result.exit_code == 2 and "identity.key cannot be read" in result.output
