"""What the quality routers share: keyset pages of a type's records the caller may see, and lookups."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from django.db.models import Q, QuerySet
from pydantic import Field

from atmp.accounts.models import User
from atmp.accounts.visibility import site_path
from atmp.api.schemas import MAX_INT
from atmp.ledger.errors import NotFound
from atmp.ledger.records import GmpRecord

M = TypeVar("M", bound=GmpRecord)

Limit = Annotated[int, Field(ge=1, le=500)]
After = Annotated[int, Field(ge=0, le=MAX_INT)] | None
Id = Annotated[int, Field(ge=1, le=MAX_INT)]
# The version the user saw: every edit after creation names it (StaleRecord otherwise).
Version = Annotated[int, Field(ge=1, le=MAX_INT)]


def visible(user: User, rows: QuerySet[M]) -> QuerySet[M]:
    """Return the rows of the sites the user sees (records of no site are everyone's)."""
    ids = user.site_ids()
    path = site_path(rows.model)
    if ids is None or path is None:
        return rows
    return rows.filter(Q(**{f"{path}__in": ids}) | Q(**{f"{path}__isnull": True}))


def page(user: User, rows: QuerySet[M], *, limit: int, after: int | None) -> tuple[list[M], int | None]:
    """Return one keyset page, newest first, and the cursor of the next page (None at the end)."""
    rows = visible(user, rows).filter(voided=False).order_by("-pk")
    if after:
        rows = rows.filter(pk__lt=after)
    found = list(rows[: limit + 1])
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
    doc = {"id": record.pk, "record": record.record_key, "version": record.version, "status": record.status}
    if hasattr(record, "state_label"):
        doc["status_label"] = record.state_label()
    return doc
