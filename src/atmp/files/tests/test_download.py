"""Downloading a stored file: always an attachment, never rendered; the upload and detach pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from atmp.files.models import Attachment
from atmp.testing import PASSWORD, make_attachment, make_stored_file, make_user

from .conftest import HTML, PDF

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_file_downloads_as_an_attachment_with_its_type_and_no_sniffing(operator, inspector):
    stored = make_stored_file(actor=operator, name="batch record é.pdf", content=PDF)
    response = signed_in(inspector).get(reverse("files:download", args=[stored.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''batch%20record%20%C3%A9.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["Content-Length"] == str(len(PDF))


def test_text_is_served_as_text_with_its_charset_never_as_html(operator):
    stored = make_stored_file(actor=operator, name="notes.txt", content=b"plain\n")
    response = signed_in(operator).get(reverse("files:download", args=[stored.pk]))
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_a_missing_blob_or_file_is_not_found(operator, file_home):
    stored = make_stored_file(actor=operator)
    (file_home / stored.sha256[:2] / stored.sha256[2:4] / stored.sha256).unlink()
    assert signed_in(operator).get(reverse("files:download", args=[stored.pk])).status_code == 404
    assert signed_in(operator).get(reverse("files:download", args=[stored.pk + 1])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(operator):
    stored = make_stored_file(actor=operator)
    response = Client().get(reverse("files:download", args=[stored.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_upload_page_attaches_a_file_and_returns_to_the_record(qa_reviewer, site):
    upload = SimpleUploadedFile("sop.pdf", PDF, content_type="application/pdf")
    url = reverse("files:upload", args=["accounts.site", site.pk])
    response = signed_in(qa_reviewer).post(url, {"file": upload, "reason": "effective SOP", "note": "v2"})
    assert response.status_code == 302 and response["Location"].endswith(f"/records/accounts.site/{site.pk}/#files")
    assert Attachment.objects.get().stored_file.name == "sop.pdf"


def test_the_upload_page_refuses_a_disguised_file_with_the_rule(qa_reviewer, site):
    upload = SimpleUploadedFile("sop.pdf", HTML, content_type="application/pdf")
    url = reverse("files:upload", args=["accounts.site", site.pk])
    response = signed_in(qa_reviewer).post(url, {"file": upload, "reason": "effective SOP"})
    assert response.status_code == 400 and b"is HTML or SVG, not a PDF" in response.content
    assert not Attachment.objects.exists()


def test_the_upload_page_refuses_an_oversized_file_with_413(qa_reviewer, site, monkeypatch):
    monkeypatch.setenv("ATMP_MAX_FILE_BYTES", "10")
    upload = SimpleUploadedFile("sop.pdf", PDF, content_type="application/pdf")
    url = reverse("files:upload", args=["accounts.site", site.pk])
    assert signed_in(qa_reviewer).post(url, {"file": upload, "reason": "r"}).status_code == 413


@pytest.mark.parametrize("role", ["inspector", "system_admin"])
def test_a_reader_or_an_administrator_may_not_upload(role, site):
    user = make_user(role, password=PASSWORD)
    upload = SimpleUploadedFile("sop.pdf", PDF)
    url = reverse("files:upload", args=["accounts.site", site.pk])
    assert signed_in(user).post(url, {"file": upload, "reason": "r"}).status_code == 403
    assert not Attachment.objects.exists()


def test_the_upload_and_detach_pages_take_posts_only(qa_reviewer, site):
    client = signed_in(qa_reviewer)
    assert client.get(reverse("files:upload", args=["accounts.site", site.pk])).status_code == 405
    assert client.get(reverse("files:detach", args=[1])).status_code == 405


def test_the_detach_page_voids_the_attachment(qa_reviewer, site):
    attachment = make_attachment(actor=qa_reviewer, record=site)
    response = signed_in(qa_reviewer).post(reverse("files:detach", args=[attachment.pk]), {"reason": "wrong file"})
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.voided


def test_an_upload_announced_over_the_limit_is_refused_413_before_its_body_is_read(qa_reviewer, site, monkeypatch):
    monkeypatch.setenv("ATMP_MAX_FILE_BYTES", "1000")
    url = reverse("files:upload", args=["accounts.site", site.pk])
    response = signed_in(qa_reviewer).generic("POST", url, b"", CONTENT_LENGTH=str(10**9))
    assert response.status_code == 413 and b"at most 1,000 bytes" in response.content
    api = signed_in(qa_reviewer).generic(
        "POST", f"/api/v1/records/accounts.site/{site.pk}/attachments", b"", CONTENT_LENGTH=str(10**9)
    )
    assert api.status_code == 413 and api.json()["field"] == "file"


def test_a_user_who_may_not_change_the_record_is_refused_403(operator, site):
    upload = SimpleUploadedFile("sop.pdf", PDF)
    url = reverse("files:upload", args=["accounts.site", site.pk])
    assert signed_in(operator).post(url, {"file": upload, "reason": "r"}).status_code == 403
