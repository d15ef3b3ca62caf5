"""An allogeneic product at the bedside: its bag carries no patient's COI, so it is given only to the patient
it was shipped for (`ship(..., patient=…)`); another patient is a mix-up (blocked, deviation), none is refused."""

from __future__ import annotations

import re

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import RuleViolation
from atmp.ledger.models import AuditEntry
from atmp.quality.models.deviations import Deviation
from atmp.trace import factories
from atmp.trace.models import Administration, Handover
from atmp.trace.services.custody import HandoverBlocked, administer_by_scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def allo(qa_reviewer, qa_approver, site):
    """A donor's (donor, donation lot, released product lot of two bags)."""
    return factories.make_allogeneic_product(actor=qa_reviewer, site=site, approver=qa_approver)


@pytest.fixture
def carl(qa_reviewer, site):
    return factories.make_person(actor=qa_reviewer, kind="patient", site=site)


@pytest.fixture
def dora(qa_reviewer, site):
    return factories.make_person(actor=qa_reviewer, kind="patient", site=site)


def _give(operator, patient, lot):
    return administer_by_scan(actor=operator, patient_scan=patient.coi, product_scan=lot.number, place="ward 4")


def test_a_shipment_for_a_patient_carries_their_coi(operator, allo, carl):
    shipment = factories.make_shipment(actor=operator, lots=[allo[2]], patient=carl.coi)
    assert shipment.person == carl


def test_the_patient_it_was_shipped_for_is_given_it(operator, allo, carl):
    factories.make_shipment(actor=operator, lots=[allo[2]], patient=carl.coi)
    given = _give(operator, carl, allo[2])
    assert (given.patient, given.lot) == (carl, allo[2])
    assert Handover.objects.get(stage="bedside").expected_coi == carl.coi


def test_another_patient_is_a_mix_up_blocked_with_a_deviation(operator, allo, carl, dora):
    factories.make_shipment(actor=operator, lots=[allo[2]], patient=carl.coi)
    rule = f"lot {allo[2].number} was shipped for {carl.coi}, not for {dora.coi}: a mix-up"
    with pytest.raises(HandoverBlocked, match=re.escape(f"product_scan: {rule}")):
        _give(operator, dora, allo[2])
    assert not Administration.objects.exists()
    assert Handover.objects.get(stage="bedside").outcome == "blocked"
    assert Deviation.objects.get().title == f"Mismatched scan at the bedside: lot {allo[2].number}"


def test_a_lot_shipped_for_no_patient_is_refused_and_nothing_is_written(operator, allo, carl):
    factories.make_shipment(actor=operator, lots=[allo[2]])
    before = AuditEntry.objects.count()
    with pytest.raises(
        RuleViolation, match=re.escape(f"product_scan: lot {allo[2].number} is not made for one patient")
    ):
        _give(operator, carl, allo[2])
    assert AuditEntry.objects.count() == before


def test_a_lot_never_shipped_is_refused_too(operator, allo, carl):
    with pytest.raises(RuleViolation, match="it was not shipped for a patient"):
        _give(operator, carl, allo[2])
    assert not Handover.objects.exists()


def test_the_last_shipment_decides(operator, allo, carl, dora):
    factories.make_shipment(actor=operator, lots=[allo[2]], patient=carl.coi)
    factories.make_shipment(actor=operator, lots=[allo[2]], patient=dora.coi)  # re-allocated
    assert _give(operator, dora, allo[2]).patient == dora


def test_shipping_for_a_patient_refuses_another_persons_product_or_an_unknown_coi(operator, allo, anna, carl):
    with pytest.raises(RuleViolation, match=re.escape(f"lots: lot {anna[2].number} is made for {anna[0].coi}")):
        factories.make_shipment(actor=operator, lots=[anna[2]], patient=carl.coi)
    with pytest.raises(InvalidInput, match="patient: there is no patient 'NO-SUCH-COI'"):
        factories.make_shipment(actor=operator, lots=[allo[2]], patient="NO-SUCH-COI")
    with pytest.raises(InvalidInput, match="patient: .* is a donor, not a patient"):
        factories.make_shipment(actor=operator, lots=[allo[2]], patient=allo[0].coi)


def test_an_autologous_shipment_may_name_its_own_patient(operator, anna):
    assert factories.make_shipment(actor=operator, lots=[anna[2]], patient=anna[0].coi).person == anna[0]
