"""Classifying a deviation from its documented risk scores; an override needs a reason; critical notifies the QPs."""

from __future__ import annotations

import pytest
from django.core import mail

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.ledger.errors import Conflict
from atmp.quality.factories import make_deviation
from atmp.quality.services.deviations import classify, update_deviation

pytestmark = pytest.mark.django_db


def test_the_scores_suggest_the_class_and_show_why(qa_reviewer, operator, site):
    deviation = make_deviation(actor=operator, site=site)
    classify(actor=qa_reviewer, deviation=deviation, severity=3, occurrence=3, detectability=2, reason="triage")
    assert (deviation.rpn, deviation.classification, deviation.classification_basis) == (18, "major", "RPN 18 ≥ 16")


def test_an_override_needs_a_reason(qa_reviewer, operator, site):
    deviation = make_deviation(actor=operator, site=site)
    with pytest.raises(InvalidInput, match="suggest minor") as refused:
        classify(
            actor=qa_reviewer, deviation=deviation, severity=1, occurrence=1, detectability=1,
            classification="major", reason="triage",
        )  # fmt: skip
    assert refused.value.field == "override_reason"
    classify(
        actor=qa_reviewer, deviation=deviation, severity=1, occurrence=1, detectability=1,
        classification="major", override_reason="repeat event at this line", reason="triage",
    )  # fmt: skip
    assert (deviation.suggested_classification, deviation.classification) == ("minor", "major")


def test_a_score_off_the_scale_is_refused(qa_reviewer, operator, site):
    deviation = make_deviation(actor=operator, site=site)
    with pytest.raises(InvalidInput) as refused:
        classify(actor=qa_reviewer, deviation=deviation, severity=9, occurrence=1, detectability=1, reason="t")
    assert refused.value.field == "severity"


def test_only_qa_classifies(operator, site):
    deviation = make_deviation(actor=operator, site=site)
    with pytest.raises(NotAllowed, match="quality.decide"):
        classify(actor=operator, deviation=deviation, severity=1, occurrence=1, detectability=1, reason="t")


def test_a_critical_deviation_notifies_the_qualified_persons(
    qa_reviewer, operator, site, qp, django_capture_on_commit_callbacks
):
    deviation = make_deviation(actor=operator, site=site)
    with django_capture_on_commit_callbacks(execute=True):
        classify(actor=qa_reviewer, deviation=deviation, severity=5, occurrence=1, detectability=1, reason="t")
    (sent,) = mail.outbox
    assert sent.to == ["quinn@example.org"] and deviation.number in sent.subject and "critical" in sent.subject.lower()


def test_class_and_status_are_not_edited_directly(operator, site):
    deviation = make_deviation(actor=operator, site=site)
    with pytest.raises(InvalidInput, match="cannot be edited here"):
        update_deviation(actor=operator, deviation=deviation, reason="r", classification="minor")
    with pytest.raises(InvalidInput, match="cannot be edited here"):
        update_deviation(actor=operator, deviation=deviation, reason="r", status="closed")


def test_a_cancelled_deviation_is_not_edited(qa_reviewer, operator, site):
    from atmp.workflow import engine

    deviation = make_deviation(actor=operator, site=site)
    engine.transition(qa_reviewer, deviation, "cancel", reason="raised in error")
    with pytest.raises(Conflict, match="not edited"):
        update_deviation(actor=operator, deviation=deviation, reason="r", title="x")
