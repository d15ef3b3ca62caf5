"""REST operations of change control: changes, what they affect, their risk assessment, tasks, the QP's approval.

Reading one change, its history, transitions (assess, submit, approve, …) and links are the generic
/records/quality.changecontrol/{id}… operations.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import StrictBool

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.api.auth import user_of
from atmp.api.schemas import BodyIn, Reason, answers, bounded
from atmp.ledger import signatures
from atmp.ledger.api import SignatureOut
from atmp.ledger.errors import NotFound
from atmp.ledger.records import GmpRecord
from atmp.quality.api.paging import page, shown
from atmp.quality.api.risk import Id, RiskPageQuery, Version, one, site_named, visible_sites_only
from atmp.quality.models.changes import AFFECTED_KINDS, ChangeControl, ChangeTask
from atmp.quality.models.risk import RiskAssessment
from atmp.quality.services import changes as services
from atmp.quality.workflows.changes import qp_approvals, risk_assessments
from atmp.workflow import links
from atmp.workflow.api import LinkOut, link_document

router = Router(tags=["quality: change control"])
Item = Annotated[str, bounded(200)]
Key = Annotated[str, bounded(150)]


class AffectedOut(Schema):
    """The items a change affects, as free-text lists (records it affects are links)."""

    products: list[str]
    processes: list[str]
    sites: list[str]
    documents: list[str]
    equipment: list[str]
    systems: list[str]


class ChangeOut(Schema):
    """A change control: content, classification, state, and where its approvals stand."""

    id: int
    record: str
    voided: bool
    number: str
    title: str
    site: str
    status: str
    status_label: str
    version: int
    description: str
    justification: str
    affected: AffectedOut
    regulatory_classification: str
    classification_rationale: str
    regulatory_approval_ref: str
    comparability_required: bool
    affects_certified_product: bool
    effectiveness_review: str
    risk_assessments: list[str]
    qp_approved: bool


class ChangePage(Schema):
    """A page of changes, newest first; pass next_after as `after` for the next (None: no more)."""

    items: list[ChangeOut]
    next_after: int | None


class ChangeQuery(RiskPageQuery):
    """Filters of the list: site code, state, regulatory classification."""

    site: Annotated[str, bounded(20)] | None = None
    status: Annotated[str, bounded(32)] | None = None
    classification: Annotated[str, bounded(32)] | None = None


class ChangeFields(BodyIn):
    """The content of a change (every field optional in a patch)."""

    description: Annotated[str, bounded(20000)] | None = None
    justification: Annotated[str, bounded(20000)] | None = None
    affected_products: list[Item] | None = None
    affected_processes: list[Item] | None = None
    affected_sites: list[Item] | None = None
    affected_documents: list[Item] | None = None
    affected_equipment: list[Item] | None = None
    affected_systems: list[Item] | None = None
    regulatory_classification: Annotated[str, bounded(32)] | None = None
    classification_rationale: Annotated[str, bounded(10000)] | None = None
    regulatory_approval_ref: Annotated[str, bounded(200)] | None = None
    comparability_required: StrictBool | None = None
    affects_certified_product: StrictBool | None = None


class ChangeIn(ChangeFields):
    """A new change at a site; records it affects and its risk assessment (keys or numbers) are linked."""

    site: Annotated[str, bounded(20)]
    title: Annotated[str, bounded(200)]
    affected_records: list[Key] = []
    risk_assessment: Key | None = None
    reason: Reason = ""


class ChangePatch(ChangeFields):
    """A change to a change control's content: the fields to change, and why."""

    title: Annotated[str, bounded(200)] | None = None
    effectiveness_review: Annotated[str, bounded(20000)] | None = None
    reason: Reason
    version: Version | None = None


class AffectedIn(BodyIn):
    """A record the change affects, e.g. {"record": "quality.document:4"} (a document is 'revised')."""

    record: Key
    reason: Reason = ""


class RiskLinkIn(BodyIn):
    """The risk assessment the change rests on: its number (RA-2026-0001) or key."""

    risk_assessment: Key
    reason: Reason = ""


class TaskOut(Schema):
    """An implementation task: owner, due date, and whether (when, with what evidence) it is done."""

    id: int
    version: int
    title: str
    owner: str
    due_date: dt.date | None
    done: bool
    done_on: dt.date | None
    evidence: str


class TaskIn(BodyIn):
    """A new task: what, who (username) and by when."""

    title: Annotated[str, bounded(200)]
    owner: Annotated[str, bounded(150)]
    due_date: dt.date | None = None
    reason: Reason = ""


