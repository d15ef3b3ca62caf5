"""A risk assessment's workflow: submitted complete, approved by a QA Approver (signed), superseded or retired."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger import signatures
from atmp.ledger.errors import RuleViolation, SignatureRefused
from atmp.quality.factories import make_approved_riskassessment, make_riskassessment
from atmp.quality.services.risk import revise
from atmp.quality.tests.helpers_change import move
from atmp.testing import PASSWORD
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def test_a_complete_assessment_is_submitted_and_approved_by_qa(qa_reviewer, qa_approver, draft_ra):
    move(qa_reviewer, draft_ra, "submit")
    move(qa_approver, draft_ra, "approve")
    assert draft_ra.status == "approved"
    assert [s.signer_id for s in signatures.current(draft_ra, "approved")] == [qa_approver.pk]


def test_it_refuses_submitting_an_assessment_without_rows(qa_reviewer, site):
    empty = make_riskassessment(actor=qa_reviewer, site=site, rows=0)
    with pytest.raises(RuleViolation, match="at least one scored failure mode"):
        move(qa_reviewer, empty, "submit")


def test_it_refuses_submitting_an_assessment_of_nothing(qa_reviewer, site):
    vague = make_riskassessment(actor=qa_reviewer, site=site, product="")
    with pytest.raises(RuleViolation, match="product or process"):
        move(qa_reviewer, vague, "submit")


def test_it_refuses_submitting_without_a_conclusion(qa_reviewer, site):
    open_ended = make_riskassessment(actor=qa_reviewer, site=site, conclusion="")
    with pytest.raises(InvalidInput, match="conclusion"):
        move(qa_reviewer, open_ended, "submit")


def test_the_author_does_not_approve_their_own_assessment(qa_approver, site):
    mine = make_riskassessment(actor=qa_approver, site=site)
    move(qa_approver, mine, "submit")
    with pytest.raises(SignatureRefused, match="segregation of duties"):
        move(qa_approver, mine, "approve")


def test_a_qa_reviewer_does_not_approve(qa_reviewer, operator, site):
    theirs = make_riskassessment(actor=operator, site=site)
    move(operator, theirs, "submit")
    with pytest.raises(SignatureRefused, match="do not allow signing"):
        move(qa_reviewer, theirs, "approve")


def test_an_assessment_is_superseded_only_by_a_newer_one_that_revises_it(qa_reviewer, qa_approver, site):
    old = make_approved_riskassessment(actor=qa_reviewer, site=site)
    with pytest.raises(RuleViolation, match="revises"):
        move(qa_approver, old, "supersede")
    newer = make_riskassessment(actor=qa_reviewer, site=site)
    revise(actor=qa_reviewer, newer=newer, older=old, reason="annual review")
    move(qa_approver, old, "supersede")
    assert old.status == "superseded"


def test_an_approved_assessment_can_be_retired(qa_reviewer, qa_approver, approved_ra):
    move(qa_approver, approved_ra, "retire")
    assert approved_ra.status == "retired"
    with pytest.raises(Exception, match="final|taken from"):
        engine.transition(qa_approver, approved_ra, "supersede", reason="r", password=PASSWORD)
