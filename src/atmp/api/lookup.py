"""Finding the record a path names: live, of the caller's sites, or 404 (a record of another site is not shown
to exist)."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest

from atmp.accounts.services import can_see
from atmp.api.auth import user_of
from atmp.ledger.errors import NotFound
from atmp.ledger.records import GmpRecord

R = TypeVar("R", bound=GmpRecord)


def visible_or_404(request: HttpRequest, rows: QuerySet[R], pk: int, noun: str) -> R:
    """Return the live row of the primary key the caller may see, or raise NotFound naming the noun and key."""
    found = rows.filter(pk=pk).first()
    if found is None or found.voided or not can_see(user_of(request), found):
        raise NotFound(f"there is no {noun} {pk}")
    return found