class TaskPatch(BodyIn):
    """A change to an open task, and why."""

    title: Annotated[str, bounded(200)] | None = None
    owner: Annotated[str, bounded(150)] | None = None
    due_date: dt.date | None = None
    reason: Reason
    version: Version | None = None


class TaskDoneIn(BodyIn):
    """A task done: the evidence, the day (today unless given), and why."""

    evidence: Annotated[str, bounded(10000)]
    done_on: dt.date | None = None
    reason: Reason
    version: Version | None = None


class QpApprovalIn(BodyIn):
    """A Qualified Person's approval of the assessed change: the version seen, password (and code)."""

    password: Annotated[str, bounded(1024)]
    otp: Annotated[str, bounded(16)] | None = None
    version: Version | None = None


def change_document(c: ChangeControl) -> dict[str, Any]:
    """Return a change as ChangeOut."""
    return {
        "id": c.pk,
        "record": c.record_key,
        "voided": c.voided,
        "number": c.number,
        "title": c.title,
        "site": c.site.code,
        "status": c.status,
        "status_label": c.state_label(),
        "version": c.version,
        "description": c.description,
        "justification": c.justification,
        "affected": {k: list(getattr(c, f"affected_{k}")) for k in AFFECTED_KINDS},
        "regulatory_classification": c.regulatory_classification,
        "classification_rationale": c.classification_rationale,
        "regulatory_approval_ref": c.regulatory_approval_ref,
        "comparability_required": c.comparability_required,
        "affects_certified_product": c.affects_certified_product,
        "effectiveness_review": c.effectiveness_review,
        "risk_assessments": [r.number for r in risk_assessments(c)],
        "qp_approved": bool(qp_approvals(c)),
    }


def task_document(t: ChangeTask) -> dict[str, Any]:
    """Return a task as TaskOut."""
    return {
        "id": t.pk,
        "version": t.version,
        "title": t.title,
        "owner": t.owner.username,
        "due_date": t.due_date,
        "done": t.done,
        "done_on": t.done_on,
        "evidence": t.evidence,
    }


def find_assessment(user: User, text: str, *, field: str = "risk_assessment") -> GmpRecord:
    """Return the risk assessment a number (RA-2026-0001) or key names, if the user sees it."""
    if ":" in text:
        return links.resolve(text, field=field, user=user)
    found = RiskAssessment.objects.filter(number=text.strip().upper()).first()
    if found is None or not can_see(user, found):
        raise InvalidInput(field, f"there is no risk assessment {text!r}")
    return found


def _user(username: str, field: str = "owner") -> User:
    found = User.objects.filter(username=username.strip()).first()
    if found is None:
        raise InvalidInput(field, f"there is no user {username!r}")
    return found


def link_out(made: Any, record: GmpRecord) -> dict[str, Any]:
    """Return a link just made as LinkOut, seen from the record."""
    shown = next(s for s in links.for_record(record) if s.link.pk == made.pk)
    return link_document(shown, record)


@router.get("/quality/change-controls", response=answers({200: ChangePage}))
@requires("records.view")
def list_changes(request: HttpRequest, q: Query[ChangeQuery]) -> dict[str, Any]:
    """Return the change controls the caller sees, newest first, filtered."""
    rows = visible_sites_only(request, ChangeControl.objects.select_related("site"), q.site)
    if q.status:
        rows = rows.filter(status=q.status)
    if q.classification:
        rows = rows.filter(regulatory_classification=q.classification)
    found, after = page(shown(rows, voided=q.voided), limit=q.limit, after=q.after)
    return {"items": [change_document(c) for c in found], "next_after": after}


@router.post("/quality/change-controls", response=answers({201: ChangeOut}))
@requires("records.write")
def create_change(request: HttpRequest, body: ChangeIn) -> Status[dict[str, Any]]:
    """Open a change control; the records it affects and its risk assessment are linked at once."""
    user = user_of(request)
    affected = [links.resolve(k, field="affected_records", user=user) for k in body.affected_records]
    assessment = find_assessment(user, body.risk_assessment) if body.risk_assessment else None
    fields = body.model_dump(
        exclude={"site", "title", "affected_records", "risk_assessment", "reason"}, exclude_none=True
    )
    made = services.open_change(
        actor=user,
        site=site_named(request, body.site),
        title=body.title,
        reason=body.reason,
        affected_records=affected,
        risk_assessment=assessment,  # type: ignore[arg-type]
        **fields,
    )
    return Status(201, change_document(made))


