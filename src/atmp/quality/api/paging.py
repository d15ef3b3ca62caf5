"""What the quality routers share: keyset pages (the one implementation for every quality list), and lookups.

Not atmp.lists: its cursor is an opaque text carrying the sort, while these published operations take
and answer an integer primary key (`after`, `next` / `next_after`) and always sort newest first.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from django.db.models import QuerySet
from pydantic import Field

from atmp.accounts.models import User
from atmp.accounts.visibility import visible_records
from atmp.api.schemas import MAX_INT
from atmp.ledger.errors import NotFound
from atmp.ledger.records import GmpRecord

M = TypeVar("M", bound=GmpRecord)

Limit = Annotated[int, Field(ge=1, le=500)]
After = Annotated[int, Field(ge=0, le=MAX_INT)] | None
Id = Annotated[int, Field(ge=1, le=MAX_INT)]
# The version the user saw: every edit after creation names it (StaleRecord otherwise).
Version = Annotated[int, Field(ge=1, le=MAX_INT)]
# Every quality list leaves voided records out unless asked: `voided=true` lists them too, each item
# saying `"voided": true` (an inspector still finds them; nothing is deleted).
ShowVoided = Annotated[bool, Field(description="true: list voided records too, each marked `voided`")]


def visible(user: User, rows: QuerySet[M]) -> QuerySet[M]:
    """Return the rows of the sites the user sees (records of no site are everyone's)."""
    return visible_records(user, rows)


def shown(rows: QuerySet[M], *, voided: bool = False) -> QuerySet[M]:
    """Return the rows a list shows: without the voided ones, unless asked for them (`voided=true`)."""
    return rows if voided else rows.filter(voided=False)


def live(user: User, rows: QuerySet[M], *, voided: bool = False) -> QuerySet[M]:
    """Return the rows the user sees, without the voided ones unless asked for them."""
    return shown(visible(user, rows), voided=voided)


def page(rows: QuerySet[M], *, limit: int, after: int | None) -> tuple[list[M], int | None]:
    """Return one keyset page of the rows, newest first, and the cursor of the next page (None at the end).

    `after` is the previous page's cursor (a primary key; none or 0: the first page). Each router
    answers with its own published shape ({"items", "next"} or {"items", "next_after"}, …).
    """
    if after:
        rows = rows.filter(pk__lt=after)
    found = list(rows.order_by("-pk")[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return found, (found[-1].pk if more and found else None)


def one(user: User, model: type[M], pk: int) -> M:
    """Return the live record the user may see, or refuse as not found."""
    found = visible(user, model._default_manager.filter(pk=pk, voided=False)).first()
    if found is None:
        raise NotFound(f"there is no record {model.record_type()}:{pk}")
    return found  # type: ignore[return-value]


def common(record: Any) -> dict[str, Any]:
    """Return the fields every record document carries."""
    doc = {
        "id": record.pk,
        "record": record.record_key,
        "version": record.version,
        "status": record.status,
        "voided": record.voided,
    }
    if hasattr(record, "state_label"):
        doc["status_label"] = record.state_label()
    return doc
