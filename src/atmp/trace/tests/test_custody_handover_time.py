"""A hand-over's time: not before the shipment left, not before the previous accepted hand-over of the
shipment, and not in the future beyond a small clock skew; refused naming `at` and the rule, nothing written."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger import clock
from atmp.ledger.models import AuditEntry
from atmp.trace import factories
from atmp.trace.models import Handover
from atmp.trace.services.custody import HandoverBlocked, administer_by_scan
from atmp.trace.services.custody_checks import CLOCK_SKEW

pytestmark = pytest.mark.django_db


@pytest.fixture
def left(operator, anna):
    """Anna's bag, shipped two days ago."""
    shipped_at = clock.now() - dt.timedelta(days=2)
    return factories.make_shipment(actor=operator, lots=[anna[2]], number="SHP-T", shipped_at=shipped_at)


def _at(hours_ago: float) -> dt.datetime:
    return clock.now() - dt.timedelta(hours=hours_ago)


def test_hand_overs_in_the_order_they_happened_are_accepted(operator, left):
    first = factories.make_handover(actor=operator, shipment=left, at=_at(40))
    second = factories.make_handover(actor=operator, shipment=left, stage="treatment_centre", at=_at(20))
    assert (first.outcome, second.outcome) == ("accepted", "accepted")


def test_a_hand_over_before_the_shipment_left_is_refused(operator, left):
    with pytest.raises(InvalidInput, match=r"at: .* is before shipment SHP-T left \(shipped_at .*\)"):
        factories.make_handover(actor=operator, shipment=left, at=_at(49))
    assert not Handover.objects.exists()


def test_a_hand_over_before_the_previous_accepted_one_is_refused(operator, left):
    factories.make_handover(actor=operator, shipment=left, at=_at(20))
    before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput, match=r"at: .* is before the previous accepted hand-over of shipment SHP-T"):
        factories.make_handover(actor=operator, shipment=left, stage="treatment_centre", at=_at(30))
    assert AuditEntry.objects.count() == before and Handover.objects.count() == 1


def test_a_blocked_attempt_does_not_set_the_order(operator, left, bert):
    with pytest.raises(HandoverBlocked):
        factories.make_handover(actor=operator, shipment=left, at=_at(10), receiver_scan=bert[2].number)
    accepted = factories.make_handover(actor=operator, shipment=left, at=_at(20))
    assert accepted.outcome == "accepted"


def test_a_time_in_the_future_is_refused_beyond_the_clock_skew(operator, left):
    within = factories.make_handover(actor=operator, shipment=left, at=clock.now() + CLOCK_SKEW / 2)
    assert within.outcome == "accepted"
    with pytest.raises(InvalidInput, match=r"at: .* is in the future"):
        factories.make_handover(actor=operator, shipment=left, at=clock.now() + CLOCK_SKEW * 2)


def test_the_bedside_follows_the_shipments_last_accepted_hand_over(operator, anna, left):
    factories.make_handover(actor=operator, shipment=left, stage="treatment_centre", at=_at(5))
    with pytest.raises(InvalidInput, match=r"at: .* is before the previous accepted hand-over of shipment SHP-T"):
        administer_by_scan(
            actor=operator, patient_scan=anna[0].coi, product_scan=anna[2].number, place="ward 4", at=_at(6)
        )
    given = administer_by_scan(
        actor=operator, patient_scan=anna[0].coi, product_scan=anna[2].number, place="ward 4", at=_at(1)
    )
    assert given.lot == anna[2]
