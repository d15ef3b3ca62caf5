"""POST /records/{type}/{id}/signatures: re-authenticated, bound to the version the signer saw."""

from __future__ import annotations

import pytest

from atmp.ledger.models import AuditEntry, Signature
from atmp.testing import PASSWORD, rename_site

pytestmark = pytest.mark.django_db


def sign(client, site, **body):
    payload = {"meaning": "approved", "password": PASSWORD, "version": site.version} | body
    return client.post(f"/records/accounts.site/{site.pk}/signatures", payload)


def test_it_signs_the_version_the_signer_saw(as_approver, site):
    response = sign(as_approver, site)
    assert response.status_code == 201, response.content
    doc = response.json()
    assert (doc["meaning"], doc["record_version"], doc["superseded"]) == ("approved", 1, False)
    assert Signature.objects.get(entry_seq=doc["entry_seq"]).snapshot_hash == site.snapshot_hash()


def test_it_refuses_and_audits_a_version_that_is_no_longer_current(as_approver, site, qa_reviewer):
    seen = site.version
    rename_site(site, "Leiden II", actor=qa_reviewer)
    response = sign(as_approver, site, version=seen)
    assert response.status_code == 422
    assert "version 2 is current" in response.json()["detail"]
    assert not Signature.objects.exists()
    assert AuditEntry.objects.filter(action="sign_failed").count() == 1


def test_a_wrong_password_is_refused_and_audited(as_approver, site):
    response = sign(as_approver, site, password="not my password")
    assert response.status_code == 422
    assert "password" in response.json()["detail"]
    assert AuditEntry.objects.filter(action="sign_failed").exists()


def test_the_author_cannot_approve_their_own_record(as_reviewer, site):
    response = sign(as_reviewer, site, meaning="reviewed")
    assert response.status_code == 422
    assert "segregation of duties" in response.json()["detail"]


def test_signing_needs_records_sign(as_inspector, site):
    response = sign(as_inspector, site)
    assert response.status_code == 403
    assert "records.sign" in response.json()["detail"]


def test_signing_an_unknown_record_is_404(as_approver, site):
    response = as_approver.post(
        "/records/accounts.site/424242/signatures", {"meaning": "approved", "password": PASSWORD, "version": 1}
    )
    assert response.status_code == 404


def test_the_record_says_which_meanings_the_caller_may_give(as_approver, as_reviewer, as_inspector, site):
    path = f"/records/accounts.site/{site.pk}"
    assert as_approver.get(path).json()["meanings_you_may_give"] == ["reviewed", "approved"]
    assert as_reviewer.get(path).json()["meanings_you_may_give"] == ["authored"]  # Rita created it
    assert as_inspector.get(path).json()["meanings_you_may_give"] == []


def test_the_approver_cannot_approve_their_own_role_assignment(as_approver, qa_approver):
    own = qa_approver.assignments.get()
    response = as_approver.post(
        f"/records/accounts.roleassignment/{own.pk}/signatures",
        {"meaning": "approved", "password": PASSWORD, "version": own.version},
    )
    assert response.status_code == 422
    assert "about yourself" in response.json()["detail"]
    assert not Signature.objects.exists()
