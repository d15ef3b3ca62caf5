"""What the quality areas' API operations share: the page shape, record documents and lookups."""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Schema
from pydantic import Field

from atmp.accounts import services as accounts
from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.accounts.visibility import visible_records
from atmp.api.auth import user_of
from atmp.api.schemas import MAX_INT
from atmp.ledger.api import visible_record
from atmp.ledger.records import GmpRecord
from atmp.quality.api import paging

MAX_PAGE = 200


class PageQuery(Schema):
    """Keyset paging, newest first: `after` is the previous page's `next`."""

    after: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 50
    voided: paging.ShowVoided = False


def page(rows: QuerySet[Any], q: PageQuery, document: Any) -> dict[str, Any]:
    """Return one page of the rows (newest first; voided ones when asked) as {"items": [...], "next": pk or None}."""
    found, cursor = paging.page(paging.shown(rows, voided=q.voided), limit=q.limit, after=q.after)
    return {"items": [document(r) for r in found], "next": cursor}


def visible(request: HttpRequest, rows: QuerySet[Any]) -> QuerySet[Any]:
    """Return the rows of the caller's sites."""
    return visible_records(user_of(request), rows)


def site(code: str, *, field: str = "site") -> Site:
    """Return the site of that code, or refuse naming the field."""
    try:
        return accounts.find_site(code)
    except InvalidInput:
        raise InvalidInput(field, f"there is no site {code!r}") from None


def user(username: str | None, *, field: str) -> User | None:
    """Return the user of that name (None for none), or refuse naming the field."""
    if not username:
        return None
    found = User.objects.filter(username=username).first()
    if found is None:
        raise InvalidInput(field, f"there is no user {username!r}")
    return found


def one(request: HttpRequest, model: type[GmpRecord], record_id: str) -> Any:
    """Return the caller-visible record of the type, or 404."""
    return visible_record(request, model.record_type(), record_id)


def workflow_fields(record: Any) -> dict[str, Any]:
    """Return the fields every workflow record's document carries."""
    return {
        "id": record.pk,
        "record": record.record_key,
        "version": record.version,
        "status": record.status,
        "status_label": record.state_label(),
        "voided": record.voided,
        "assignee": record.assignee.username if record.assignee_id else None,
        "assigned_role": record.assigned_role,
        "due_date": record.due_date,
        "created_at": record.created_at,
    }
