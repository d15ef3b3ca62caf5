"""quality.may_accept(material, supplier, on): the answer, and the rule that decides it."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from atmp import quality
from atmp.quality.factories import make_quality_agreement, make_supplier, make_supplier_approval
from atmp.testing import PASSWORD
from atmp.workflow import engine

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 6, 1)


@pytest.fixture
def supplier(qa_reviewer):
    return make_supplier(actor=qa_reviewer, name="ViroMedia GmbH")


def approve(record, approver, name="approve"):
    return engine.transition(approver, record, name, reason="qualified", password=PASSWORD)


@pytest.fixture
def agreement(supplier, qa_reviewer, qa_approver):
    made = make_quality_agreement(
        actor=qa_reviewer, supplier=supplier, effective_date="2026-01-01", expiry_date="2027-12-31"
    )
    engine.transition(qa_reviewer, made, "submit", reason="for approval")
    return approve(made, qa_approver)


@pytest.fixture
def approved(supplier, qa_reviewer, qa_approver, agreement):
    made = make_supplier_approval(actor=qa_reviewer, supplier=supplier, scope="MED-001", valid_until="2027-06-30")
    return approve(made, qa_approver)


def test_an_approved_supplier_with_an_agreement_in_force_may_deliver(approved):
    decision = quality.may_accept("MED-001", approved.supplier, ON)
    assert decision.ok and decision.rule == "approved"
    assert approved.supplier.number in decision.reason and decision.agreement


def test_a_material_object_is_named_by_its_code_and_a_supplier_by_its_number(approved):
    decision = quality.may_accept(SimpleNamespace(code="MED-001"), approved.supplier.number, ON)
    assert decision.ok


def test_an_unknown_supplier_is_refused(db):
    decision = quality.may_accept("MED-001", "SUP-1999-0001", ON)
    assert not decision.ok and decision.rule == "unknown_supplier"


def test_a_material_without_a_qualification_is_refused(approved):
    decision = quality.may_accept("MED-999", approved.supplier, ON)
    assert not decision.ok and decision.rule == "not_qualified" and "MED-999" in decision.reason


def test_a_pending_qualification_is_not_an_approval(supplier, qa_reviewer, agreement):
    make_supplier_approval(actor=qa_reviewer, supplier=supplier, scope="MED-002")
    decision = quality.may_accept("MED-002", supplier, ON)
    assert not decision.ok and decision.rule == "not_qualified" and "pending" in decision.reason


def test_a_disqualified_supplier_is_refused(approved, qa_approver):
    engine.transition(qa_approver, approved, "disqualify", reason="audit failed")
    decision = quality.may_accept("MED-001", approved.supplier, ON)
    assert not decision.ok and decision.rule == "disqualified"


def test_an_expired_approval_is_refused(approved):
    decision = quality.may_accept("MED-001", approved.supplier, dt.date(2027, 7, 1))
    assert not decision.ok and decision.rule == "approval_expired" and "2027-06-30" in decision.reason


def test_no_approved_agreement_is_refused(supplier, qa_reviewer, qa_approver):
    approve(make_supplier_approval(actor=qa_reviewer, supplier=supplier, scope="MED-001"), qa_approver)
    make_quality_agreement(actor=qa_reviewer, supplier=supplier)  # a draft does not count
    decision = quality.may_accept("MED-001", supplier, ON)
    assert not decision.ok and decision.rule == "no_agreement"


def test_an_agreement_past_its_expiry_is_named(supplier, qa_reviewer, qa_approver, agreement):
    approve(make_supplier_approval(actor=qa_reviewer, supplier=supplier, scope="MED-003"), qa_approver)
    decision = quality.may_accept("MED-003", supplier, dt.date(2028, 1, 1))
    assert not decision.ok and decision.rule == "agreement_expired" and agreement.number in decision.reason


def test_an_agreement_not_yet_in_force_is_refused(supplier, qa_reviewer, qa_approver, agreement):
    approve(make_supplier_approval(actor=qa_reviewer, supplier=supplier, scope="MED-003"), qa_approver)
    decision = quality.may_accept("MED-003", supplier, dt.date(2025, 12, 31))
    assert not decision.ok and decision.rule == "agreement_not_in_force"


def test_a_conditional_approval_allows_receipt_and_says_the_conditions(supplier, qa_reviewer, qa_approver, agreement):
    made = make_supplier_approval(
        actor=qa_reviewer, supplier=supplier, scope="MED-004", conditions="full identity test of every lot"
    )
    approve(made, qa_approver, "approve_conditionally")
    decision = quality.may_accept("MED-004", supplier, ON)
    assert decision.ok and decision.rule == "conditional"
    assert decision.reason == "conditional: full identity test of every lot"
