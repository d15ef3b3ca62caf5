"""Master batch records through the REST API: drafted from the document (a bad field is a 400 naming
the step and field, nothing written), shown with every row's id, exported, copied, made effective by
the signed generic transition, and frozen afterwards (409)."""

from __future__ import annotations

import pytest

from atmp.manufacturing.models import MasterBatchRecord
from atmp.testing import PASSWORD, ApiClient, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(qa_reviewer):
    return ApiClient(token_for(qa_reviewer))


@pytest.fixture
def qa(qa_approver):
    return ApiClient(token_for(qa_approver))


def _add(api, version, doc):
    return api.post("/manufacturing/master-batch-records", {"process_version": version.pk, **doc, "reason": "new"})


def test_a_record_is_drafted_shown_with_row_ids_and_exported_as_its_document(api, version, doc):
    made = _add(api, version, doc)
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["number"], body["status"], body["product"], body["process_number"]) == (1, "draft", "AAV-001", 1)
    step = body["steps"][0]
    assert step["id"] and step["parameters"][0]["id"] and step["materials"][0]["id"] and step["sops"][0]["id"]
    exported = api.get(f"/manufacturing/master-batch-records/{body['id']}/document").json()
    assert [s["number"] for s in exported["steps"]] == [10, 20, 30]
    again = _add(api, version, exported)  # the exported document is what the API takes
    assert again.status_code == 201 and again.json()["content_hash"] == body["content_hash"]
    listed = api.get("/manufacturing/master-batch-records", process=str(version.pk)).json()
    assert [i["number"] for i in listed["items"]] == [1, 2]


def test_a_bad_field_is_a_400_naming_step_and_field_and_writes_nothing(api, version, doc):
    doc["steps"][1]["parameters"][0]["nor_high"] = "40"
    refused = _add(api, version, doc)
    assert refused.status_code == 400
    assert refused.json()["field"] == "step 20.parameters[1].par_high"
    assert MasterBatchRecord.objects.count() == 0


def test_an_unknown_field_is_refused(api, version, doc):
    doc["steps"][0]["parameters"][0]["nol_low"] = "1"
    assert _add(api, version, doc).status_code in (400, 422)
    assert MasterBatchRecord.objects.count() == 0


def test_qa_makes_it_effective_with_a_signature_and_it_is_frozen(api, qa, version, doc):
    made = _add(api, version, doc).json()
    done = qa.post(
        f"/records/manufacturing.masterbatchrecord/{made['id']}/transitions/make_effective",
        {"reason": "approved", "password": PASSWORD},
    )
    assert done.status_code == 200, done.content
    assert api.get(f"/manufacturing/master-batch-records/{made['id']}").json()["status"] == "effective"
    frozen = api.put(f"/manufacturing/master-batch-records/{made['id']}/content", {**doc, "reason": "edit"})
    assert frozen.status_code == 409 and "frozen" in frozen.json()["detail"]
    copied = api.post(f"/manufacturing/master-batch-records/{made['id']}/copy", {"reason": "next version"})
    assert copied.status_code == 201 and (copied.json()["number"], copied.json()["copied_from"]) == (2, made["id"])


def test_a_draft_s_content_is_replaced(api, version, doc):
    made = _add(api, version, doc).json()
    doc["title"] = "Shorter"
    doc["steps"] = doc["steps"][:2]
    done = api.put(
        f"/manufacturing/master-batch-records/{made['id']}/content", {**doc, "reason": "two steps", "version": 1}
    )
    assert done.status_code == 200, done.content
    assert (done.json()["title"], len(done.json()["steps"])) == ("Shorter", 2)


def test_an_unknown_record_is_a_404(api):
    assert api.get("/manufacturing/master-batch-records/999999").status_code == 404
