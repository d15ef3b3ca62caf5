"""Recording an administration (lot → patient): only a released, unrecalled lot, only to a patient."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import RuleViolation
from atmp.trace import factories
from atmp.trace.services.genealogy import administer

pytestmark = pytest.mark.django_db


@pytest.fixture
def bag(qa_reviewer, qa_approver, site, product):
    return factories.make_released_lot(
        actor=qa_reviewer, approver=qa_approver, number="DP-0100", material=product, site=site, quantity="1"
    )


@pytest.fixture
def patient(qa_reviewer, site):
    return factories.make_person(actor=qa_reviewer, kind="patient", site=site)


def test_a_released_lot_is_given_to_a_patient(operator, bag, patient):
    given = administer(actor=operator, lot=bag, patient=patient, reason="")
    assert (given.lot, given.patient) == (bag, patient)


def test_it_refuses_a_lot_in_quarantine(operator, made, patient):
    with pytest.raises(RuleViolation, match="lot DP-0001 is quarantine: only a released lot is administered"):
        administer(actor=operator, lot=made, patient=patient)


def test_it_refuses_a_recalled_lot(operator, qa_approver, bag, patient):
    from atmp.workflow import engine

    engine.transition(qa_approver, bag, "recall", reason="sterility failure on the retained sample")
    with pytest.raises(RuleViolation, match="lot DP-0100 is recalled: a recalled lot is never administered"):
        administer(actor=operator, lot=bag, patient=patient)


def test_it_refuses_a_donor_as_the_patient(operator, qa_reviewer, site, bag):
    donor = factories.make_person(actor=qa_reviewer, kind="donor", site=site)
    with pytest.raises(InvalidInput, match="is a donor, not a patient") as refused:
        administer(actor=operator, lot=bag, patient=donor)
    assert refused.value.field == "patient"


def test_a_quantity_given_is_taken_from_what_remains(operator, qa_reviewer, qa_approver, site, product, patient):
    from atmp.trace.selectors.genealogy import remaining

    two = factories.make_released_lot(
        actor=qa_reviewer, approver=qa_approver, material=product, site=site, quantity="2"
    )
    given = administer(actor=operator, lot=two, patient=patient, quantity="1")
    assert (given.quantity, given.unit) == (1, "{bag}")
    assert remaining(two) == 1
    other = factories.make_person(actor=qa_reviewer, kind="patient", site=site)
    with pytest.raises(RuleViolation, match=r"lot .* has 1 \{bag\} left: 2 \{bag\} is more than remains"):
        administer(actor=operator, lot=two, patient=other, quantity="2")
    default = administer(actor=operator, lot=two, patient=other)  # no quantity given: one bag, recorded
    assert (default.quantity, default.unit) == (1, "{bag}")
    assert remaining(two) == 0


def test_a_unit_without_a_quantity_or_of_another_dimension_is_refused(operator, bag, patient):
    with pytest.raises(InvalidInput) as refused:
        administer(actor=operator, lot=bag, patient=patient, unit="mL")
    assert refused.value.field == "unit"
    with pytest.raises(InvalidInput) as refused:
        administer(actor=operator, lot=bag, patient=patient, quantity="5", unit="mL")
    assert refused.value.field == "unit"
