"""What change controls hold for a person: their open implementation tasks, with due dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.models import User
from atmp.quality.models.changes import ChangeControl, ChangeTask


def open_tasks(*, owner: User | None = None, due_by: dt.date | None = None) -> list[ChangeTask]:
    """Return the implementation tasks not done yet of changes still open, oldest due first."""
    finished = [s.name for s in ChangeControl.workflow.states if s.final]
    rows = ChangeTask._base_manager.filter(done=False, voided=False, change__voided=False).exclude(
        change__status__in=finished
    )
    if owner is not None:
        rows = rows.filter(owner=owner)
    if due_by is not None:
        rows = rows.filter(due_date__lt=due_by)
    return list(rows.select_related("change", "owner").order_by("due_date", "pk"))


def _item(task: ChangeTask, on: dt.date) -> Any:
    from atmp.workflow.work import WorkItem

    overdue = task.due_date is not None and task.due_date < on
    return WorkItem(
        kind="task",
        record=task.record_key,
        title=f"{task.change.number}: {task.title}",
        status="overdue" if overdue else "open",
        due=task.due_date,
        overdue=overdue,
        owner=task.owner.username,
        detail="an implementation task of the change; mark it done with its evidence",
    )


def task_work(user: User, on: dt.date) -> list[Any]:
    """Return the user's open change tasks as My work items (atmp.workflow.work)."""
    return [_item(task, on) for task in open_tasks(owner=user)]


def overdue_tasks(on: dt.date) -> list[Any]:
    """Return every open change task past its due date, as overdue items."""
    return [_item(task, on) for task in open_tasks(due_by=on)]
