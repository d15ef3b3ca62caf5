"""Shipping lots: unique shipment and tracking identifiers, only lots that may go, one person's product."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.ledger.models import AuditEntry
from atmp.trace import factories
from atmp.trace.models import Shipment, ShipmentLot
from atmp.trace.services.custody import ship
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def _ship(operator, lots, **fields):
    values = {
        "number": "SHP-0001",
        "tracking": "TRK-1",
        "origin": "Leiden",
        "destination": "LUMC",
        "destination_stage": "treatment_centre",
    }
    return ship(actor=operator, lots=lots, **{**values, **fields})


def test_a_shipment_carries_its_lots_and_the_coi_they_belong_to(operator, anna):
    made = _ship(operator, [anna[2]])
    assert [i.lot for i in made.items.all()] == [anna[2]]
    assert made.person == anna[0]


def test_it_refuses_a_duplicate_shipment_identifier_naming_it(operator, shipment, anna):
    before = AuditEntry.objects.count()
    with pytest.raises(Conflict, match="number: there is already a shipment SHP-ANNA"):
        _ship(operator, [anna[2]], number="SHP-ANNA")
    assert AuditEntry.objects.count() == before


def test_it_refuses_a_duplicate_tracking_identifier_naming_it(operator, shipment, anna):
    with pytest.raises(Conflict, match="tracking: tracking identifier 1Z999AA10123456784 is already"):
        _ship(operator, [anna[2]], tracking="1Z999AA10123456784")
    assert Shipment.objects.count() == 1


def test_two_shipments_without_a_tracking_identifier_are_allowed(operator, anna):
    _ship(operator, [anna[2]], number="SHP-A", tracking="")
    _ship(operator, [anna[2]], number="SHP-B", tracking="")
    assert Shipment.objects.count() == 2


def test_it_refuses_shipping_a_recalled_lot(operator, qa_approver, anna):
    engine.transition(qa_approver, anna[2], "recall", reason="sterility failure on the retained sample")
    with pytest.raises(RuleViolation, match=f"lots: lot {anna[2].number} is recalled: a recalled lot is never shipped"):
        _ship(operator, [anna[2]])
    assert not Shipment.objects.exists() and not ShipmentLot.objects.exists()


def test_it_refuses_a_rejected_lot(operator, qa_approver, qa_reviewer, site):
    lot = factories.make_lot(actor=qa_reviewer, site=site)
    engine.transition(qa_approver, lot, "reject", reason="failed identity test")
    with pytest.raises(RuleViolation, match="is rejected: it is not shipped"):
        _ship(operator, [lot], destination_stage="storage")


def test_a_quarantined_lot_goes_to_manufacturing_but_not_to_a_treatment_centre(operator, anna, qa_reviewer, site):
    lot = factories.make_lot(actor=qa_reviewer, site=site)
    with pytest.raises(RuleViolation, match="is in quarantine: only a released lot is shipped to the treatment centre"):
        _ship(operator, [lot])
    assert _ship(operator, [lot], destination_stage="manufacturing").items.count() == 1


def test_two_patients_products_never_travel_together(operator, anna, bert):
    with pytest.raises(RuleViolation, match="two persons' products never travel in one shipment"):
        _ship(operator, [anna[2], bert[2]])
    assert not Shipment.objects.exists()


def test_it_refuses_a_bad_field_naming_it(operator, anna):
    with pytest.raises(InvalidInput, match="destination_stage"):
        _ship(operator, [anna[2]], destination_stage="moon")
    with pytest.raises(InvalidInput, match="temperature_high: give both ends"):
        _ship(operator, [anna[2]], temperature_low="2")
    with pytest.raises(InvalidInput, match="number: 'a b'"):
        _ship(operator, [anna[2]], number="a b")
