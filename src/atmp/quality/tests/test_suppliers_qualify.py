"""Qualifying a supplier for a material or service: pending, approved (signed by QA), conditional, disqualified."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.ledger.errors import Conflict, SignatureRefused
from atmp.quality.factories import make_supplier, make_supplier_approval
from atmp.quality.services import suppliers
from atmp.testing import PASSWORD
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(qa_reviewer):
    return make_supplier_approval(actor=qa_reviewer, scope="MED-001")


def test_a_supplier_gets_a_number_of_its_year(qa_reviewer):
    supplier = make_supplier(actor=qa_reviewer, name="ViroMedia GmbH")
    assert supplier.number.startswith("SUP-") and supplier.number.endswith("-0001")
    assert str(supplier) == f"{supplier.number} ViroMedia GmbH"


def test_a_qualification_starts_pending_and_qa_approver_signs_it(pending, qa_approver):
    assert pending.status == "pending"
    engine.transition(qa_approver, pending, "approve", reason="audit passed", password=PASSWORD)
    assert pending.status == "approved"


def test_a_qa_reviewer_cannot_sign_the_approval(pending, qa_reviewer):
    other = make_supplier_approval(actor=pending.supplier.created_by, scope="MED-009", supplier=pending.supplier)
    with pytest.raises(SignatureRefused, match="do not allow signing"):
        engine.transition(qa_reviewer, other, "approve", reason="r", password=PASSWORD)


def test_an_operator_cannot_decide(pending, operator):
    with pytest.raises(NotAllowed, match="quality.decide"):
        engine.transition(operator, pending, "disqualify", reason="r")


def test_a_conditional_approval_needs_its_conditions(pending, qa_approver):
    with pytest.raises(InvalidInput, match="conditions"):
        engine.transition(qa_approver, pending, "approve_conditionally", reason="r", password=PASSWORD)


def test_a_second_live_qualification_of_the_same_scope_is_refused(pending, qa_reviewer):
    with pytest.raises(Conflict, match="already has a qualification"):
        suppliers.add_approval(actor=qa_reviewer, supplier=pending.supplier, kind="material", scope="MED-001")


def test_an_unknown_kind_is_refused(qa_reviewer):
    supplier = make_supplier(actor=qa_reviewer)
    with pytest.raises(InvalidInput, match="kind"):
        suppliers.add_approval(actor=qa_reviewer, supplier=supplier, kind="goods", scope="X")


def test_a_decided_qualification_is_reopened_before_it_is_edited(pending, qa_approver, qa_reviewer):
    engine.transition(qa_approver, pending, "approve", reason="ok", password=PASSWORD)
    with pytest.raises(Conflict, match="takes no edits"):
        suppliers.update_approval(
            actor=qa_reviewer, approval=pending, reason="tighten", version=pending.version, conditions="more"
        )
    engine.transition(qa_approver, pending, "requalify", reason="new risk")
    suppliers.update_approval(
        actor=qa_reviewer, approval=pending, reason="tighten", version=pending.version, conditions="more"
    )
    assert pending.conditions == "more" and pending.status == "pending"


def test_an_edit_of_a_version_not_seen_is_refused(pending, qa_reviewer):
    from atmp.ledger.errors import StaleRecord

    with pytest.raises(StaleRecord):
        suppliers.update_approval(actor=qa_reviewer, approval=pending, reason="r", version=99, conditions="x")
