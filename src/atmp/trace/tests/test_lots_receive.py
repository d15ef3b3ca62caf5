"""Receiving a lot: in quarantine, from a supplier quality approved for the material, in its dimension."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger import clock
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.quality.factories import make_supplier
from atmp.trace import factories
from atmp.trace.services.lots import receive_lot

pytestmark = pytest.mark.django_db


def receive(actor, material, site, **fields):
    values = {"number": "L-2026-001", "quantity": "500", **fields}
    return receive_lot(actor=actor, material=material, site=site, **values)


def test_a_lot_is_received_in_quarantine_in_its_material_unit(qa_reviewer, site, material):
    lot = receive(qa_reviewer, material, site, expiry_date="2027-01-31", location="Cold room 1")
    assert (lot.status, lot.quantity, lot.unit, lot.location) == ("quarantine", Decimal("500"), "mL", "Cold room 1")
    assert lot.expiry_date == dt.date(2027, 1, 31) and lot.received_at <= clock.now()


def test_a_lot_may_be_counted_in_another_unit_of_the_same_dimension(qa_reviewer, site, material):
    assert receive(qa_reviewer, material, site, quantity="0.5", unit="L").unit == "L"


def test_it_refuses_a_unit_of_another_dimension_naming_both(qa_reviewer, site, material):
    with pytest.raises(InvalidInput, match=r"mg \(mass\) cannot be converted to mL \(volume\)") as refused:
        receive(qa_reviewer, material, site, unit="mg")
    assert refused.value.field == "unit"


def test_a_lot_from_an_approved_supplier_is_received(qa_reviewer, qa_approver, site, material):
    supplier = factories.make_approved_supplier(actor=qa_reviewer, approver=qa_approver, material=material)
    lot = receive(qa_reviewer, material, site, supplier=supplier, supplier_lot="VM-7781")
    assert lot.supplier == supplier and lot.supplier_lot == "VM-7781"


def test_it_refuses_a_supplier_quality_has_not_approved_for_the_material(qa_reviewer, site, material):
    supplier = make_supplier(actor=qa_reviewer, name="Unknown Media Ltd")
    with pytest.raises(RuleViolation, match=rf"{supplier.number} is not approved for material MED-001"):
        receive(qa_reviewer, material, site, supplier=supplier)


def test_it_refuses_a_supplier_whose_agreement_was_not_in_force_on_the_day_of_receipt(
    qa_reviewer, qa_approver, site, material
):
    supplier = factories.make_approved_supplier(actor=qa_reviewer, approver=qa_approver, material=material)
    long_ago = clock.now() - dt.timedelta(days=400)
    with pytest.raises(RuleViolation, match="agreement_not_in_force|in force only from"):
        receive(qa_reviewer, material, site, supplier=supplier, received_at=long_ago)


def test_a_bought_material_needs_its_supplier(qa_reviewer, site):
    medium = factories.make_material(actor=qa_reviewer, type="medium")
    with pytest.raises(InvalidInput, match="name the supplier") as refused:
        receive(qa_reviewer, medium, site)
    assert refused.value.field == "supplier"


def test_a_donation_names_its_donor(qa_reviewer, site):
    apheresis = factories.make_material(actor=qa_reviewer, type="starting_material", unit="{bag}")
    donor = factories.make_person(actor=qa_reviewer, kind="donor", site=site)
    assert receive(qa_reviewer, apheresis, site, quantity="1", donor=donor).donor == donor


def test_it_refuses_a_donor_on_a_lot_that_is_not_a_donation(qa_reviewer, site, material):
    donor = factories.make_person(actor=qa_reviewer, kind="donor", site=site)
    with pytest.raises(InvalidInput, match="only a donation") as refused:
        receive(qa_reviewer, material, site, donor=donor)
    assert refused.value.field == "donor"


def test_it_refuses_a_lot_number_already_used_by_a_lot_of_any_material(qa_reviewer, site, material):
    receive(qa_reviewer, material, site)
    other = factories.make_material(actor=qa_reviewer)
    with pytest.raises(Conflict, match="already a lot L-2026-001"):
        receive(qa_reviewer, other, site)


def test_it_refuses_a_lot_number_that_is_a_persons_coi(qa_reviewer, site, material):
    person = factories.make_person(actor=qa_reviewer, site=site)
    with pytest.raises(Conflict, match="COI"):
        receive(qa_reviewer, material, site, number=person.coi)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("number", "L 2026/001", "letters, digits"),
        ("quantity", "0", "more than 0"),
        ("quantity", "1.2345", "at most 3 decimal places"),
        ("quantity", "lots", "not a number"),
        ("expiry_date", "31.01.2027", "not a date"),
        ("received_at", "2999-01-01T00:00:00+00:00", "future"),
        ("received_at", "2026-01-01T00:00:00", "zone"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(qa_reviewer, site, material, field, value, words):
    with pytest.raises(InvalidInput, match=words) as refused:
        receive(qa_reviewer, material, site, **{field: value})
    assert refused.value.field == field
