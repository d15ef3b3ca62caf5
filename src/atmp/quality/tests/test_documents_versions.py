"""Documents and their versions: numbered per type, one version in preparation at a time, edits of drafts only."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.ledger.errors import Conflict, ReasonRequired, StaleRecord
from atmp.quality.factories import make_document, make_document_version
from atmp.quality.services import documents
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def test_documents_are_numbered_per_type(qa_reviewer):
    first = make_document(actor=qa_reviewer)
    second = make_document(actor=qa_reviewer)
    policy = make_document(actor=qa_reviewer, document_type="policy")
    assert (first.number, second.number, policy.number) == ("SOP-0001", "SOP-0002", "POL-0001")
    assert str(first) == f"SOP-0001 {first.title}"


def test_a_given_number_is_never_reused(qa_reviewer):
    make_document(actor=qa_reviewer, number="QA-SOP-001")
    with pytest.raises(Conflict, match="never reused"):
        make_document(actor=qa_reviewer, number="QA-SOP-001")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"document_type": "memo"}, "document_type"),
        ({"title": "  "}, "title"),
        ({"review_interval_months": 0}, "review_interval_months"),
    ],
)
def test_bad_document_input_names_the_field(qa_reviewer, fields, field):
    with pytest.raises(InvalidInput) as refused:
        make_document(actor=qa_reviewer, **fields)
    assert refused.value.field == field


def test_an_inspector_cannot_add_a_document(inspector, qa_reviewer):
    with pytest.raises(NotAllowed):
        make_document(actor=inspector, owner=qa_reviewer)


def test_versions_are_labelled_in_turn_and_the_review_date_follows(sop, qa_reviewer):
    version = make_document_version(actor=qa_reviewer, document=sop, effective_date=dt.date(2026, 1, 31))
    assert version.label == "1"
    assert version.review_due == dt.date(2028, 1, 31)  # the default interval: 24 months


def test_a_new_version_is_refused_while_another_is_in_preparation(draft, sop, qa_reviewer):
    with pytest.raises(Conflict, match="version 1 is Draft"):
        make_document_version(actor=qa_reviewer, document=sop)
    engine.transition(qa_reviewer, draft, "submit", reason="ready")
    with pytest.raises(Conflict, match="version 1 is In review"):
        make_document_version(actor=qa_reviewer, document=sop)


def test_a_new_version_follows_an_effective_one(effective, sop, qa_reviewer):
    second = make_document_version(actor=qa_reviewer, document=sop)
    assert second.label == "2"


def test_a_draft_is_edited_with_a_reason_and_the_version_seen(draft, qa_reviewer):
    documents.update_version(
        actor=qa_reviewer,
        document_version=draft,
        reason="date moved",
        version=draft.version,
        effective_date=dt.date(2027, 3, 1),
    )
    assert draft.review_due == dt.date(2029, 3, 1)
    with pytest.raises(StaleRecord):
        documents.update_version(actor=qa_reviewer, document_version=draft, reason="r", version=1, change_summary="x")
    with pytest.raises(ReasonRequired):
        documents.update_version(actor=qa_reviewer, document_version=draft, reason=" ", version=draft.version)


def test_a_version_past_draft_is_not_edited(draft, qa_reviewer):
    engine.transition(qa_reviewer, draft, "submit", reason="ready")
    with pytest.raises(Conflict, match="only a draft is edited"):
        documents.update_version(
            actor=qa_reviewer, document_version=draft, reason="r", version=draft.version, change_summary="x"
        )


def test_a_document_is_retitled(sop, qa_reviewer):
    documents.update_document(actor=qa_reviewer, document=sop, reason="clearer", version=sop.version, title="Gowning")
    assert sop.title == "Gowning"


def test_reviews_due_lists_effective_versions_past_their_review_date(effective, qa_reviewer):
    from atmp.quality.selectors.documents import reviews_due

    assert reviews_due() == []
    assert reviews_due(effective.review_due) == [effective]
