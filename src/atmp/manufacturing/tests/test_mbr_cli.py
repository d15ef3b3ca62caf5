"""`atmp manufacturing mbr …`: drafted from a JSON file (a bad field exits 2 naming step and field, nothing
written), exported back by `show --json`, made effective by QA with a signature, frozen afterwards."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.manufacturing.models import MasterBatchRecord
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


def atmp(*args: str, password: str = PASSWORD):
    return CliRunner().invoke(main, ["manufacturing", *args], env={"ATMP_PASSWORD": password}, catch_exceptions=False)


def ok(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_record_is_added_from_a_file_exported_back_and_made_effective(version, doc, tmp_path, qa_approver):
    path = tmp_path / "mbr.json"
    # JSON numbers are read as decimals: 36.5 stays 36.5.
    text = json.dumps(doc).replace('"nor_low": "36.5"', '"nor_low": 36.5')
    path.write_text(text, encoding="utf-8")
    made = ok(atmp("mbr", "add", "--process", str(version.pk), "--file", str(path), "--as", "rita", "--json"))
    assert (made["number"], made["status"]) == (1, "draft")
    exported = ok(atmp("mbr", "show", str(made["id"]), "--as", "rita", "--json"))
    assert exported["title"] == doc["title"] and exported["steps"][0]["parameters"][0]["nor_low"] == "36.5"
    text_view = atmp("mbr", "show", str(made["id"]), "--as", "rita")
    assert "CPP Temperature [°C]: NOR 36.5–37.5, PAR 35–39" in text_view.output
    done = ok(atmp("mbr", "effective", str(made["id"]), "--as", "alex", "--reason", "approved", "--json"))
    assert done["status"] == "effective"
    frozen = atmp("mbr", "edit", str(made["id"]), "--file", str(path), "--reason", "x", "--as", "rita")
    assert frozen.exit_code == 2 and "frozen:" in frozen.stderr
    listed = ok(atmp("mbr", "list", "--product", "AAV-001", "--state", "effective", "--as", "rita", "--json"))
    assert [i["number"] for i in listed["items"]] == [1]
    copied = ok(atmp("mbr", "copy", str(made["id"]), "--as", "rita", "--reason", "v2", "--json"))
    assert (copied["number"], copied["copied_from"]) == (2, made["id"])


def test_a_bad_field_exits_2_naming_step_and_field_and_writes_nothing(version, doc, tmp_path):
    doc["steps"][2]["materials"][0]["unit"] = "g"
    path = tmp_path / "mbr.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    refused = atmp("mbr", "add", "--process", str(version.pk), "--file", str(path), "--as", "rita")
    assert refused.exit_code == 2 and "step 30.materials[1].unit: g cannot be converted to L" in refused.stderr
    assert MasterBatchRecord.objects.count() == 0


def test_a_file_that_is_not_json_exits_2(version, tmp_path, qa_reviewer):
    path = tmp_path / "mbr.json"
    path.write_text("{title: nope", encoding="utf-8")
    refused = atmp("mbr", "add", "--process", str(version.pk), "--file", str(path), "--as", "rita")
    assert refused.exit_code == 2 and "file: mbr.json is not a JSON document" in refused.stderr


def test_the_author_cannot_make_it_effective(version, doc, tmp_path):
    path = tmp_path / "mbr.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    made = ok(atmp("mbr", "add", "--process", str(version.pk), "--file", str(path), "--as", "alex", "--json"))
    refused = atmp("mbr", "effective", str(made["id"]), "--as", "alex", "--reason", "mine")
    assert refused.exit_code == 2 and "segregation of duties" in refused.stderr
