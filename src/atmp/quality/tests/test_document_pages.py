"""Controlled documents through their pages: register, version with its file, read-and-understood, the matrix."""

from __future__ import annotations

import pytest

from atmp.quality.factories import make_training_requirement
from atmp.quality.models.documents import Document, DocumentVersion, TrainingRecord, TrainingRequirement
from atmp.testing import PASSWORD, make_user, signed_in

pytestmark = pytest.mark.django_db


def test_a_document_registered_from_its_page_gets_a_version_whose_page_asks_for_the_file(qa_reviewer):
    client = signed_in(qa_reviewer)

    made = client.post("/quality/documents/new/", {"title": "Aseptic gowning", "document_type": "sop"})
    document = Document.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/records/quality.document/{document.pk}/"
    assert document.number.startswith("SOP-") and document.site is None

    page = client.get(made["Location"]).content.decode()
    assert f"/quality/documents/{document.pk}/versions/new/" in page

    started = client.post(
        f"/quality/documents/{document.pk}/versions/new/", {"change_summary": "first issue", "reason": ""}
    )
    version = DocumentVersion.objects.get()
    assert started["Location"] == f"/records/quality.documentversion/{version.pk}/"  # where the file is attached
    again = client.get(f"/records/quality.document/{document.pk}/").content.decode()
    assert f"/quality/documents/{document.pk}/versions/new/" not in again  # one version in preparation at a time

    listed = client.get("/quality/documents/?type=sop&status=draft").content.decode()
    assert document.number in listed
    assert document.number not in client.get("/quality/documents/?type=form").content.decode()


def test_an_unknown_owner_is_refused_beside_the_owner_field(qa_reviewer):
    refused = signed_in(qa_reviewer).post(
        "/quality/documents/new/", {"title": "Gowning", "document_type": "sop", "owner": "nobody"}
    )
    assert refused.status_code == 400 and 'data-testid="error-owner"' in refused.content.decode()
    assert not Document.objects.exists()


def test_training_is_required_then_signed_read_and_understood_by_a_trainee_of_one_site(
    qa_reviewer, qa_approver, effective, site
):
    document = effective.document
    client = signed_in(qa_approver)
    required = client.post(
        f"/quality/documents/{document.pk}/training/new/", {"role": "operator", "grace_days": "10", "reason": "new SOP"}
    )
    assert required.status_code == 302 and required["Location"] == f"/records/quality.document/{document.pk}/"
    assert TrainingRequirement.objects.get().role == "operator"

    trainee = make_user("operator", username="lena", password=PASSWORD, site=site)
    mine = signed_in(trainee)
    url = f"/quality/document-versions/{effective.pk}/read/"
    assert url in mine.get(f"/records/quality.documentversion/{effective.pk}/").content.decode()
    assert url not in signed_in(qa_reviewer).get(f"/records/quality.documentversion/{effective.pk}/").content.decode()

    matrix = mine.get(f"/quality/training/matrix/?site={site.code}").content.decode()
    assert 'data-testid="matrix-lena"' in matrix and "due " in matrix

    wrong = mine.post(url, {"password": "wrong"})
    assert wrong.status_code == 400 and not TrainingRecord.objects.exists()
    signed = mine.post(url, {"password": PASSWORD})
    assert signed.status_code == 302
    assert TrainingRecord.objects.get().user == trainee
    assert url not in mine.get(f"/records/quality.documentversion/{effective.pk}/").content.decode()

    csv = mine.get(f"/quality/training/matrix/?site={site.code}&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert "lena," in csv.content.decode() and ",trained," in csv.content.decode()


def test_the_matrix_filters_by_role_and_refuses_a_bad_day(qa_reviewer, qa_approver, operator, effective):
    make_training_requirement(actor=qa_approver, document=effective.document, role="operator")
    make_training_requirement(actor=qa_approver, document=effective.document, role="qa_reviewer")
    client = signed_in(qa_reviewer)

    operators = client.get("/quality/training/matrix/?role=operator").content.decode()
    assert 'data-testid="matrix-olga"' in operators and 'data-testid="matrix-rita"' not in operators

    bad = client.get("/quality/training/matrix/?at=tomorrow")
    assert bad.status_code == 400 and 'data-testid="error-at"' in bad.content.decode()


def test_a_requirement_is_removed_from_its_page_by_qa_only(qa_reviewer, qa_approver, operator, sop):
    requirement = make_training_requirement(actor=qa_approver, document=sop)
    url = f"/quality/training-requirements/{requirement.pk}/void/"
    assert (
        url not in signed_in(operator).get(f"/records/quality.trainingrequirement/{requirement.pk}/").content.decode()
    )
    assert signed_in(operator).post(url, {"reason": "x"}).status_code == 403

    removed = signed_in(qa_approver).post(url, {"reason": "no longer applies"})
    assert removed.status_code == 302
    assert TrainingRequirement._base_manager.get(pk=requirement.pk).voided
