"""Audit-trail review: a frozen selection that the reviewer signs."""

from __future__ import annotations

import hashlib

import pytest

from atmp.accounts import signing
from atmp.ledger import reviews, trail
from atmp.ledger.models import AuditEntry
from atmp.testing import PASSWORD, rename_site

pytestmark = pytest.mark.django_db


def test_it_freezes_the_selected_entries_and_takes_the_signature(site, qa_reviewer, qa_approver):
    rename_site(site, "Leiden 2", actor=qa_reviewer, reason="rename")
    selection = trail.TrailFilter(record_type="accounts.site", record_id=str(site.pk))
    review = reviews.start_review(actor=qa_approver, filter=selection, comment="monthly review")
    hashes = list(
        AuditEntry.objects.filter(record_type="accounts.site", record_id=str(site.pk))
        .order_by("seq")
        .values_list("hash", flat=True)
    )
    assert review.entry_count == len(hashes) == 2
    assert review.entries_hash == hashlib.sha256(b"".join(bytes.fromhex(h) for h in hashes)).hexdigest()
    sig = signing.sign(
        signer=qa_approver, record=review, meaning="audit_trail_reviewed", password=PASSWORD, outcome="no_findings"
    )
    assert sig.record_type == "ledger.audittrailreview"


def test_it_refuses_an_empty_selection(qa_approver):
    with pytest.raises(reviews.EmptyReview):
        reviews.start_review(actor=qa_approver, filter=trail.TrailFilter(action="no-such-action"))


def test_operators_cannot_review_the_trail(operator):
    with pytest.raises(reviews.ReviewRefused, match="audit.review"):
        reviews.start_review(actor=operator, filter=trail.TrailFilter())


def _review(qa_reviewer, qa_approver, site):
    rename_site(site, "Leiden 3", actor=qa_reviewer, reason="rename")
    return reviews.start_review(actor=qa_approver, filter=trail.TrailFilter(record_type="accounts.site"))


def test_a_review_is_signed_with_its_outcome_and_becomes_reviewed(site, qa_reviewer, qa_approver):
    from atmp.ledger import signatures

    review = _review(qa_reviewer, qa_approver, site)
    sig = signing.sign(
        signer=qa_approver,
        record=review,
        meaning="audit_trail_reviewed",
        password=PASSWORD,
        outcome="findings",
        findings="address added late: DEV-0007",
    )
    review.refresh_from_db()
    assert (review.status, review.outcome, review.findings) == ("reviewed", "findings", "address added late: DEV-0007")
    # The signature binds to the concluded version: the status change it caused does not supersede it.
    assert sig.record_version == review.version == 2
    (shown,) = signatures.for_record(review)
    assert not shown.superseded


def test_a_review_is_not_signed_without_an_outcome_or_with_undescribed_findings(site, qa_reviewer, qa_approver):
    review = _review(qa_reviewer, qa_approver, site)
    with pytest.raises(reviews.ReviewNotConcluded, match="^outcome:"):
        signing.sign(signer=qa_approver, record=review, meaning="audit_trail_reviewed", password=PASSWORD)
    with pytest.raises(reviews.ReviewNotConcluded, match="^findings:"):
        signing.sign(
            signer=qa_approver, record=review, meaning="audit_trail_reviewed", password=PASSWORD, outcome="findings"
        )
    review.refresh_from_db()
    assert review.status == "active" and review.version == 1


def test_an_outcome_is_given_only_to_a_review(site, qa_approver):
    from atmp.ledger.errors import SignatureRefused

    with pytest.raises(SignatureRefused, match="only when signing an audit-trail review"):
        signing.sign(signer=qa_approver, record=site, meaning="approved", password=PASSWORD, outcome="no_findings")


def test_the_api_signs_a_review_with_its_outcome(site, qa_reviewer, qa_approver):
    from atmp.api.tests.conftest import ApiClient, token_for

    review = _review(qa_reviewer, qa_approver, site)
    client = ApiClient(token=token_for(qa_approver))
    url = f"/records/ledger.audittrailreview/{review.pk}/signatures"
    body = {"meaning": "audit_trail_reviewed", "password": PASSWORD, "version": 1}
    refused = client.post(url, body)
    assert refused.status_code == 400 and refused.json()["field"] == "outcome"
    signed = client.post(url, {**body, "outcome": "no_findings"})
    assert signed.status_code == 201, signed.json()
    assert signed.status_code == 201
    review.refresh_from_db()
    assert (review.version, review.status, review.outcome) == (2, "reviewed", "no_findings")


def test_a_site_limited_reviewer_reviews_only_entries_they_can_see(site, qa_reviewer):
    from atmp.accounts.visibility import entry_scope
    from atmp.testing import make_site, make_user

    ghent = make_site(actor=qa_reviewer, code="GNT", name="Ghent")
    rename_site(ghent, "Ghent 2", actor=qa_reviewer, reason="new building")
    rename_site(site, "Leiden 2", actor=qa_reviewer, reason="rename")
    local = make_user("qa_approver", username="lena", password=PASSWORD, site=site)
    everything = trail.TrailFilter(record_type="accounts.site")
    with pytest.raises(reviews.ReviewRefused, match="entries about sites or people you do not see"):
        reviews.start_review(actor=local, filter=everything, visible=entry_scope(local))
    own_site = trail.TrailFilter(record_type="accounts.site", record_id=str(site.pk))
    review = reviews.start_review(actor=local, filter=own_site, visible=entry_scope(local))
    assert review.entry_count == 2


def test_a_site_limited_reviewer_signs_the_review_of_their_own_site(site, qa_reviewer):
    from atmp.accounts.visibility import entry_scope
    from atmp.testing import make_user

    rename_site(site, "Leiden 4", actor=qa_reviewer, reason="rename")
    local = make_user("qa_approver", username="lena", password=PASSWORD, site=site)
    own_site = trail.TrailFilter(record_type="accounts.site", record_id=str(site.pk))
    review = reviews.start_review(actor=local, filter=own_site, visible=entry_scope(local))
    sig = signing.sign(
        signer=local, record=review, meaning="audit_trail_reviewed", password=PASSWORD, outcome="no_findings"
    )
    assert sig.signer_name == local.full_name
