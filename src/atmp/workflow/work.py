"""My work: what waits for a person, gathered from every installed module, and the overdue list.

Built in: records assigned to the person or to a role they hold, and records waiting in a state
whose signed transition their roles may take. Modules add their own (training due) through
`Module.work`. Each item says whether it is overdue.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.db.models import Case, F, Q, Value, When

from atmp.accounts.models import User
from atmp.accounts.roles import meanings_for
from atmp.accounts.visibility import visible_records
from atmp.ledger.records import gmp_models
from atmp.ledger.signatures import MEANINGS, authors_of
from atmp.workflow.engine import today as utc_today
from atmp.workflow.models import WorkflowRecord

MAX_ITEMS = 500
# The order in which a type's records are cut to MAX_ITEMS: earliest due first, undated last (on
# SQLite as on PostgreSQL, where NULLs sort differently by default), as work_for sorts them.
# "Undated last" is an expression, not NULLS LAST, so that no index can give the order: SQLite, which
# keeps no histogram, would otherwise walk the whole due_date index to find the few hundred records
# in a rare state (100,000 deviations for 461 in QA review: 100 ms, bench/qms.py) instead of
# reading them by status and sorting them.
URGENT_FIRST = (Case(When(due_date__isnull=True, then=Value(1)), default=Value(0)).asc(), F("due_date").asc(), "pk")


@dataclass(frozen=True)
class WorkItem:
    """One thing waiting for a person: what, why it is theirs, and by when."""

    kind: str  # assigned | role | signature | training | …
    record: str  # "type:id"
    title: str
    status: str
    due: dt.date | None
    overdue: bool
    owner: str | None
    detail: str = ""

    @property
    def url(self) -> str:
        """Return the record's page."""
        from django.urls import get_script_prefix

        record_type, _, record_id = self.record.partition(":")
        return _record_url(get_script_prefix()).format(type=quote(record_type), id=quote(record_id))

    def as_dict(self) -> dict[str, Any]:
        """Return the item as `atmp work --json` and the API print it."""
        return {
            "kind": self.kind,
            "record": self.record,
            "title": self.title,
            "status": self.status,
            "due": self.due.isoformat() if self.due else None,
            "overdue": self.overdue,
            "owner": self.owner,
            "detail": self.detail,
        }


@functools.lru_cache(maxsize=8)
def _record_url(script_prefix: str) -> str:
    """Return the record page's URL with {type} and {id} to fill in, under this script prefix.

    reverse() once rather than once a row: My work links up to 500 records, and reverse()
    was a fifth of the page's time (bench/qms.py).
    """
    from django.urls import reverse

    return (
        reverse("web:record", args=["atmp-type-slot", "atmp-id-slot"])
        .replace("atmp-type-slot", "{type}")
        .replace("atmp-id-slot", "{id}")
    )


def workflow_models() -> list[type[WorkflowRecord]]:
    """Return every installed record type that has a workflow."""
    return [m for m in gmp_models() if issubclass(m, WorkflowRecord)]


def _open(model: type[WorkflowRecord]) -> Any:
    finals = [s.name for s in model.workflow.states if s.final]
    return model._default_manager.filter(voided=False).exclude(status__in=finals)


def _item(kind: str, record: WorkflowRecord, on: dt.date, detail: str = "") -> WorkItem:
    overdue = record.due_date is not None and record.due_date < on
    owner = record.assignee.username if record.assignee_id and record.assignee else None
    return WorkItem(
        kind=kind,
        record=record.record_key,
        title=record.work_title(),
        status=record.state_label(),
        due=record.due_date,
        overdue=overdue,
        owner=owner or (record.assigned_role or None),
        detail=detail,
    )


@dataclass(frozen=True)
class _Waiting:
    """A record that waits for the user, known by its key and due date only, until it makes the list."""

    kind: str
    model: type[WorkflowRecord]
    pk: int
    due: dt.date | None
    detail: str = ""

    @property
    def record(self) -> str:
        return f"{self.model.record_type()}:{self.pk}"


def _assigned(user: User) -> list[_Waiting]:
    roles = user.roles()
    found: list[_Waiting] = []
    for model in workflow_models():
        rows = _open(model).filter(Q(assignee=user) | Q(assignee__isnull=True, assigned_role__in=roles))
        keys = visible_records(user, rows).order_by(*URGENT_FIRST).values_list("pk", "due_date", "assignee_id")
        for pk, due, assignee_id in keys[:MAX_ITEMS]:
            found.append(_Waiting("assigned" if assignee_id == user.pk else "role", model, pk, due))
    return found


