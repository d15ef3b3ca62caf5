"""REST operations of the workflow: transitions, assignment and links of any record that has them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.api.auth import user_of
from atmp.api.schemas import MAX_INT, BodyIn, answers, bounded, segment
from atmp.ledger.api import RecordId, RecordType, visible_record
from atmp.ledger.errors import NotFound
from atmp.ledger.records import GmpRecord
from atmp.workflow import engine, links
from atmp.workflow.models import Link, WorkflowRecord

router = Router(tags=["workflow"])


class OptionOut(Schema):
    """A transition from the record's current state, and why the caller may not take it (if not)."""

    name: str
    label: str
    target: str
    signature_meaning: str | None
    allowed: bool
    reasons: list[str]


class StateOut(Schema):
    """A record's place in its workflow: state, assignment, due date, and the transitions open to the caller."""

    record: str
    version: int
    status: str
    status_label: str
    final: bool
    assignee: str | None
    assigned_role: str
    due_date: dt.date | None
    overdue: bool
    transitions: list[OptionOut]


class TransitionIn(BodyIn):
    """A transition: why, the version seen, and the password (and code) when it is signed."""

    reason: Annotated[str, bounded(2000)]
    version: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None
    password: Annotated[str, bounded(1024)] | None = None
    otp: Annotated[str, bounded(16)] | None = None


class AssignIn(BodyIn):
    """An assignment to a person (username) or a role, with a due date; empty fields clear them."""

    reason: Annotated[str, bounded(2000)]
    assignee: Annotated[str, bounded(150)] | None = None
    role: Annotated[str, bounded(32)] = ""
    due_date: dt.date | None = None
    version: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None


class LinkIn(BodyIn):
    """A link from this record to another, e.g. {"relation": "concerns", "target": "trace.lot:4"}."""

    relation: Annotated[str, bounded(32)]
    target: Annotated[str, bounded(150)]
    note: Annotated[str, bounded(2000)] = ""
    reason: Annotated[str, bounded(2000)] = ""


class UnlinkIn(BodyIn):
    """Why a link is removed (it is voided; the ledger keeps it)."""

    reason: Annotated[str, bounded(2000)]


class LinkOut(Schema):
    """A link as seen from one record: how it reads, and the other end."""

    id: int
    relation: str
    reads: str
    direction: str
    other: str
    other_title: str | None
    note: str
    created_at: str | None


def state_document(user: User, record: GmpRecord) -> dict[str, Any]:
    """Return the record's workflow state and the caller's options, as StateOut."""
    wf = engine.workflow_of(record)
    assert isinstance(record, WorkflowRecord)
    assignee = User.objects.filter(pk=record.assignee_id).first() if record.assignee_id else None
    return {
        "record": record.record_key,
        "version": record.version,
        "status": record.status,
        "status_label": wf.label(record.status),
        "final": wf.is_final(record.status),
        "assignee": assignee.username if assignee else None,
        "assigned_role": record.assigned_role,
        "due_date": record.due_date,
        "overdue": engine.is_overdue(record),
        "transitions": [
            {
                "name": o.name,
                "label": o.transition.label,
                "target": o.transition.target,
                "signature_meaning": o.transition.meaning,
                "allowed": o.allowed,
                "reasons": list(o.reasons),
            }
            for o in engine.available(user, record)
        ],
    }


@router.get("/records/{record_type}/{record_id}/workflow", response=answers({200: StateOut}))
@requires("records.view")
def get_workflow(request: HttpRequest, record_type: RecordType, record_id: RecordId) -> dict[str, Any]:
    """Return the record's state and the transitions the caller may take now, with why not for the others."""
    return state_document(user_of(request), visible_record(request, record_type, record_id))


Name = Annotated[str, segment(40), Field(examples=["approve"])]


@router.post("/records/{record_type}/{record_id}/transitions/{name}", response=answers({200: StateOut}))
@requires("records.write")
def take_transition(
    request: HttpRequest, record_type: RecordType, record_id: RecordId, name: Name, body: TransitionIn
) -> dict[str, Any]:
    """Take a transition; one that needs a signature takes the password (and code) and signs the new version."""
    user = user_of(request)
    record = visible_record(request, record_type, record_id)
    engine.transition(
        user, record, name, reason=body.reason, password=body.password, otp=body.otp, version=body.version
    )
    return state_document(user, record)


