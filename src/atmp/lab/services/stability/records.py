"""Stability studies: finding a study or pull, reading its rows, due dates (ADR 0029)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import User
from atmp.accounts.services import can_see, require
from atmp.lab.models import (
    StabilityAttribute,
    StabilityBatch,
    StabilityCondition,
    StabilityPull,
    StabilityStudy,
)
from atmp.ledger.errors import Conflict

MAX_MONTHS = 120


def number(value: float) -> str:
    """Return a computed value as stored: a decimal string of 6 places (the ledger keeps no floats)."""
    return f"{value:.6f}"


# --- dates --------------------------------------------------------------------------------------


def due_date(placed_on: dt.date, months: int) -> dt.date:
    """Return placed_on plus whole calendar months: same day of the month, else that month's last day."""
    index = placed_on.month - 1 + months
    year, month = placed_on.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(placed_on.day, calendar.monthrange(year, month)[1]))


# --- finding ------------------------------------------------------------------------------------


def find_study(value: Any, *, user: User | None = None, field: str = "study") -> StabilityStudy:
    """Return the study of the number (or id) the user may see, or refuse naming the field."""
    key = str(value or "").strip()
    rows = StabilityStudy.objects.select_related("product", "site", "specification")
    found = rows.filter(number=key.upper()).first()
    if found is None and key.isdecimal() and len(key) < 19:
        found = rows.filter(pk=int(key)).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no stability study {key!r}")
    return found


def find_pull(value: Any, *, user: User | None = None, field: str = "pull") -> StabilityPull:
    """Return the pull of the id the user may see, or refuse naming the field."""
    key = str(value or "").strip()
    found = (
        StabilityPull.objects.select_related("study__site", "placement__batch", "condition", "sample", "deviation")
        .filter(pk=int(key))
        .first()
        if key.isdecimal() and len(key) < 19
        else None
    )
    if found is None or found.voided or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no stability pull {key!r}")
    return found


def conditions(study: StabilityStudy) -> list[StabilityCondition]:
    """Return the study's live conditions in order."""
    return list(study.conditions.filter(voided=False).order_by("position"))


def attributes(study: StabilityStudy) -> list[StabilityAttribute]:
    """Return the study's live attributes in order, with their specification attribute."""
    return list(study.attributes.filter(voided=False).select_related("attribute").order_by("position"))


def placements(study: StabilityStudy) -> list[StabilityBatch]:
    """Return the batches placed on the study."""
    return list(study.batches.filter(voided=False).select_related("batch").order_by("pk"))


def pulls(study: StabilityStudy) -> list[StabilityPull]:
    """Return the study's pulls, by due date."""
    return list(
        study.pulls.filter(voided=False)
        .select_related("placement__batch", "condition", "sample", "deviation")
        .order_by("due_on", "condition__position", "placement_id", "pk")
    )


def check_write(actor: User, study: StabilityStudy) -> None:
    require(actor, study.write_permission)
    if not can_see(actor, study):
        raise NotAllowed(f"{study.record_key} belongs to a site that is not yours")
    if study.voided:
        raise Conflict(f"{study.record_key} is voided")
