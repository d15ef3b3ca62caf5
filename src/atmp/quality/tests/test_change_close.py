"""Closing a change: an effectiveness review, and comparability evidence when a study is required."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger import writer
from atmp.ledger.errors import RuleViolation
from atmp.quality.factories import make_changecontrol, make_changetask
from atmp.quality.services.changes import complete_task, update_change
from atmp.quality.tests.helpers_change import move
from atmp.workflow.models import Link

pytestmark = pytest.mark.django_db


def _in_review(reviewer, approver, change):
    move(reviewer, change, "assess", "submit")
    move(approver, change, "approve")
    task = make_changetask(actor=reviewer, change=change)
    complete_task(actor=reviewer, task=task, evidence="done", reason="done")
    return move(reviewer, change, "complete")


def _evidence(actor, change, source_type):
    # The documents and comparability modules are built on other branches: the rule reads the link's
    # source type, so a link row stands in for their records here.
    with writer.change(actor=actor, reason="study report") as ch:
        row = Link(
            source_type=source_type,
            source_id="1",
            relation="supports",
            target_type=change.record_type(),
            target_id=str(change.pk),
        )
        ch.save(row)
    return row


@pytest.fixture
def needs_study(qa_reviewer, qa_approver, site, approved_ra):
    made = make_changecontrol(actor=qa_reviewer, site=site, risk_assessment=approved_ra, comparability_required=True)
    return _in_review(qa_reviewer, qa_approver, made)


def test_a_change_closes_after_its_effectiveness_review(qa_reviewer, qa_approver, change):
    _in_review(qa_reviewer, qa_approver, change)
    with pytest.raises(InvalidInput) as refused:
        move(qa_approver, change, "close")
    assert refused.value.field == "effectiveness_review"
    update_change(actor=qa_reviewer, change=change, reason="reviewed", effectiveness_review="Yield unchanged")
    move(qa_approver, change, "close")
    assert change.status == "closed"


def test_an_operator_does_not_close_a_change(qa_reviewer, qa_approver, operator, change):
    from atmp.accounts.errors import NotAllowed

    _in_review(qa_reviewer, qa_approver, change)
    update_change(actor=qa_reviewer, change=change, reason="reviewed", effectiveness_review="Yield unchanged")
    with pytest.raises(NotAllowed, match=r"quality\.decide"):
        move(operator, change, "close")


def test_a_change_needing_comparability_does_not_close_without_a_study(qa_reviewer, qa_approver, needs_study):
    update_change(actor=qa_reviewer, change=needs_study, reason="reviewed", effectiveness_review="Comparable")
    with pytest.raises(RuleViolation, match="requires a comparability study"):
        move(qa_approver, needs_study, "close")
    needs_study.refresh_from_db()
    assert needs_study.status == "effectiveness_review"


@pytest.mark.parametrize("source_type", ["quality.document", "comparability.study"])
def test_a_linked_study_or_report_lets_it_close(qa_reviewer, qa_approver, needs_study, source_type):
    update_change(actor=qa_reviewer, change=needs_study, reason="reviewed", effectiveness_review="Comparable")
    _evidence(qa_reviewer, needs_study, source_type)
    move(qa_approver, needs_study, "close")
    assert needs_study.status == "closed"


def test_a_risk_assessment_is_not_comparability_evidence(qa_reviewer, qa_approver, needs_study):
    update_change(actor=qa_reviewer, change=needs_study, reason="reviewed", effectiveness_review="Comparable")
    _evidence(qa_reviewer, needs_study, "quality.riskassessment")
    with pytest.raises(RuleViolation, match="comparability"):
        move(qa_approver, needs_study, "close")


def test_a_cancelled_change_is_final(qa_approver, change):
    move(qa_approver, change, "cancel")
    from atmp.ledger.errors import Conflict

    with pytest.raises(Conflict):
        move(qa_approver, change, "assess")
