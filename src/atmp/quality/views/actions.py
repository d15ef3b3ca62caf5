"""The quality records' page buttons: each area declares its actions; the record page asks here."""

from __future__ import annotations

from typing import Any

from atmp.accounts.models import User
from atmp.quality.views import capa, changes, complaints, deviations, documents, inspections, reviews, risk, suppliers
from atmp.quality.views.common import RecordAction, actions_of

AREAS = (deviations, capa, changes, risk, documents, reviews, suppliers, complaints, inspections)
DECLARED: dict[str, tuple[RecordAction, ...]] = {k: v for area in AREAS for k, v in area.ACTIONS.items()}


def for_record(user: User, record: Any) -> list[dict[str, str]]:
    """Return the buttons of the quality actions this user may take on this record."""
    return actions_of(user, record, DECLARED.get(record.record_type(), ()))
