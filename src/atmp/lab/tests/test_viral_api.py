"""Viral clearance studies through the REST API: opened, steps added (a broken rule is a 400 naming
the field, nothing written), the report uploaded, approved by the signed generic transition, frozen."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atmp.lab.factories import step_fields
from atmp.lab.models import ViralClearanceStep
from atmp.testing import PASSWORD, ApiClient, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(qa_reviewer):
    return ApiClient(token_for(qa_reviewer))


@pytest.fixture
def qa(qa_approver):
    return ApiClient(token_for(qa_approver))


def _open(api, site, aav):
    body = {
        "site": site.code,
        "product": aav.code,
        "title": "AAV clearance",
        "laboratory": "CRO",
        "model_viruses": "MuLV, MMV",
        "reason": "new",
    }
    made = api.post("/lab/viral-clearance", body)
    assert made.status_code == 201, made.content
    return made.json()


def _step(**fields):
    body = step_fields(**fields)
    return {
        k: (float(v) if isinstance(v, str) and k.endswith(("titre", "_ml", "log10")) else v) for k, v in body.items()
    }


def test_a_study_is_opened_filled_reported_approved_and_frozen(api, qa, site, aav):
    study = _open(api, site, aav)
    assert study["number"].startswith("VC-") and study["status"] == "draft" and study["results"] is None
    added = api.post(f"/lab/viral-clearance/{study['id']}/steps", _step())
    assert added.status_code == 201, added.content
    undetected = _step(
        name="AEX", mechanism="aex", output_detected=False, output_log10_titre=None, sampled_volume_ml=100.0
    )
    assert api.post(f"/lab/viral-clearance/{study['id']}/steps", undetected).status_code == 201
    shown = api.get(f"/lab/viral-clearance/{study['id']}").json()
    assert shown["results"]["viruses"][0]["claim_text"].startswith("≥ ") and not shown["results_frozen"]
    uploaded = api.client.post(
        f"/api/v1/lab/viral-clearance/{study['id']}/report",
        {"file": SimpleUploadedFile("final.pdf", b"%PDF-1.4 final"), "reason": "final report"},
    )
    assert uploaded.status_code == 200, uploaded.content
    assert uploaded.json()["report"]["name"] == "final.pdf"
    record = f"/records/lab.viralclearancestudy/{study['id']}/transitions"
    assert api.post(f"{record}/submit", {"reason": "ready"}).status_code == 200
    done = qa.post(f"{record}/approve", {"reason": "claim accepted", "password": PASSWORD})
    assert done.status_code == 200, done.content
    shown = api.get(f"/lab/viral-clearance/{study['id']}").json()
    assert shown["status"] == "approved" and shown["results_frozen"]
    frozen = api.post(f"/lab/viral-clearance/{study['id']}/steps", _step(name="Heat", mechanism="heat"))
    assert frozen.status_code == 409 and "frozen" in frozen.json()["detail"]
    listed = api.get("/lab/viral-clearance").json()
    assert [i["number"] for i in listed["items"]] == [study["number"]]


def test_a_broken_counting_rule_is_a_400_naming_the_field_and_nothing_is_written(api, site, aav):
    study = _open(api, site, aav)
    weak = api.post(f"/lab/viral-clearance/{study['id']}/steps", _step(output_log10_titre=6.0))
    assert weak.status_code == 400 and weak.json()["field"] == "counted"
    assert "not above 1" in weak.json()["detail"]
    excluded = api.post(f"/lab/viral-clearance/{study['id']}/steps", _step(counted=False))
    assert excluded.status_code == 400 and excluded.json()["field"] == "count_reason"
    unknown = api.post(f"/lab/viral-clearance/{study['id']}/steps", {**_step(), "reasn": "typo"})
    assert unknown.status_code in (400, 422)
    assert not ViralClearanceStep.objects.exists()


def test_a_step_is_voided_and_an_unknown_study_is_a_404(api, site, aav):
    study = _open(api, site, aav)
    step = api.post(f"/lab/viral-clearance/{study['id']}/steps", _step()).json()
    voided = api.post(f"/lab/viral-clearance/{study['id']}/steps/{step['id']}/void", {"reason": "typo"})
    assert voided.status_code == 200 and voided.json()["voided"]
    assert api.get("/lab/viral-clearance/999999").status_code == 404
    bad = api.post(
        "/lab/viral-clearance",
        {"site": site.code, "product": "NOPE", "title": "t", "laboratory": "l", "model_viruses": "m"},
    )
    assert bad.status_code == 400 and bad.json()["field"] == "product"
