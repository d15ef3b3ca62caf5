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
    sig = signing.sign(signer=qa_approver, record=review, meaning="audit_trail_reviewed", password=PASSWORD)
    assert sig.record_type == "ledger.audittrailreview"


def test_it_refuses_an_empty_selection(qa_approver):
    with pytest.raises(reviews.EmptyReview):
        reviews.start_review(actor=qa_approver, filter=trail.TrailFilter(action="no-such-action"))


def test_operators_cannot_review_the_trail(operator):
    with pytest.raises(reviews.ReviewRefused, match="audit.review"):
        reviews.start_review(actor=operator, filter=trail.TrailFilter())
