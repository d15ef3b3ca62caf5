"""Reads about equipment: its due state, what is overdue for My work, and the periodic summary for `atmp tick`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from atmp.accounts.models import User
from atmp.accounts.visibility import visible_records
from atmp.manufacturing import due
from atmp.manufacturing.models import Equipment, LogbookEntry

SOON_DAYS = 14  # calibration or maintenance due within this many days shows on My work before it is overdue
LIVE = ("commissioning", "qualified", "out_of_service")


def due_state(due_on: dt.date | None, interval_days: int | None, on: dt.date) -> str:
    """Return "none" (no regime), "never" (never done), "overdue", "due soon" or "ok" for one regime on the day."""
    if interval_days is None:
        return "none"
    if due_on is None:
        return "never"
    if due.is_overdue(due_on, on, required=True):
        return "overdue"
    if (due_on - on).days <= SOON_DAYS:
        return "due soon"
    return "ok"


def _due_rows(on: dt.date) -> QuerySet[Equipment]:
    """Return the live equipment whose calibration or maintenance is due within SOON_DAYS, overdue or never done."""
    horizon = on + dt.timedelta(days=SOON_DAYS)
    calibration = Q(calibration_interval_days__isnull=False) & (
        Q(calibration_due__isnull=True) | Q(calibration_due__lte=horizon)
    )
    maintenance = Q(maintenance_interval_days__isnull=False) & (
        Q(maintenance_due__isnull=True) | Q(maintenance_due__lte=horizon)
    )
    return Equipment.objects.filter(calibration | maintenance, voided=False, status__in=LIVE).select_related("site")


def equipment_work(user: User, on: dt.date) -> list[Any]:
    """Return calibration and maintenance due soon or overdue at the user's sites, as My work items."""
    from atmp.workflow.work import WorkItem

    if not user.can(LogbookEntry.write_permission):
        return []
    items = []
    for eq in visible_records(user, _due_rows(on)).order_by("code"):
        for work, due_on, interval in (
            ("calibration", eq.calibration_due, eq.calibration_interval_days),
            ("maintenance", eq.maintenance_due, eq.maintenance_interval_days),
        ):
            state = due_state(due_on, interval, on)
            if state in ("overdue", "never", "due soon"):
                items.append(
                    WorkItem(
                        kind=work,
                        record=eq.record_key,
                        title=f"{eq.code} {eq.name} ({eq.site.code})",
                        status=eq.status,
                        due=due_on,
                        overdue=state != "due soon",
                        owner=None,
                        detail=f"{work} {'never done' if state == 'never' else state}",
                    )
                )
    return items


def overdue_summary(now: dt.datetime) -> dict[str, Any]:
    """Count the live equipment with calibration or maintenance overdue (the tick's report; it writes nothing)."""
    on = now.date()
    rows = list(_due_rows(on))
    return {
        "calibration overdue": sum(
            due_state(e.calibration_due, e.calibration_interval_days, on) in ("overdue", "never") for e in rows
        ),
        "maintenance overdue": sum(
            due_state(e.maintenance_due, e.maintenance_interval_days, on) in ("overdue", "never") for e in rows
        ),
    }
