"""Documents and training through the REST API: create, list, edit, versions, requirements, read-and-understood."""

from __future__ import annotations

import pytest

from atmp.quality.factories import make_training_requirement
from atmp.testing import PASSWORD, ApiClient, token_for
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def test_a_document_is_created_listed_and_retitled(qa_reviewer):
    api = ApiClient(token_for(qa_reviewer))
    made = api.post("/quality/documents", {"title": "Gowning", "document_type": "sop", "reason": "new process"})
    assert made.status_code == 201, made.json()
    doc = made.json()
    assert doc["number"] == "SOP-0001" and doc["owner"] == qa_reviewer.username and doc["effective_version"] is None
    listed = api.get("/quality/documents", document_type="sop").json()
    assert [d["number"] for d in listed["documents"]] == ["SOP-0001"] and listed["next_after"] is None
    changed = api.patch(
        f"/quality/documents/{doc['id']}", {"reason": "clearer", "version": doc["version"], "title": "Aseptic gowning"}
    )
    assert changed.status_code == 200 and changed.json()["title"] == "Aseptic gowning"


def test_the_list_pages_with_after(qa_reviewer):
    api = ApiClient(token_for(qa_reviewer))
    for n in range(3):
        api.post("/quality/documents", {"title": f"Doc {n}", "document_type": "form"})
    first = api.get("/quality/documents", limit=2).json()
    second = api.get("/quality/documents", limit=2, after=first["next_after"]).json()
    assert [d["number"] for d in first["documents"] + second["documents"]] == ["FRM-0003", "FRM-0002", "FRM-0001"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"title": "x", "document_type": "memo"}, 400, "document_type"),
        ({"title": "x", "document_type": "sop", "owner": "nobody"}, 400, "owner"),
        ({"title": "x", "document_type": "sop", "site": "NOWHERE"}, 400, "site"),
        ({"title": "x", "document_type": "sop", "colour": "red"}, 400, "colour"),
    ],
)
def test_bad_documents_are_refused_naming_the_field(qa_reviewer, body, status, field):
    answer = ApiClient(token_for(qa_reviewer)).post("/quality/documents", body)
    assert answer.status_code == status, answer.json()
    assert answer.json()["field"] == field


def test_an_inspector_cannot_create_a_document(inspector):
    answer = ApiClient(token_for(inspector)).post("/quality/documents", {"title": "x", "document_type": "sop"})
    assert answer.status_code == 403


def test_a_version_is_started_and_a_second_refused(sop, qa_reviewer):
    api = ApiClient(token_for(qa_reviewer))
    made = api.post(
        f"/quality/documents/{sop.pk}/versions", {"change_summary": "first issue", "effective_date": "2026-01-01"}
    )
    assert made.status_code == 201, made.json()
    assert made.json()["label"] == "1" and made.json()["status"] == "draft"
    again = api.post(f"/quality/documents/{sop.pk}/versions", {})
    assert again.status_code == 409 and "one version is prepared at a time" in again.json()["detail"]
    edited = api.patch(
        f"/quality/documents/versions/{made.json()['id']}",
        {"reason": "typo", "version": made.json()["version"], "change_summary": "First issue"},
    )
    assert edited.status_code == 200 and edited.json()["change_summary"] == "First issue"


def test_make_effective_without_approval_is_refused_through_the_generic_endpoint(draft, qa_reviewer, qa_approver):
    engine.transition(qa_reviewer, draft, "submit", reason="ready")
    answer = ApiClient(token_for(qa_approver)).post(
        f"/records/quality.documentversion/{draft.pk}/transitions/make_effective", {"reason": "now"}
    )
    assert answer.status_code == 409 and "taken from Approved" in answer.json()["detail"]


def test_read_and_understood_through_the_api(effective, operator):
    api = ApiClient(token_for(operator))
    path = f"/quality/documents/versions/{effective.pk}/read-and-understood"
    assert api.post(path, {"password": "wrong"}).status_code == 422
    signed = api.post(path, {"password": PASSWORD})
    assert signed.status_code == 201, signed.json()
    assert signed.json()["user"] == operator.username and signed.json()["version_label"] == "1"
    listed = api.get("/quality/training/records", user=operator.username).json()
    assert [r["id"] for r in listed["records"]] == [signed.json()["id"]]


def test_read_and_understood_of_a_draft_is_refused(draft, operator):
    answer = ApiClient(token_for(operator)).post(
        f"/quality/documents/versions/{draft.pk}/read-and-understood", {"password": PASSWORD}
    )
    assert answer.status_code == 422 and "effective version only" in answer.json()["detail"]


def test_requirements_status_and_matrix(effective, sop, operator, qa_approver):
    api = ApiClient(token_for(qa_approver))
    made = api.post("/quality/training/requirements", {"document": sop.pk, "role": "operator", "grace_days": 14})
    assert made.status_code == 201, made.json()
    status = api.get("/quality/training/status", user=operator.username).json()
    assert [(i["document_number"], i["state"]) for i in status["items"]] == [(sop.number, "due")]
    matrix = api.get("/quality/training/matrix").json()
    assert (matrix["required"], matrix["trained"], matrix["compliance"]) == (1, 0, "0.0000")
    assert matrix["cells"] == [
        {"user": operator.username, "document": sop.pk, "state": "due", "due": status["items"][0]["due"]}
    ]
    gone = api.post(f"/quality/training/requirements/{made.json()['id']}/void", {"reason": "not gowning"})
    assert gone.status_code == 200 and gone.json()["voided"]
    assert api.get("/quality/training/matrix").json()["required"] == 0


def test_an_operator_cannot_set_requirements(sop, operator):
    answer = ApiClient(token_for(operator)).post(
        "/quality/training/requirements", {"document": sop.pk, "role": "operator"}
    )
    assert answer.status_code == 403


def test_status_of_an_unknown_user_is_refused(qa_approver):
    answer = ApiClient(token_for(qa_approver)).get("/quality/training/status", user="ghost")
    assert answer.status_code == 400 and answer.json()["field"] == "user"


def test_a_requirement_listed(sop, qa_approver):
    make_training_requirement(actor=qa_approver, document=sop)
    rows = ApiClient(token_for(qa_approver)).get("/quality/training/requirements", document=sop.pk).json()
    assert [r["role"] for r in rows] == ["operator"]
