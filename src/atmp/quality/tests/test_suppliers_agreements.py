"""Quality agreements: drafted, signed into force by QA Approver, expiring ones listed."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import Conflict, SignatureRefused
from atmp.quality.factories import make_quality_agreement, make_supplier
from atmp.quality.selectors.suppliers import expiring_agreements
from atmp.quality.services import suppliers
from atmp.testing import PASSWORD
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def submitted(actor, **fields):
    agreement = make_quality_agreement(actor=actor, **fields)
    return engine.transition(actor, agreement, "submit", reason="for approval")


def test_an_expiry_before_the_effective_date_is_refused(qa_reviewer):
    supplier = make_supplier(actor=qa_reviewer)
    with pytest.raises(InvalidInput, match="expiry_date"):
        suppliers.add_agreement(
            actor=qa_reviewer, supplier=supplier, title="QAG", effective_date="2027-01-01", expiry_date="2026-01-01"
        )


def test_only_a_qa_approver_signs_an_agreement_into_force(qa_reviewer, qa_approver, qp):
    agreement = submitted(qa_reviewer)
    with pytest.raises(SignatureRefused):
        engine.transition(qp, agreement, "approve", reason="r", password=PASSWORD)
    engine.transition(qa_approver, agreement, "approve", reason="signed with the supplier", password=PASSWORD)
    assert agreement.status == "approved"


def test_an_agreement_without_dates_cannot_be_submitted(qa_reviewer):
    agreement = make_quality_agreement(actor=qa_reviewer, effective_date=None, expiry_date=None)
    with pytest.raises(InvalidInput, match="effective_date"):
        engine.transition(qa_reviewer, agreement, "submit", reason="r")


def test_an_approved_agreement_is_not_edited_under_its_signature(qa_reviewer, qa_approver):
    agreement = submitted(qa_reviewer)
    engine.transition(qa_approver, agreement, "approve", reason="ok", password=PASSWORD)
    with pytest.raises(Conflict, match="takes no edits"):
        suppliers.update_agreement(
            actor=qa_reviewer, agreement=agreement, reason="r", version=agreement.version, title="New"
        )


def test_the_agreements_expiring_within_n_days_are_listed_soonest_first(qa_reviewer, qa_approver):
    today = engine.today()
    soon = make_quality_agreement(actor=qa_reviewer, expiry_date=today + dt.timedelta(days=20))
    later = make_quality_agreement(actor=qa_reviewer, expiry_date=today + dt.timedelta(days=200))
    draft = make_quality_agreement(actor=qa_reviewer, expiry_date=today + dt.timedelta(days=10))
    for a in (soon, later):
        engine.transition(qa_reviewer, a, "submit", reason="for approval")
        engine.transition(qa_approver, a, "approve", reason="ok", password=PASSWORD)
    assert list(expiring_agreements(within_days=30)) == [soon]
    assert list(expiring_agreements(within_days=365)) == [soon, later]
    assert draft not in expiring_agreements(within_days=365)
