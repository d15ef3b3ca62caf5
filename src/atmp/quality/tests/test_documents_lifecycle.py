"""A document version's workflow: submitted by its author, approved by QA, made effective on its date, superseded."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger import signatures, writer
from atmp.ledger.errors import Conflict, RuleViolation, SignatureRefused
from atmp.ledger.models import AuditEntry
from atmp.quality.factories import make_document_version, make_effective_version, today_plus
from atmp.quality.models.documents import DocumentVersion
from atmp.testing import PASSWORD, make_user
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def test_a_version_walks_from_draft_to_effective(draft, qa_reviewer, qa_approver):
    engine.transition(qa_reviewer, draft, "submit", reason="ready")
    engine.transition(qa_approver, draft, "approve", reason="ok", password=PASSWORD)
    engine.transition(qa_approver, draft, "make_effective", reason="date reached")
    assert draft.status == "effective"
    assert draft.document.effective_version() == draft
    assert signatures.current(draft, "approved")


def test_submitting_needs_a_change_summary(sop, qa_reviewer):
    version = make_document_version(actor=qa_reviewer, document=sop, change_summary="")
    with pytest.raises(InvalidInput) as refused:
        engine.transition(qa_reviewer, version, "submit", reason="ready")
    assert refused.value.field == "change_summary"


def test_the_author_cannot_approve_their_own_version(sop):
    author = make_user("qa_approver", password=PASSWORD)
    version = make_document_version(actor=author, document=sop)
    engine.transition(author, version, "submit", reason="ready")
    with pytest.raises(SignatureRefused, match="segregation of duties"):
        engine.transition(author, version, "approve", reason="ok", password=PASSWORD)
    assert version.status == "in_review"


def test_a_qa_reviewer_cannot_approve(draft, qa_reviewer):
    other_reviewer = make_user("qa_reviewer", password=PASSWORD)
    engine.transition(qa_reviewer, draft, "submit", reason="ready")
    with pytest.raises(SignatureRefused, match="'Approved'"):
        engine.transition(other_reviewer, draft, "approve", reason="ok", password=PASSWORD)


def test_qa_returns_a_version_to_draft(draft, qa_reviewer, qa_approver):
    engine.transition(qa_reviewer, draft, "submit", reason="ready")
    engine.transition(qa_approver, draft, "return", reason="section 4 unclear")
    assert draft.status == "draft"


def test_an_operator_cannot_return_or_make_effective(draft, qa_reviewer, operator):
    engine.transition(qa_reviewer, draft, "submit", reason="ready")
    from atmp.accounts.errors import NotAllowed

    with pytest.raises(NotAllowed, match="quality.decide"):
        engine.transition(operator, draft, "return", reason="no")


def test_a_version_is_not_made_effective_without_approval(draft, qa_reviewer, qa_approver):
    engine.transition(qa_reviewer, draft, "submit", reason="ready")
    with pytest.raises(Conflict, match="taken from Approved"):
        engine.transition(qa_approver, draft, "make_effective", reason="skip approval")
    assert draft.status == "in_review"


def test_a_version_whose_approval_was_superseded_is_not_made_effective(draft, qa_reviewer, qa_approver):
    engine.transition(qa_reviewer, draft, "submit", reason="ready")
    engine.transition(qa_approver, draft, "approve", reason="ok", password=PASSWORD)
    with writer.change(actor=qa_reviewer, reason="changed after approval"):
        draft.change_summary = "something else"
        draft.save()
    with pytest.raises(RuleViolation, match="standing QA approval signature"):
        engine.transition(qa_approver, draft, "make_effective", reason="date reached")
    assert DocumentVersion.objects.get(pk=draft.pk).status == "approved"


def test_a_version_is_not_made_effective_before_its_date(sop, qa_reviewer, qa_approver):
    version = make_document_version(actor=qa_reviewer, document=sop, effective_date=today_plus(3))
    engine.transition(qa_reviewer, version, "submit", reason="ready")
    engine.transition(qa_approver, version, "approve", reason="ok", password=PASSWORD)
    with pytest.raises(RuleViolation, match="becomes effective on"):
        engine.transition(qa_approver, version, "make_effective", reason="early")
    assert version.status == "approved"


def test_the_new_version_supersedes_the_old_in_the_same_change(effective, sop, qa_reviewer, qa_approver):
    second = make_effective_version(actor=qa_reviewer, approver=qa_approver, password=PASSWORD, document=sop)
    effective.refresh_from_db()
    assert (effective.status, effective.last_transition, second.status) == ("superseded", "supersede", "effective")
    moved = AuditEntry.objects.filter(record_type="quality.documentversion", action="transition").order_by("seq")
    last_two = list(moved)[-2:]
    assert [e.record_id for e in last_two] == [str(second.pk), str(effective.pk)]
    assert last_two[0].reason == last_two[1].reason  # one change, one reason
    assert not [s for s in signatures.for_record(effective) if s.superseded]


def test_one_version_is_effective_at_any_time(sop, qa_reviewer, qa_approver):
    for _ in range(3):
        make_effective_version(actor=qa_reviewer, approver=qa_approver, password=PASSWORD, document=sop)
        assert DocumentVersion.objects.filter(document=sop, status="effective").count() == 1
    assert [v.status for v in DocumentVersion.objects.filter(document=sop).order_by("pk")] == [
        "superseded",
        "superseded",
        "effective",
    ]


def test_an_effective_version_is_retired_by_qa(effective, qa_approver):
    engine.transition(qa_approver, effective, "retire", reason="process discontinued")
    assert effective.status == "retired" and effective.document.effective_version() is None


def test_a_draft_is_cancelled(draft, qa_reviewer):
    engine.transition(qa_reviewer, draft, "cancel", reason="not needed")
    assert draft.status == "cancelled"


def test_the_file_hook_holds_until_files_are_wired(draft):
    from atmp.quality.workflows.documents import version_has_file

    assert version_has_file(draft) is None


def test_a_title_with_a_nul_is_refused_naming_the_field(sop, qa_reviewer):
    # PostgreSQL refuses a NUL in text: it is refused as the field's error, not a server error.
    from atmp.quality.services.documents import update_document

    with pytest.raises(InvalidInput) as refused:
        update_document(actor=qa_reviewer, document=sop, version=sop.version, title="Gowning\x00", reason="typo")
    assert refused.value.field == "title"
