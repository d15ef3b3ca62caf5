"""My work of a Qualified Person: batches released before all results were in, and late failing results."""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.models import User
from atmp.accounts.roles import Role
from atmp.accounts.visibility import visible_records
from atmp.lab.models import BatchDisposition, LateResultAlert


def disposition_work(user: User, on: dt.date) -> list[Any]:
    """Return, to a QP, each conditional release of their sites (due at its earliest expected result) and its alerts."""
    from atmp.workflow.work import WorkItem

    if Role.QUALIFIED_PERSON not in user.roles():
        return []
    rows = visible_records(user, BatchDisposition.objects.filter(voided=False, status="conditional")).select_related(
        "batch"
    )
    alerted = {
        a.disposition_id: a
        for a in LateResultAlert.objects.filter(disposition__status="conditional", voided=False).select_related(
            "result__attribute"
        )
    }
    items = []
    for d in rows:
        days = sorted(dt.date.fromisoformat(p["expected_on"]) for p in d.pending if p.get("expected_on"))
        due = days[0] if days else None
        alert = alerted.get(d.pk)
        detail = "pending: " + ", ".join(f"{p['attribute']} by {p['expected_on']}" for p in d.pending)
        if alert is not None:
            detail = f"LATE FAILING RESULT: {alert.result.attribute.name} {alert.result.reported}; {detail}"
        items.append(
            WorkItem(
                kind="late result alert" if alert is not None else "conditional release",
                record=d.record_key,
                title=f"Batch {d.batch.number} released before all results",
                status=d.status,
                due=due,
                overdue=alert is not None or (due is not None and due < on),
                owner=None,
                detail=detail,
            )
        )
    return items
