"""Samples, results and OOS investigations through the CLI (--json, exit 2 naming the field) and the API."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile

from atmp.cli.main import main
from atmp.lab.models import OosInvestigation, Result
from atmp.lab.tests.test_results import analyst, batch, sample  # noqa: F401 - shared fixtures
from atmp.testing import PASSWORD, ApiClient, make_user, token_for

pytestmark = pytest.mark.django_db


def atmp(*args):
    return CliRunner().invoke(main, ["lab", *args], env={"ATMP_PASSWORD": PASSWORD}, catch_exceptions=False)


def doc(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_sample_result_review_oos(analyst, batch, tmp_path):  # noqa: F811
    made = doc(atmp("sample", "add", "--site", batch.site.code, "--purpose", "release", "--batch", batch.number,
                    "--quantity", "1", "--unit", "mL", "--taken-by", "olga", "--as", "quinn", "--json"))  # fmt: skip
    number = made["number"]
    assert (
        doc(atmp("sample", "receive", number, "--location", "QC fridge 1", "--as", "quinn", "--json"))["status"]
        == "received"
    )
    bad = atmp("result", "add", number, "--attribute", "1", "--value", "lots", "--as", "quinn", "--json")
    assert bad.exit_code == 2 and "value" in bad.output and "Traceback" not in bad.output
    wrong = atmp("result", "add", number, "--attribute", "Host-cell protein", "--value", "3", "--unit", "%",
                 "--as", "quinn")  # fmt: skip
    assert wrong.exit_code == 2 and "wrong unit" in wrong.output
    ok = doc(atmp("result", "add", number, "--attribute", "1", "--value", "2.1E13", "--as", "quinn", "--json"))
    assert ok["conforms"] is True and ok["reported"] == "2.10E13"  # rounded to the limit 1.0E12: 10^11
    make_user("qc_analyst", username="max", password=PASSWORD)
    assert doc(atmp("result", "review", str(ok["id"]), "--as", "max", "--json"))["reviewed_by"]
    own = atmp("result", "review", str(ok["id"]), "--as", "quinn")
    assert own.exit_code != 0
    fail = doc(atmp("result", "add", number, "--attribute", "Bacterial endotoxins", "--value", "0.9", "--as", "quinn",
                    "--json"))  # fmt: skip
    assert fail["conforms"] is False and fail["oos"]
    listed = doc(atmp("oos", "list", "--as", "quinn", "--json"))
    assert [i["number"] for i in listed["items"]] == fail["oos"]
    shown = doc(atmp("oos", "show", fail["oos"][0], "--as", "quinn", "--json"))
    assert shown["status"] == "phase_1"
    assert doc(atmp("oos", "finding", fail["oos"][0], "--phase-1", "No lab error", "--reason", "phase I",
                    "--as", "quinn", "--json"))["phase_1_finding"] == "No lab error"  # fmt: skip
    escalated = CliRunner().invoke(
        main,
        ["workflow", "do", shown["record"], "escalate", "--reason", "no lab error", "--as", "quinn", "--json"],
        env={"ATMP_PASSWORD": PASSWORD},
        catch_exceptions=False,
    )
    assert escalated.exit_code == 0, escalated.output
    assert OosInvestigation.objects.get(number=shown["number"]).status == "phase_2"
    fixed = doc(atmp("result", "correct", str(ok["id"]), "--value", "2.2E13", "--reason", "typo", "--as", "quinn",
                     "--json"))  # fmt: skip
    assert fixed["supersedes"] == ok["id"]
    csv_file = tmp_path / "run.csv"
    csv_file.write_text("attribute,value\nCapsid ratio,40\nAppearance,maybe\n")
    before = Result.objects.count()
    refused = atmp("result", "import", str(csv_file), "--sample", number, "--as", "quinn")
    assert refused.exit_code == 2 and "line 3" in refused.output
    assert Result.objects.count() == before
    csv_file.write_text("attribute,value\nCapsid ratio,40\nAppearance,conforms\n")
    imported = doc(atmp("result", "import", str(csv_file), "--sample", number, "--as", "quinn", "--json"))
    assert len(imported["results"]) == 2 and imported["results"][0]["source_file"]["sha256"]
    shown = doc(atmp("sample", "show", number, "--as", "quinn", "--json"))
    assert shown["status"] == "in_testing" and len(shown["custody"]) == 1
    assert doc(atmp("sample", "list", "--as", "quinn", "--json"))["items"][0]["number"] == number
    assert len(doc(atmp("result", "list", number, "--as", "quinn", "--json"))["items"]) == 4


def test_api_sample_results_and_review(analyst, batch):  # noqa: F811
    api = ApiClient(token_for(analyst))
    made = api.post("/lab/samples", {"site": batch.site.code, "purpose": "release", "batch": batch.number,
                                     "quantity": "1", "unit": "mL", "taken_by": "olga"})  # fmt: skip
    assert made.status_code == 201, made.content
    sample_id = made.json()["id"]
    assert api.post(f"/lab/samples/{sample_id}/receive", {"location": "QC fridge"}).status_code == 200
    bad = api.post(f"/lab/samples/{sample_id}/results", {"attribute": "1", "value": "abc"})
    assert bad.status_code == 400 and "value" in bad.content.decode()
    result = api.post(f"/lab/samples/{sample_id}/results", {"attribute": "Bacterial endotoxins", "value": "0.7"})
    assert result.status_code == 201, result.content
    body = result.json()
    assert body["conforms"] is False and OosInvestigation.objects.count() == 1
    oos_id = OosInvestigation.objects.get().pk
    assert api.get(f"/lab/oos/{oos_id}").json()["status"] == "phase_1"
    assert api.get("/lab/oos").status_code == 200 and api.get("/lab/samples").status_code == 200
    own = api.post(f"/lab/results/{body['id']}/review", {"password": PASSWORD})
    assert own.status_code == 422 and "segregation of duties" in own.content.decode()
    other = ApiClient(token_for(make_user("qa_reviewer", username="rev2", password=PASSWORD)))
    reviewed = other.post(f"/lab/results/{body['id']}/review", {"password": PASSWORD})
    assert reviewed.status_code == 200, reviewed.content
    fixed = api.post(f"/lab/results/{body['id']}/corrections", {"value": "0.3", "reason": "retest"})
    assert fixed.status_code == 201 and fixed.json()["supersedes"] == body["id"]
    upload = SimpleUploadedFile("r.csv", b"attribute,value\nCapsid ratio,40\n", content_type="text/csv")
    imported = api.client.post(f"/api/v1/lab/samples/{sample_id}/results/import", {"file": upload, "reason": "run 3"})
    assert imported.status_code == 201, imported.content
