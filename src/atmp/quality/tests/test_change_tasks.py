"""Implementation tasks: owned, due, done with evidence; the effectiveness review waits for every one."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger import clock
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.quality.factories import make_changetask
from atmp.quality.services.changes import add_task, complete_task, update_task
from atmp.quality.tests.helpers_change import move
from atmp.testing import make_site, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(qa_reviewer, qa_approver, change):
    move(qa_reviewer, change, "assess", "submit")
    return move(qa_approver, change, "approve")


def test_a_task_is_planned_with_an_owner_and_a_due_date(qa_reviewer, operator, change):
    due = clock.now().date() + dt.timedelta(days=30)
    task = add_task(actor=qa_reviewer, change=change, title="Qualify supplier", owner=operator, due_date=due)
    assert (task.owner_id, task.due_date, task.done) == (operator.pk, due, False)


@pytest.mark.parametrize("who", ["disabled", "admin", "elsewhere", "inspector"])
def test_it_refuses_an_owner_who_cannot_do_the_work(qa_reviewer, change, who):
    from atmp.accounts import services as accounts

    owner = {
        "disabled": lambda: make_user("operator"),
        "admin": lambda: make_user("system_admin"),
        "elsewhere": lambda: make_user("operator", site=make_site()),
        "inspector": lambda: make_user("inspector"),
    }[who]()
    if who == "disabled":
        accounts.disable_user(actor=None, user=owner, reason="left")
        owner.refresh_from_db()
    with pytest.raises(InvalidInput) as refused:
        add_task(actor=qa_reviewer, change=change, title="T", owner=owner)
    assert refused.value.field == "owner"


def test_a_task_is_done_during_implementation_with_its_evidence(qa_reviewer, operator, approved):
    task = make_changetask(actor=qa_reviewer, change=approved, owner=operator)
    done = complete_task(actor=operator, task=task, evidence="Qualification report QR-12", reason="done")
    assert done.done and done.done_on == clock.now().date() and done.evidence == "Qualification report QR-12"


def test_it_refuses_a_task_done_without_evidence_or_in_the_future(qa_reviewer, approved):
    task = make_changetask(actor=qa_reviewer, change=approved)
    with pytest.raises(InvalidInput, match="evidence"):
        complete_task(actor=qa_reviewer, task=task, evidence=" ", reason="done")
    tomorrow = clock.now().date() + dt.timedelta(days=1)
    with pytest.raises(InvalidInput, match="future"):
        complete_task(actor=qa_reviewer, task=task, evidence="e", reason="done", done_on=tomorrow)


def test_a_task_is_not_done_before_the_change_is_approved(qa_reviewer, change):
    task = make_changetask(actor=qa_reviewer, change=change)
    with pytest.raises(Conflict, match="during implementation"):
        complete_task(actor=qa_reviewer, task=task, evidence="e", reason="done")


def test_a_done_task_does_not_change(qa_reviewer, approved):
    task = complete_task(
        actor=qa_reviewer, task=make_changetask(actor=qa_reviewer, change=approved), evidence="e", reason="r"
    )
    with pytest.raises(Conflict, match="done"):
        update_task(actor=qa_reviewer, task=task, reason="r", title="Other")
    with pytest.raises(Conflict, match="already done"):
        complete_task(actor=qa_reviewer, task=task, evidence="e", reason="r")


def test_the_effectiveness_review_waits_for_every_task(qa_reviewer, approved):
    with pytest.raises(RuleViolation, match="at least one"):
        move(qa_reviewer, approved, "complete")
    first = make_changetask(actor=qa_reviewer, change=approved, title="Update SOP-101")
    make_changetask(actor=qa_reviewer, change=approved, title="Train operators")
    complete_task(actor=qa_reviewer, task=first, evidence="SOP-101 v4 effective", reason="done")
    with pytest.raises(RuleViolation, match="open: Train operators"):
        move(qa_reviewer, approved, "complete")
    for task in approved.tasks.filter(done=False):
        complete_task(actor=qa_reviewer, task=task, evidence="training records", reason="done")
    move(qa_reviewer, approved, "complete")
    assert approved.status == "effectiveness_review"


def test_an_open_task_is_on_its_owners_work_and_once_late_in_the_overdue_list(qa_reviewer, operator, approved):
    from atmp.quality.selectors.changes import overdue_tasks
    from atmp.workflow.work import work_for

    today = clock.now().date()
    task = make_changetask(actor=qa_reviewer, change=approved, owner=operator, due_date=today + dt.timedelta(days=3))

    (mine,) = [i for i in work_for(operator) if i.record == task.record_key]
    assert mine.kind == "task" and mine.due == task.due_date and not mine.overdue
    assert overdue_tasks(today) == []
    (late,) = overdue_tasks(today + dt.timedelta(days=4))
    assert late.record == task.record_key and late.overdue and late.owner == operator.username

    complete_task(actor=operator, task=task, evidence="done as planned", reason="done")
    assert [i for i in work_for(operator) if i.record == task.record_key] == []
