"""The files API: attach by multipart upload, list a record's files, metadata, download; refusals as 4xx."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from atmp.api.tests.conftest import token_for
from atmp.files.models import Attachment, StoredFile
from atmp.ledger.models import AuditEntry

from .conftest import HTML, PDF, PE

pytestmark = pytest.mark.django_db


def client(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_for(user)}"})


def file_entries():
    return list(AuditEntry.objects.filter(record_type__startswith="files."))


def attach(api: Client, site, content=PDF, name="sop.pdf", **fields):
    data = {"file": SimpleUploadedFile(name, content, content_type="application/pdf"), "reason": "effective SOP"}
    data.update(fields)
    return api.post(f"/api/v1/records/accounts.site/{site.pk}/attachments", data)


def test_it_attaches_lists_describes_and_downloads_a_file(qa_reviewer, inspector, site):
    created = attach(client(qa_reviewer), site, note="v2")
    assert created.status_code == 201, created.content
    document = created.json()
    assert document["record"] == f"accounts.site:{site.pk}" and document["note"] == "v2"
    assert document["file"]["sha256"] == hashlib.sha256(PDF).hexdigest() and document["file"]["size"] == len(PDF)
    reader = client(inspector)
    listed = reader.get(f"/api/v1/records/accounts.site/{site.pk}/attachments").json()
    assert [a["id"] for a in listed] == [document["id"]]
    file_id = document["file"]["id"]
    assert reader.get(f"/api/v1/files/{file_id}").json()["name"] == "sop.pdf"
    content = reader.get(f"/api/v1/files/{file_id}/content")
    assert content.status_code == 200 and b"".join(content.streaming_content) == PDF
    assert content["Content-Disposition"].startswith("attachment") and content["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("content", "name", "rule"), [(HTML, "sop.pdf", "HTML"), (PE, "x.png", "executable")])
def test_a_disguised_file_is_refused_400_naming_the_rule(qa_reviewer, site, content, name, rule):
    answer = attach(client(qa_reviewer), site, content=content, name=name)
    assert answer.status_code == 400 and rule in answer.json()["detail"] and answer.json()["field"] == "file"
    assert not file_entries() and not StoredFile.objects.exists()  # only the refusal itself is recorded


def test_an_oversized_file_is_refused_413(qa_reviewer, site, monkeypatch):
    monkeypatch.setenv("ATMP_MAX_FILE_BYTES", "10")
    answer = attach(client(qa_reviewer), site)
    assert answer.status_code == 413 and answer.json()["limit_bytes"] == 10


def test_an_unknown_record_is_404_and_nothing_is_written(qa_reviewer, site):
    api = client(qa_reviewer)
    data = {"file": SimpleUploadedFile("sop.pdf", PDF), "reason": "r"}
    assert api.post("/api/v1/records/accounts.site/999/attachments", data).status_code == 404
    assert api.get("/api/v1/records/nothing.here/1/attachments").status_code == 404
    assert not file_entries()


def test_a_missing_reason_or_file_is_bad_input(qa_reviewer, site):
    api = client(qa_reviewer)
    assert attach(api, site, reason="").status_code == 400
    assert api.post(f"/api/v1/records/accounts.site/{site.pk}/attachments", {"reason": "r"}).status_code in (400, 422)


def test_an_inspector_may_not_attach(inspector, site):
    assert attach(client(inspector), site).status_code == 403


def test_a_file_is_detached_with_a_reason(qa_reviewer, site):
    api = client(qa_reviewer)
    attachment_id = attach(api, site).json()["id"]
    answer = api.post(
        f"/api/v1/attachments/{attachment_id}/void", data={"reason": "superseded"}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["detached"] is True
    assert Attachment.objects.get().voided
    assert api.get(f"/api/v1/records/accounts.site/{site.pk}/attachments").json() == []


def test_the_operations_are_in_the_openapi_document(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/records/{record_type}/{record_id}/attachments",
        "/api/v1/files/{file_id}",
        "/api/v1/files/{file_id}/content",
        "/api/v1/attachments/{attachment_id}/void",
    ]:
        assert path in paths, path
