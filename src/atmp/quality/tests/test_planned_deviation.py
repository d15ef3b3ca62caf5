"""Planned deviations: complete before submission, approved before the event, closed after it."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger import clock
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.quality.factories import make_planned_deviation
from atmp.quality.services.deviations import update_planned_deviation
from atmp.testing import PASSWORD
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def test_it_is_approved_before_the_event(operator, qa_approver, site):
    planned = make_planned_deviation(actor=operator, site=site)
    engine.transition(operator, planned, "submit", reason="plan ready")
    engine.transition(qa_approver, planned, "approve", reason="acceptable", password=PASSWORD)
    assert planned.status == "approved"
    with pytest.raises(Conflict, match="not edited"):
        update_planned_deviation(actor=operator, planned=planned, reason="r", scope="more")


def test_a_plan_whose_start_has_passed_is_not_approved(operator, qa_approver, site):
    today = clock.now().date()
    planned = make_planned_deviation(
        actor=operator, site=site, planned_start=today - dt.timedelta(days=1), planned_end=today
    )
    engine.transition(operator, planned, "submit", reason="late")
    with pytest.raises(RuleViolation, match="approved before the event"):
        engine.transition(qa_approver, planned, "approve", reason="ok", password=PASSWORD)


def test_it_closes_only_after_its_end(operator, qa_approver, site):
    planned = make_planned_deviation(actor=operator, site=site)
    engine.transition(operator, planned, "submit", reason="plan ready")
    engine.transition(qa_approver, planned, "approve", reason="ok", password=PASSWORD)
    with pytest.raises(RuleViolation, match="close it after its end"):
        engine.transition(qa_approver, planned, "close", reason="nothing happened")


def test_the_period_must_be_in_order(operator, site):
    today = clock.now().date()
    with pytest.raises(InvalidInput) as refused:
        make_planned_deviation(actor=operator, site=site, planned_start=today, planned_end=today - dt.timedelta(1))
    assert refused.value.field == "planned_end"
