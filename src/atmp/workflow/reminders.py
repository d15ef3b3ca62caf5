"""`atmp tick`'s workflow task: remind the owners of overdue records, once a day each, idempotently."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from atmp.accounts.models import User
from atmp.workflow.models import Reminder, WorkflowRecord
from atmp.workflow.notify import holders_of, notify


def remind_overdue(now: dt.datetime) -> dict[str, Any]:
    """Send one reminder a day for each overdue record to its assignee (or its role's holders at its site)."""
    from atmp.accounts.visibility import site_of
    from atmp.ledger.records import model_for
    from atmp.workflow.work import overdue

    day = now.date()
    items = overdue(on=day)
    sent = 0
    for item in items:
        record_type, _, record_id = item.record.partition(":")
        model = model_for(record_type)
        record = model._base_manager.filter(pk=int(record_id)).first() if model else None
        if not isinstance(record, WorkflowRecord):
            continue
        if record.assignee_id:
            people = list(User.objects.filter(pk=record.assignee_id))
        elif record.assigned_role:
            people = holders_of(record.assigned_role, site_id=site_of(record))
        else:
            people = []
        try:
            with transaction.atomic():
                Reminder.objects.create(record_type=record_type, record_id=record_id, day=day, recipients=len(people))
                notify(
                    to=people,
                    subject=f"Overdue: {item.title}",
                    body=f"{item.record} ({item.status}) was due on {item.due}.",
                    record=record,
                )
        except IntegrityError:
            continue  # reminded today already
        sent += 1
    return {"overdue": len(items), "reminded": sent}
