"""REST operations of CAPAs and their actions (transitions, links and signatures are generic)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.schemas import BodyIn, answers, bounded
from atmp.ledger.api import RecordId
from atmp.quality.api import common
from atmp.quality.api.deviations import Reason, Text, Title, Version, changes_of
from atmp.quality.models.capa import Capa, CapaAction
from atmp.quality.services import capa as service
from atmp.workflow.links import resolve

router = Router(tags=["quality"])


class ActionOut(Schema):
    """One action of a CAPA: owner, due date, evidence and state."""

    id: int
    record: str
    capa: str
    description: str
    evidence: str
    version: int
    status: str
    status_label: str
    assignee: str | None
    assigned_role: str
    due_date: dt.date | None


def action_document(a: CapaAction) -> dict[str, Any]:
    """Return an action as ActionOut."""
    return {**common.workflow_fields(a), "capa": a.capa.number, "description": a.description, "evidence": a.evidence}


class CapaOut(Schema):
    """A CAPA, its actions and its effectiveness check."""

    id: int
    record: str
    voided: bool
    number: str
    site: str
    title: str
    description: str
    kind: str
    effectiveness_criteria: str
    effectiveness_due: dt.date | None
    effectiveness_outcome: str
    effectiveness_evidence: str
    actions: list[ActionOut]
    version: int
    status: str
    status_label: str
    assignee: str | None
    assigned_role: str
    due_date: dt.date | None


class CapaPage(Schema):
    """A page of CAPAs, newest first."""

    items: list[CapaOut]
    next: int | None


def capa_document(c: Capa) -> dict[str, Any]:
    """Return a CAPA as CapaOut."""
    actions = CapaAction.objects.filter(capa=c, voided=False).select_related("capa", "assignee").order_by("pk")
    return {
        **common.workflow_fields(c),
        "number": c.number,
        "site": c.site.code,
        "title": c.title,
        "description": c.description,
        "kind": c.kind,
        "effectiveness_criteria": c.effectiveness_criteria,
        "effectiveness_due": c.effectiveness_due,
        "effectiveness_outcome": c.effectiveness_outcome,
        "effectiveness_evidence": c.effectiveness_evidence,
        "actions": [action_document(a) for a in actions],
    }


class CapaFilter(common.PageQuery):
    """Filters of the CAPA list."""

    status: Annotated[str, bounded(32)] | None = None
    site: Annotated[str, bounded(20)] | None = None


@router.get("/quality/capas", response=answers({200: CapaPage}))
@requires("records.view")
def list_capas(request: HttpRequest, q: Query[CapaFilter]) -> dict[str, Any]:
    """Return the CAPAs of the caller's sites, newest first."""
    rows = common.visible(request, Capa.objects.select_related("site", "assignee"))
    if q.status:
        rows = rows.filter(status=q.status)
    if q.site:
        rows = rows.filter(site__code=q.site)
    return common.page(rows, q, capa_document)


class CapaIn(BodyIn):
    """A new CAPA; `source` names the record it originates from (e.g. quality.deviation:12)."""

    site: Annotated[str, bounded(20)]
    title: Title
    description: Text
    kind: Annotated[str, bounded(16)] = "corrective"
    source: Annotated[str, bounded(150)] | None = None
    owner: Annotated[str, bounded(150)] | None = None
    due_date: dt.date | None = None
    effectiveness_criteria: Text = ""
    effectiveness_due: dt.date | None = None
    reason: Reason = ""


@router.post("/quality/capas", response=answers({201: CapaOut}))
@requires("records.write")
def open_capa(request: HttpRequest, body: CapaIn) -> Status[dict[str, Any]]:
    """Open a CAPA (numbered CAPA-YYYY-NNNN), linked to its source."""
    actor = user_of(request)
    made = service.open_capa(
        actor=actor,
        site=common.site(body.site),
        title=body.title,
        description=body.description,
        kind=body.kind,
        source=resolve(body.source, field="source", user=actor) if body.source else None,
        owner=common.user(body.owner, field="owner"),
        due_date=body.due_date,
        effectiveness_criteria=body.effectiveness_criteria,
        effectiveness_due=body.effectiveness_due,
        reason=body.reason,
    )
    return Status(201, capa_document(made))


class CapaPatch(BodyIn):
    """Changes to a CAPA; the effectiveness criteria are fixed once the check has started."""

    reason: Reason
    version: Version
    title: Title | None = None
    description: Text | None = None
    kind: Annotated[str, bounded(16)] | None = None
    effectiveness_criteria: Text | None = None
    effectiveness_due: dt.date | None = None


@router.patch("/quality/capas/{record_id}", response=answers({200: CapaOut}))
@requires("records.write")
def update_capa(request: HttpRequest, record_id: RecordId, body: CapaPatch) -> dict[str, Any]:
    """Change a CAPA."""
    capa = common.one(request, Capa, record_id)
    service.update_capa(actor=user_of(request), capa=capa, reason=body.reason, version=body.version, **changes_of(body))
    return capa_document(capa)


class ActionIn(BodyIn):
    """A new action of an open CAPA."""

    description: Text
    owner: Annotated[str, bounded(150)] | None = None
    due_date: dt.date | None = None
    reason: Reason = ""


@router.post("/quality/capas/{record_id}/actions", response=answers({201: ActionOut}))
@requires("records.write")
def add_action(request: HttpRequest, record_id: RecordId, body: ActionIn) -> Status[dict[str, Any]]:
    """Add an action to an open CAPA; mark it done with POST /records/quality.capaaction/{id}/transitions/complete."""
    capa = common.one(request, Capa, record_id)
    action = service.add_action(
        actor=user_of(request),
        capa=capa,
        description=body.description,
        owner=common.user(body.owner, field="owner"),
        due_date=body.due_date,
        reason=body.reason,
    )
    return Status(201, action_document(action))


class EvidenceIn(BodyIn):
    """What was done for an action."""

    evidence: Text
    reason: Reason
    version: Version | None = None


@router.put("/quality/capa-actions/{record_id}/evidence", response=answers({200: ActionOut}))
@requires("records.write")
def record_evidence(request: HttpRequest, record_id: RecordId, body: EvidenceIn) -> dict[str, Any]:
    """Record the evidence of an action (before it is marked done)."""
    action = common.one(request, CapaAction, record_id)
    service.record_evidence(
        actor=user_of(request), action=action, evidence=body.evidence, reason=body.reason, version=body.version
    )
    return action_document(action)


class EffectivenessIn(BodyIn):
    """The effectiveness check's outcome (effective or not_effective) and its evidence."""

    outcome: Annotated[str, bounded(16)]
    evidence: Text
    reason: Reason
    version: Version | None = None


@router.put("/quality/capas/{record_id}/effectiveness", response=answers({200: CapaOut}))
@requires("records.write")
def record_effectiveness(request: HttpRequest, record_id: RecordId, body: EffectivenessIn) -> dict[str, Any]:
    """Record the effectiveness check against the criteria set before it."""
    capa = common.one(request, Capa, record_id)
    service.record_effectiveness(
        actor=user_of(request),
        capa=capa,
        outcome=body.outcome,
        evidence=body.evidence,
        reason=body.reason,
        version=body.version,
    )
    return capa_document(capa)
