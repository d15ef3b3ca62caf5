"""A lot's life: QA releases it with a signature ('Released'); it is rejected, expires, is consumed or recalled."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.ledger import clock
from atmp.ledger.errors import RuleViolation, SignatureRefused
from atmp.ledger.models import Signature
from atmp.testing import PASSWORD
from atmp.trace import factories
from atmp.trace.services.lots import release_lot
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def release(actor, lot, **kwargs):
    kwargs.setdefault("password", PASSWORD)
    return release_lot(actor=actor, lot=lot, reason="CoA and identity test conform", **kwargs)


def test_qa_releases_a_quarantined_lot_with_a_signature_bound_to_the_released_version(qa_approver, lot):
    release(qa_approver, lot)
    lot.refresh_from_db()
    assert lot.status == "released"
    signature = Signature.objects.get(record_type="trace.lot", record_id=str(lot.pk))
    assert (signature.meaning, signature.record_version, signature.signer_id) == (
        "released",
        lot.version,
        qa_approver.pk,
    )


def test_a_qualified_person_may_release_too(lot):
    from atmp.testing import make_user

    qp = make_user("qualified_person", password=PASSWORD)
    assert release(qp, lot).status == "released"


def test_it_refuses_releasing_a_lot_after_its_expiry_date(qa_reviewer, qa_approver, site, material):
    old = factories.make_lot(
        actor=qa_reviewer, site=site, material=material, expiry_date=clock.now().date() - dt.timedelta(days=1)
    )
    with pytest.raises(RuleViolation, match=rf"lot {old.number} expired on .*: an expired lot is not released"):
        release(qa_approver, old)


def test_it_refuses_releasing_a_lot_without_an_expiry_date(qa_reviewer, qa_approver, site, material):
    undated = factories.make_lot(actor=qa_reviewer, site=site, material=material, expiry_date=None)
    with pytest.raises(InvalidInput, match="must be filled in") as refused:
        release(qa_approver, undated)
    assert refused.value.field == "expiry_date"


def test_whoever_received_the_lot_cannot_release_it(qa_reviewer, site, material):
    from atmp.testing import make_user

    receiver = make_user("qa_approver", password=PASSWORD)
    own = factories.make_lot(actor=receiver, site=site, material=material)
    with pytest.raises(SignatureRefused, match="segregation of duties"):
        release(receiver, own)


def test_an_operator_cannot_release(operator, lot):
    with pytest.raises(NotAllowed, match="quality.decide"):
        release(operator, lot)


def test_a_wrong_password_releases_nothing(qa_approver, lot):
    with pytest.raises(SignatureRefused):
        release(qa_approver, lot, password="not the password")
    lot.refresh_from_db()
    assert lot.status == "quarantine"


def test_qa_rejects_a_quarantined_lot(qa_approver, lot):
    engine.transition(qa_approver, lot, "reject", reason="identity test failed")
    assert lot.status == "rejected"


def test_a_lot_is_marked_expired_only_after_its_expiry_date(operator, lot, qa_reviewer, site, material):
    with pytest.raises(RuleViolation, match="it expires only after that day"):
        engine.transition(operator, lot, "expire", reason="out of date")
    old = factories.make_lot(
        actor=qa_reviewer, site=site, material=material, expiry_date=clock.now().date() - dt.timedelta(days=1)
    )
    engine.transition(operator, old, "expire", reason="out of date")
    assert old.status == "expired"


def test_a_released_lot_is_consumed_then_may_still_be_recalled(operator, qa_approver, released):
    engine.transition(operator, released, "consume", reason="used up")
    engine.transition(qa_approver, released, "recall", reason="supplier recall R-12")
    assert released.status == "recalled"


def test_a_quarantined_lot_is_rejected_not_recalled(qa_approver, lot):
    from atmp.ledger.errors import Conflict

    with pytest.raises(Conflict, match="'Recall' is taken from"):
        engine.transition(qa_approver, lot, "recall", reason="supplier recall")
