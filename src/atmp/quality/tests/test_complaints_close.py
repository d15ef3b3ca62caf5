"""Closing a complaint: investigated, concluded, signed by QA; the PV flag stays."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import Conflict, RuleViolation, SignatureRefused
from atmp.quality.factories import make_complaint
from atmp.quality.services import complaints
from atmp.testing import PASSWORD
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


@pytest.fixture
def investigating(qa_reviewer):
    made = make_complaint(actor=qa_reviewer)
    return engine.transition(qa_reviewer, made, "investigate", reason="assigned")


def conclude(actor, complaint):
    return complaints.update_complaint(
        actor=actor,
        complaint=complaint,
        reason="investigated",
        version=complaint.version,
        investigation="Port cracked in transit; shipper's drop test",
        conclusion="Shipping, not manufacturing",
    )


def test_closing_needs_a_conclusion(investigating, qa_approver):
    with pytest.raises(InvalidInput, match="investigation|conclusion"):
        engine.transition(qa_approver, investigating, "close", reason="done", password=PASSWORD)


def test_qa_approver_signs_the_closure(investigating, qa_reviewer, qa_approver):
    conclude(qa_reviewer, investigating)
    engine.transition(qa_approver, investigating, "close", reason="conclusion reviewed", password=PASSWORD)
    assert investigating.status == "closed"


def test_the_investigator_cannot_sign_their_own_conclusion(investigating, qa_approver):
    conclude(qa_approver, investigating)
    with pytest.raises(SignatureRefused, match="segregation"):
        engine.transition(qa_approver, investigating, "close", reason="done", password=PASSWORD)


def test_a_closed_complaint_takes_no_edits(investigating, qa_reviewer, qa_approver):
    conclude(qa_reviewer, investigating)
    engine.transition(qa_approver, investigating, "close", reason="ok", password=PASSWORD)
    with pytest.raises(Conflict, match="takes no edits"):
        complaints.update_complaint(
            actor=qa_reviewer, complaint=investigating, reason="r", version=investigating.version, conclusion="x"
        )


def test_the_pv_flag_cannot_be_removed(qa_reviewer):
    made = make_complaint(actor=qa_reviewer, possible_adverse_reaction=True)
    with pytest.raises(RuleViolation, match="the flag stays"):
        complaints.update_complaint(
            actor=qa_reviewer, complaint=made, reason="r", version=made.version, possible_adverse_reaction=False
        )
