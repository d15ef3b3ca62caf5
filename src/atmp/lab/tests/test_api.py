"""The lab through the REST API: methods and their validation, specifications with attributes, the signed
generic approval, a product's phase move, and the evaluation of a result (a bad field is a 400 naming it)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atmp.lab.models import Specification
from atmp.testing import PASSWORD, ApiClient, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(qa_reviewer):
    return ApiClient(token_for(qa_reviewer))


@pytest.fixture
def qa(qa_approver):
    return ApiClient(token_for(qa_approver))


def _method(api, code="QC-VG"):
    made = api.post("/lab/methods", {"code": code, "title": "Vector genome titre", "method_type": "quantity"})
    assert made.status_code == 201, made.content
    return made.json()


def test_a_method_is_added_validated_with_its_report_and_listed(api):
    made = _method(api)
    assert [v["status"] for v in made["validation"]] == ["not_validated"] * 4
    done = api.client.post(
        f"/api/v1/lab/methods/{made['id']}/validation",
        {"phase": "iii", "status": "validated", "done_on": "2026-01-05", "file": SimpleUploadedFile("v.txt", b"VAL")},
    )
    assert done.status_code == 200, done.content
    phase3 = done.json()["validation"][2]
    assert (phase3["status"], phase3["fit"], phase3["report_name"]) == ("validated", True, "v.txt")
    listed = api.get("/lab/methods").json()
    assert [i["code"] for i in listed["items"]] == ["QC-VG"]


def test_a_validation_without_its_report_is_a_400_naming_report(api):
    made = _method(api)
    refused = api.client.post(f"/api/v1/lab/methods/{made['id']}/validation", {"phase": "i", "status": "qualified"})
    assert refused.status_code == 400 and refused.json()["field"] == "report"


def test_a_specification_is_written_approved_by_signature_and_the_product_moved(api, qa, qa_reviewer, product, titre):
    spec = api.post("/lab/specifications", {"product": "AAV-001", "phase": "iii", "title": "Release"}).json()
    bad = api.post(
        f"/lab/specifications/{spec['id']}/attributes",
        {"name": "Titre", "method": "QC-VG", "kind": "numeric", "criterion": "5,0E12-5,0E13"},
    )
    assert bad.status_code == 400 and bad.json()["field"] == "criterion"
    added = api.post(
        f"/lab/specifications/{spec['id']}/attributes",
        {"name": "Titre", "method": "QC-VG", "kind": "numeric", "criterion": "5.0E12-5.0E13", "unit": "{vg}/mL"},
    )
    assert added.status_code == 201, added.content
    assert added.json()["attributes"][0]["criterion"] == "5.0E12-5.0E13"
    early = qa.post("/lab/products/AAV-001/phase", {"phase": "iii", "reason": "pivotal"})
    assert early.status_code == 409 and "no specification" in early.json()["detail"]
    done = qa.post(
        f"/records/lab.specification/{spec['id']}/transitions/approve", {"reason": "approved", "password": PASSWORD}
    )
    assert done.status_code == 200, done.content
    assert Specification.objects.get(pk=spec["id"]).status == "approved"
    moved = qa.post("/lab/products/AAV-001/phase", {"phase": "iii", "reason": "pivotal"})
    assert moved.status_code == 200, moved.content
    assert (moved.json()["phase"], moved.json()["specification"]) == ("iii", spec["id"])
    assert api.get("/lab/products/AAV-001/phase").json()["phase"] == "iii"
    from atmp.testing import make_user

    analyst = ApiClient(token_for(make_user("qc_analyst")))
    assert analyst.post("/lab/products/AAV-001/phase", {"phase": "i", "reason": "x"}).status_code == 403


def test_evaluate_answers_conforms_and_reported_or_a_400_naming_the_field(api):
    ok = api.post("/lab/evaluate", {"criterion": "98.0-102.0", "value": "97.96"})
    assert ok.json() == {"conforms": True, "reported": "98.0"}
    bad = api.post("/lab/evaluate", {"criterion": "98.0-102.0", "value": "9 8"})
    assert bad.status_code == 400 and bad.json()["field"] == "value"
    bad = api.post("/lab/evaluate", {"criterion": "=>98", "value": "98"})
    assert bad.status_code == 400 and bad.json()["field"] == "criterion"
