"""Administering at the bedside by scanning the patient's wristband and the product's label: matched
before it is recorded; a product made for another patient is refused, the attempt kept with a deviation."""

from __future__ import annotations

import re

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import RuleViolation
from atmp.ledger.models import AuditEntry
from atmp.quality.models.deviations import Deviation
from atmp.trace.models import Administration, Handover
from atmp.trace.selectors import genealogy
from atmp.trace.services.custody import HandoverBlocked, administer_by_scan

pytestmark = pytest.mark.django_db
GS = "\x1d"


def _give(operator, patient_scan, product_scan):
    return administer_by_scan(
        actor=operator, patient_scan=patient_scan, product_scan=product_scan, place="LUMC ward 4, bed 12"
    )


def test_the_patients_own_product_is_given_and_the_bedside_hand_over_recorded(operator, anna):
    patient, _, bag = anna
    given = _give(operator, patient.coi, f"]d2240{patient.coi}{GS}10{bag.number}")
    assert (given.lot, given.patient) == (bag, patient)
    bedside = Handover.objects.get()
    assert (bedside.stage, bedside.outcome, bedside.administration) == ("bedside", "accepted", given)
    assert bedside.expected_coi == patient.coi


def test_an_administration_takes_one_bag_from_the_lot(operator, anna):
    assert genealogy.remaining(anna[2]) == 1
    _give(operator, anna[0].coi, anna[2].number)
    assert genealogy.remaining(anna[2]) == 0
    with pytest.raises(RuleViolation, match="has 0 {bag} left: nothing remains to administer"):
        _give(operator, anna[0].coi, anna[2].number)


def test_another_patients_product_is_refused_recorded_and_opens_a_deviation(operator, anna, bert):
    before = AuditEntry.objects.count()
    with pytest.raises(HandoverBlocked, match=re.escape(f"lot {bert[2].number} is made for {bert[0].coi}, not for")):
        _give(operator, anna[0].coi, bert[2].number)
    assert not Administration.objects.exists()
    blocked = Handover.objects.get()
    assert (blocked.outcome, blocked.stage, blocked.receiver_coi) == ("blocked", "bedside", anna[0].coi)
    assert Deviation.objects.get().title == f"Mismatched scan at the bedside: lot {bert[2].number}"
    written = sorted(AuditEntry.objects.filter(seq__gt=before).values_list("record_type", flat=True))
    assert written == ["quality.deviation", "trace.handover", "workflow.link"]


def test_the_scans_must_be_a_wristband_and_a_product_label(operator, anna):
    with pytest.raises(InvalidInput, match="patient_scan: scan the patient's wristband"):
        _give(operator, anna[2].number, anna[2].number)
    with pytest.raises(InvalidInput, match="product_scan: scan the product's label"):
        _give(operator, anna[0].coi, anna[0].coi)
    with pytest.raises(InvalidInput, match="patient_scan: empty"):
        _give(operator, "", anna[2].number)
    assert not Handover.objects.exists() and not Administration.objects.exists()