@router.patch("/quality/change-controls/{change_id}", response=answers({200: ChangeOut}))
@requires("records.write")
def update_change(request: HttpRequest, change_id: Id, body: ChangePatch) -> dict[str, Any]:
    """Change a change control's content, with a reason (what may change depends on its state)."""
    change = one(request, ChangeControl, change_id)
    fields = body.model_dump(exclude={"reason", "version"}, exclude_none=True)
    changed = services.update_change(
        actor=user_of(request), change=change, reason=body.reason, version=body.version, **fields
    )
    return change_document(changed)


@router.post("/quality/change-controls/{change_id}/affected", response=answers({201: LinkOut}))
@requires("records.write")
def add_affected(request: HttpRequest, change_id: Id, body: AffectedIn) -> Status[dict[str, Any]]:
    """Link a record the change affects (a document it revises, anything else it concerns)."""
    user = user_of(request)
    change = one(request, ChangeControl, change_id)
    target = links.resolve(body.record, field="record", user=user)
    made = services.link_affected(actor=user, change=change, record=target, reason=body.reason)
    return Status(201, link_out(made, change))


@router.post("/quality/change-controls/{change_id}/risk-assessments", response=answers({201: LinkOut}))
@requires("records.write")
def add_risk_assessment(request: HttpRequest, change_id: Id, body: RiskLinkIn) -> Status[dict[str, Any]]:
    """Link the risk assessment the change rests on."""
    user = user_of(request)
    change = one(request, ChangeControl, change_id)
    assessment = find_assessment(user, body.risk_assessment)
    made = services.link_risk_assessment(actor=user, change=change, assessment=assessment, reason=body.reason)
    return Status(201, link_out(made, change))


@router.get("/quality/change-controls/{change_id}/tasks", response=answers({200: list[TaskOut]}))
@requires("records.view")
def list_tasks(request: HttpRequest, change_id: Id) -> list[dict[str, Any]]:
    """Return the change's implementation tasks."""
    change = one(request, ChangeControl, change_id)
    rows = ChangeTask.objects.filter(change=change, voided=False).select_related("owner").order_by("pk")
    return [task_document(t) for t in rows]


@router.post("/quality/change-controls/{change_id}/tasks", response=answers({201: TaskOut}))
@requires("records.write")
def add_task(request: HttpRequest, change_id: Id, body: TaskIn) -> Status[dict[str, Any]]:
    """Add an implementation task with its owner and due date."""
    change = one(request, ChangeControl, change_id)
    made = services.add_task(
        actor=user_of(request),
        change=change,
        title=body.title,
        owner=_user(body.owner),
        due_date=body.due_date,
        reason=body.reason,
    )
    return Status(201, task_document(made))


def _task(request: HttpRequest, change_id: int, task_id: int) -> ChangeTask:
    change = one(request, ChangeControl, change_id)
    found = ChangeTask.objects.filter(pk=task_id, change=change, voided=False).first()
    if found is None:
        raise NotFound(f"{change.number} has no task {task_id}")
    return found


@router.patch("/quality/change-controls/{change_id}/tasks/{task_id}", response=answers({200: TaskOut}))
@requires("records.write")
def update_task(request: HttpRequest, change_id: Id, task_id: Id, body: TaskPatch) -> dict[str, Any]:
    """Change an open task's title, owner or due date, with a reason."""
    task = _task(request, change_id, task_id)
    changed = services.update_task(
        actor=user_of(request),
        task=task,
        reason=body.reason,
        version=body.version,
        title=body.title,
        owner=_user(body.owner) if body.owner else None,
        due_date=body.due_date,
    )
    return task_document(changed)


@router.post("/quality/change-controls/{change_id}/tasks/{task_id}/done", response=answers({200: TaskOut}))
@requires("records.write")
def complete_task(request: HttpRequest, change_id: Id, task_id: Id, body: TaskDoneIn) -> dict[str, Any]:
    """Mark a task done, with its evidence."""
    task = _task(request, change_id, task_id)
    done = services.complete_task(
        actor=user_of(request),
        task=task,
        evidence=body.evidence,
        reason=body.reason,
        done_on=body.done_on,
        version=body.version,
    )
    return task_document(done)


@router.post("/quality/change-controls/{change_id}/qp-approval", response=answers({201: SignatureOut}))
@requires("records.sign")
def qp_approve(request: HttpRequest, change_id: Id, body: QpApprovalIn) -> Status[dict[str, Any]]:
    """Give a Qualified Person's approval of the assessed change (a signature 'approved'), before it is submitted."""
    from atmp.ledger.api import _signature_document

    change = one(request, ChangeControl, change_id)
    sig = services.qp_approve(
        actor=user_of(request), change=change, password=body.password, otp=body.otp, version=body.version
    )
    shown = signatures.ShownSignature(signature=sig, label=signatures.MEANINGS[sig.meaning], superseded=False)
    return Status(201, _signature_document(shown))
