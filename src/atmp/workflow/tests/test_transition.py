"""workflow.transition: each rule refused by name, nothing half-written, the signature bound to the new version."""

from __future__ import annotations

import json

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.ledger import signatures, verify, writer
from atmp.ledger.errors import Conflict, ReasonRequired, RuleViolation, SignatureRefused, StaleRecord
from atmp.ledger.models import AuditEntry, Signature
from atmp.testing import PASSWORD, make_sample_case
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def entries(record):
    return list(AuditEntry.objects.filter(record_type=record.record_type(), record_id=str(record.pk)).order_by("seq"))


def test_a_new_record_starts_in_the_initial_state(case):
    assert case.status == "draft"


def test_it_writes_a_transition_entry_that_names_the_transition(case, author):
    engine.transition(author, case, "submit", reason="ready for review")
    last = entries(case)[-1]
    assert (last.action, last.reason) == ("transition", "ready for review")
    assert json.loads(last.changes) == {"status": ["draft", "in_review"], "last_transition": ["", "submit"]}


def test_it_refuses_a_transition_from_another_state(case, qa_approver):
    with pytest.raises(Conflict, match="taken from In review, and the record is Draft"):
        engine.transition(qa_approver, case, "approve", reason="x", password=PASSWORD)


def test_it_refuses_an_unknown_transition(case, author):
    with pytest.raises(InvalidInput, match="no transition 'fly'") as refused:
        engine.transition(author, case, "fly", reason="x")
    assert refused.value.field == "transition"


def test_it_refuses_a_missing_field_of_the_target_state(author):
    empty = make_sample_case(actor=author, summary="")
    with pytest.raises(InvalidInput, match="must be filled in") as refused:
        engine.transition(author, empty, "submit", reason="ready")
    assert refused.value.field == "summary"
    assert len(entries(empty)) == 1  # nothing half-written


def test_it_refuses_a_user_without_the_permission(case, inspector):
    with pytest.raises(NotAllowed, match="records.write"):
        engine.transition(inspector, case, "submit", reason="ready")


def test_it_refuses_a_broken_precondition(author, qa_approver):
    case = make_sample_case(actor=author, summary="s", blocked=True)
    engine.transition(author, case, "submit", reason="r")
    engine.transition(qa_approver, case, "approve", reason="ok", password=PASSWORD)
    with pytest.raises(RuleViolation, match="blocker must be lifted"):
        engine.transition(qa_approver, case, "close", reason="done")
    assert case.status == "approved"


def test_it_needs_a_reason(case, author):
    with pytest.raises(ReasonRequired):
        engine.transition(author, case, "submit", reason="  ")


def test_it_refuses_a_version_the_user_did_not_see(case, author):
    with pytest.raises(StaleRecord):
        engine.transition(author, case, "submit", reason="r", version=case.version + 1)


def test_a_signed_transition_needs_the_password(in_review, qa_approver):
    with pytest.raises(InvalidInput, match="give your password") as refused:
        engine.transition(qa_approver, in_review, "approve", reason="ok")
    assert refused.value.field == "password"


def test_a_wrong_password_refuses_the_transition_and_records_the_attempt(in_review, qa_approver):
    with pytest.raises(SignatureRefused, match="password is wrong"):
        engine.transition(qa_approver, in_review, "approve", reason="ok", password="wrong")
    assert in_review.status == "in_review"
    assert entries(in_review)[-1].action == "sign_failed"


def test_the_author_cannot_approve_their_own_record(in_review, author):
    author_approver = author  # a QA approver, but the author of the content
    with pytest.raises(SignatureRefused):
        engine.transition(author_approver, in_review, "approve", reason="ok", password=PASSWORD)
    assert in_review.status == "in_review"


def test_the_approval_binds_to_the_version_the_transition_writes(in_review, qa_approver):
    engine.transition(qa_approver, in_review, "approve", reason="impact assessed", password=PASSWORD)
    sig = Signature.objects.get(record_type=in_review.record_type(), record_id=str(in_review.pk))
    assert (sig.meaning, sig.record_version, sig.snapshot_hash) == (
        "approved",
        in_review.version,
        in_review.snapshot_hash(),
    )
    kinds = [e.action for e in entries(in_review)]
    assert kinds[-2:] == ["transition", "sign"]
    assert verify.run().ok


def test_a_later_transition_does_not_supersede_the_approval(in_review, qa_approver):
    engine.transition(qa_approver, in_review, "approve", reason="ok", password=PASSWORD)
    engine.transition(qa_approver, in_review, "close", reason="done")
    (shown,) = signatures.for_record(in_review)
    assert not shown.superseded
    assert signatures.current(in_review, "approved")


def test_a_later_content_change_supersedes_the_approval(in_review, qa_approver, author):
    engine.transition(qa_approver, in_review, "approve", reason="ok", password=PASSWORD)
    with writer.change(actor=author, reason="summary corrected"):
        in_review.summary = "what really happened"
        in_review.save()
    (shown,) = signatures.for_record(in_review)
    assert shown.superseded
    assert not signatures.current(in_review, "approved")


def test_status_cannot_be_changed_by_an_edit(case, author):
    with pytest.raises(Conflict, match="only through the workflow"), writer.change(actor=author, reason="skip"):
        case.status = "closed"
        case.save()
    case.refresh_from_db()
    assert case.status == "draft"


def test_a_record_cannot_be_created_in_another_state(author):
    with pytest.raises(Conflict, match="starts in 'draft'"):
        make_sample_case(actor=author, status="closed")


def test_a_transition_entry_cannot_carry_content(case, author):
    from atmp.ledger.errors import LedgerBypass

    with pytest.raises(LedgerBypass, match="changes only status"), writer.change(actor=author, reason="r") as ch:
        case.status, case.summary = "in_review", "smuggled"
        ch.save(case, action="transition")


def test_a_final_state_offers_nothing(in_review, qa_approver):
    engine.transition(qa_approver, in_review, "approve", reason="ok", password=PASSWORD)
    engine.transition(qa_approver, in_review, "close", reason="done")
    assert engine.available(qa_approver, in_review) == []