def _awaiting_signature(user: User) -> list[_Waiting]:
    if not user.can("records.sign"):
        return []
    found: list[_Waiting] = []
    for model in workflow_models():
        given = meanings_for(user.roles(), model)
        steps = [t for t in model.workflow.transitions if t.meaning in given and user.can(t.permission)]
        # Two signed steps from the same states (a CAPA's close and close_with_follow_up) wait on the
        # same records: read them once; work_for keeps one item per record and kind anyway.
        firsts = {step.sources: step for step in reversed(steps)}
        for step in [s for s in steps if firsts[s.sources] is s]:
            rows = visible_records(user, _open(model).filter(status__in=step.sources))
            keys = list(rows.order_by(*URGENT_FIRST).values_list("pk", "due_date", "version")[:MAX_ITEMS])
            authored = authors_of(model.record_type(), {str(pk): version for pk, _, version in keys}, who=user.pk)
            label = MEANINGS.get(step.meaning or "", step.meaning or "")
            detail = f"{step.label} (signed “{label}”)"
            # segregation of duties: an author does not approve
            found.extend(_Waiting("signature", model, pk, due, detail) for pk, due, _ in keys if not authored[str(pk)])
    return found


def _items(waiting: list[_Waiting], on: dt.date) -> dict[tuple[str, str], WorkItem]:
    """Load the records (one query per type, with what their titles read); return their items by (kind, record)."""
    by_model: dict[type[WorkflowRecord], set[int]] = {}
    for w in waiting:
        by_model.setdefault(w.model, set()).add(w.pk)
    loaded = {
        (model, record.pk): record
        for model, pks in by_model.items()
        for record in model._default_manager.filter(pk__in=pks).select_related("assignee", *model.work_related)
    }
    return {
        (w.kind, w.record): _item(w.kind, loaded[(w.model, w.pk)], on, w.detail)
        for w in waiting
        if (w.model, w.pk) in loaded  # gone meanwhile: nothing to show
    }


def assigned(user: User, on: dt.date) -> list[WorkItem]:
    """Return the open records assigned to the user, or to a role they hold with nobody named."""
    return list(_items(_assigned(user), on).values())


def awaiting_signature(user: User, on: dt.date) -> list[WorkItem]:
    """Return the records waiting in a state whose signed transition the user may take (not their own work)."""
    return list(_items(_awaiting_signature(user), on).values())


def work_for(user: User, *, on: dt.date | None = None) -> list[WorkItem]:
    """Return everything waiting for the user, overdue first, then by due date."""
    from atmp import modules

    day = on or utc_today()
    # Records are known by key and due date until the 500 most urgent are chosen; only those are
    # loaded (a busy QA Approver has thousands waiting: bench/qms.py).
    items: list[WorkItem | _Waiting] = [*_assigned(user), *_awaiting_signature(user)]
    for module in modules.installed():
        for provider in module.work:
            items.extend(modules.load(provider)(user, day))
    seen: set[tuple[str, str]] = set()
    unique = []
    for item in items:
        if (item.kind, item.record) not in seen:
            seen.add((item.kind, item.record))
            unique.append(item)

    def urgency(i: WorkItem | _Waiting) -> tuple[bool, dt.date, str]:
        overdue = i.overdue if isinstance(i, WorkItem) else i.due is not None and i.due < day
        return (not overdue, i.due or dt.date.max, i.record)

    unique.sort(key=urgency)
    chosen = unique[:MAX_ITEMS]
    made = _items([i for i in chosen if isinstance(i, _Waiting)], day)
    return [
        i if isinstance(i, WorkItem) else made[(i.kind, i.record)]
        for i in chosen
        if isinstance(i, WorkItem) or (i.kind, i.record) in made
    ]


def overdue(models: list[type[WorkflowRecord]] | None = None, *, on: dt.date | None = None) -> list[WorkItem]:
    """Return every open record past its due date (of the given types, or of all), oldest due first."""
    day = on or utc_today()
    items: list[WorkItem] = []
    for model in models or workflow_models():
        rows = (
            _open(model)
            .filter(due_date__lt=day)
            .select_related("assignee", *model.work_related)
            .order_by("due_date", "pk")
        )
        items.extend(_item("overdue", r, day) for r in rows)
    items.sort(key=lambda i: (i.due or dt.date.max, i.record))
    return items