@router.put("/records/{record_type}/{record_id}/assignment", response=answers({200: StateOut}))
@requires("records.write")
def assign_record(request: HttpRequest, record_type: RecordType, record_id: RecordId, body: AssignIn) -> dict[str, Any]:
    """Assign the record to a person or a role, with a due date."""
    user = user_of(request)
    record = visible_record(request, record_type, record_id)
    assignee = None
    if body.assignee:
        assignee = User.objects.filter(username=body.assignee).first()
        if assignee is None:
            raise InvalidInput("assignee", f"there is no user {body.assignee!r}")
    engine.assign(
        user,
        record,
        reason=body.reason,
        assignee=assignee,
        role=body.role,
        due_date=body.due_date,
        version=body.version,
    )
    return state_document(user, record)


def link_document(shown: links.ShownLink, record: GmpRecord) -> dict[str, Any]:
    """Return a link as LinkOut, seen from the record."""
    row = shown.link
    outgoing = row.source_type == record.record_type() and row.source_id == str(record.pk)
    return {
        "id": row.pk,
        "relation": row.relation,
        "reads": shown.reads,
        "direction": "outgoing" if outgoing else "incoming",
        "other": shown.other_key,
        "other_title": str(shown.other) if shown.other is not None else None,
        "note": row.note,
        "created_at": row.created_at.isoformat() if row.created_at else None,
    }


@router.get("/records/{record_type}/{record_id}/links", response=answers({200: list[LinkOut]}))
@requires("records.view")
def list_links(request: HttpRequest, record_type: RecordType, record_id: RecordId) -> list[dict[str, Any]]:
    """Return the record's links both ways."""
    record = visible_record(request, record_type, record_id)
    return [link_document(s, record) for s in links.for_record(record, user=user_of(request))]


@router.post("/records/{record_type}/{record_id}/links", response=answers({201: LinkOut}))
@requires("records.write")
def add_link(
    request: HttpRequest, record_type: RecordType, record_id: RecordId, body: LinkIn
) -> Status[dict[str, Any]]:
    """Link the record to another one with a named relation."""
    user = user_of(request)
    record = visible_record(request, record_type, record_id)
    target = links.resolve(body.target, user=user)
    made = links.link(
        actor=user, source=record, target=target, relation=body.relation, note=body.note, reason=body.reason
    )
    shown = next(s for s in links.for_record(record) if s.link.pk == made.pk)
    return Status(201, link_document(shown, record))


@router.post("/links/{link_id}/void", response=answers({200: LinkOut}))
@requires("records.write")
def remove_link(request: HttpRequest, link_id: RecordId, body: UnlinkIn) -> dict[str, Any]:
    """Remove a link: it is voided with the reason, and the ledger keeps that it existed."""
    user = user_of(request)
    row = visible_record(request, Link.record_type(), link_id)
    if not isinstance(row, Link) or row.voided:
        raise NotFound(f"there is no live link {link_id}")
    links.unlink(actor=user, link_record=row, reason=body.reason)
    source = links.resolve(f"{row.source_type}:{row.source_id}")
    shown = links.ShownLink(row, row.get_relation_display(), row.target_type, row.target_id, row.ends()[1])
    return link_document(shown, source)


class WorkItemOut(Schema):
    """One thing waiting for the caller."""

    kind: str
    record: str
    title: str
    status: str
    due: dt.date | None
    overdue: bool
    owner: str | None
    detail: str


class WorkOut(Schema):
    """What waits for the caller, overdue first."""

    user: str
    items: list[WorkItemOut]


@router.get("/work", response=answers({200: WorkOut}))
@requires("records.view")
def my_work(request: HttpRequest) -> dict[str, Any]:
    """Return what waits for the caller: assigned records, signatures their roles may give, training due."""
    from atmp.workflow.work import work_for

    user = user_of(request)
    return {"user": user.username, "items": [i.as_dict() for i in work_for(user)]}
