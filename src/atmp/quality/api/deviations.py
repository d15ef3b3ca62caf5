"""REST operations of deviations and planned deviations (their transitions, links and signatures are generic)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field, StrictBool

from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.schemas import MAX_INT, BodyIn, answers, bounded
from atmp.ledger.api import RecordId
from atmp.ledger.records import rfc3339
from atmp.quality.api import common
from atmp.quality.models.deviations import Deviation, PlannedDeviation
from atmp.quality.services import deviations as service
from atmp.workflow.links import resolve

router = Router(tags=["quality"])

Text = Annotated[str, bounded(20_000)]
Title = Annotated[str, bounded(200)]
Reason = Annotated[str, bounded(2000)]
Version = Annotated[int, Field(ge=1, le=MAX_INT)]


class DeviationOut(Schema):
    """A deviation: what happened, its class and why, its investigation, and where it is in its workflow."""

    id: int
    record: str
    voided: bool
    number: str
    site: str
    title: str
    description: str
    occurred_at: str
    discovered_at: str | None
    area: str
    immediate_actions: str
    severity: int | None
    occurrence: int | None
    detectability: int | None
    rpn: int | None
    suggested_classification: str
    classification: str
    classification_basis: str
    override_reason: str
    impact_assessment: str
    patient_impact: bool
    root_cause: str
    root_cause_method: str
    root_cause_categories: list[str]
    version: int
    status: str
    status_label: str
    assignee: str | None
    assigned_role: str
    due_date: dt.date | None


class DeviationPage(Schema):
    """A page of deviations, newest first; `next` continues it."""

    items: list[DeviationOut]
    next: int | None


def deviation_document(d: Deviation) -> dict[str, Any]:
    """Return a deviation as DeviationOut."""
    return {
        **common.workflow_fields(d),
        "number": d.number,
        "site": d.site.code,
        "title": d.title,
        "description": d.description,
        "occurred_at": rfc3339(d.occurred_at),
        "discovered_at": rfc3339(d.discovered_at) if d.discovered_at else None,
        "area": d.area,
        "immediate_actions": d.immediate_actions,
        "severity": d.severity,
        "occurrence": d.occurrence,
        "detectability": d.detectability,
        "rpn": d.rpn,
        "suggested_classification": d.suggested_classification,
        "classification": d.classification,
        "classification_basis": d.classification_basis,
        "override_reason": d.override_reason,
        "impact_assessment": d.impact_assessment,
        "patient_impact": d.patient_impact,
        "root_cause": d.root_cause,
        "root_cause_method": d.root_cause_method,
        "root_cause_categories": [c for c in d.root_cause_categories.split(",") if c],
    }


class DeviationFilter(common.PageQuery):
    """Filters of the deviation list."""

    status: Annotated[str, bounded(32)] | None = None
    classification: Annotated[str, bounded(16)] | None = None
    site: Annotated[str, bounded(20)] | None = None


@router.get("/quality/deviations", response=answers({200: DeviationPage}))
@requires("records.view")
def list_deviations(request: HttpRequest, q: Query[DeviationFilter]) -> dict[str, Any]:
    """Return the deviations of the caller's sites, newest first, filtered by status, class and site."""
    rows = common.visible(request, Deviation.objects.select_related("site", "assignee"))
    if q.status:
        rows = rows.filter(status=q.status)
    if q.classification:
        rows = rows.filter(classification=q.classification)
    if q.site:
        rows = rows.filter(site__code=q.site)
    return common.page(rows, q, deviation_document)


class DeviationIn(BodyIn):
    """A new deviation: where and when it happened, what, and what was done at once."""

    site: Annotated[str, bounded(20)]
    title: Title
    description: Text
    occurred_at: dt.datetime
    discovered_at: dt.datetime | None = None
    area: Title = ""
    immediate_actions: Text = ""
    source: Annotated[str, bounded(150)] | None = Field(None, description="the record it concerns, e.g. trace.lot:4")
    reason: Reason = ""


@router.post("/quality/deviations", response=answers({201: DeviationOut}))
@requires("records.write")
def open_deviation(request: HttpRequest, body: DeviationIn) -> Status[dict[str, Any]]:
    """Open a deviation (numbered DEV-YYYY-NNNN), linked to the record it concerns when one is named."""
    actor = user_of(request)
    made = service.open_deviation(
        actor=actor,
        site=common.site(body.site),
        title=body.title,
        description=body.description,
        occurred_at=body.occurred_at,
        discovered_at=body.discovered_at,
        area=body.area,
        immediate_actions=body.immediate_actions,
        source=resolve(body.source, field="source", user=actor) if body.source else None,
        reason=body.reason,
    )
    return Status(201, deviation_document(made))


class DeviationPatch(BodyIn):
    """Changes to a deviation's account, impact or root cause; `reason` and the `version` seen are required."""

    reason: Reason
    version: Version
    title: Title | None = None
    description: Text | None = None
    occurred_at: dt.datetime | None = None
    discovered_at: dt.datetime | None = None
    area: Title | None = None
    immediate_actions: Text | None = None
    impact_assessment: Text | None = None
    patient_impact: StrictBool | None = None
    root_cause: Text | None = None
    root_cause_method: Annotated[str, bounded(16)] | None = None
    root_cause_categories: list[Annotated[str, bounded(20)]] | None = None


def changes_of(body: BodyIn, *, skip: tuple[str, ...] = ("reason", "version")) -> dict[str, Any]:
    """Return the fields a PATCH body sets."""
    return {k: v for k, v in body.model_dump(exclude_unset=True).items() if k not in skip}


@router.patch("/quality/deviations/{record_id}", response=answers({200: DeviationOut}))
@requires("records.write")
def update_deviation(request: HttpRequest, record_id: RecordId, body: DeviationPatch) -> dict[str, Any]:
    """Change a deviation (not its class or status: classification and transitions do that)."""
    deviation = common.one(request, Deviation, record_id)
    service.update_deviation(
        actor=user_of(request), deviation=deviation, reason=body.reason, version=body.version, **changes_of(body)
    )
    return deviation_document(deviation)


Score = Annotated[int, Field(ge=0, le=100)]


class ClassificationIn(BodyIn):
    """The risk scores on the site's scale; a class other than the suggested one needs override_reason."""

    severity: Score
    occurrence: Score
    detectability: Score
    classification: Annotated[str, bounded(16)] | None = None
    override_reason: Text = ""
    reason: Reason
    version: Version | None = None


@router.post("/quality/deviations/{record_id}/classification", response=answers({200: DeviationOut}))
@requires("quality.decide")
def classify_deviation(request: HttpRequest, record_id: RecordId, body: ClassificationIn) -> dict[str, Any]:
    """Classify the deviation from its risk scores (ICH Q9(R1)); critical ones notify the QPs."""
    deviation = common.one(request, Deviation, record_id)
    service.classify(
        actor=user_of(request),
        deviation=deviation,
        severity=body.severity,
        occurrence=body.occurrence,
        detectability=body.detectability,
        classification=body.classification,
        override_reason=body.override_reason,
        reason=body.reason,
        version=body.version,
    )
    return deviation_document(deviation)


class PlannedOut(Schema):
    """A planned deviation: its scope, justification, risk and period."""

    id: int
    record: str
    voided: bool
    number: str
    site: str
    title: str
    description: str
    scope: str
    justification: str
    risk_assessment: str
    planned_start: dt.date | None
    planned_end: dt.date | None
    version: int
    status: str
    status_label: str
    assignee: str | None
    assigned_role: str
    due_date: dt.date | None


class PlannedPage(Schema):
    """A page of planned deviations, newest first."""

    items: list[PlannedOut]
    next: int | None


def planned_document(p: PlannedDeviation) -> dict[str, Any]:
    """Return a planned deviation as PlannedOut."""
    return {
        **common.workflow_fields(p),
        "number": p.number,
        "site": p.site.code,
        "title": p.title,
        "description": p.description,
        "scope": p.scope,
        "justification": p.justification,
        "risk_assessment": p.risk_assessment,
        "planned_start": p.planned_start,
        "planned_end": p.planned_end,
    }


@router.get("/quality/planned-deviations", response=answers({200: PlannedPage}))
@requires("records.view")
def list_planned(request: HttpRequest, q: Query[common.PageQuery]) -> dict[str, Any]:
    """Return the planned deviations of the caller's sites, newest first."""
    rows = common.visible(request, PlannedDeviation.objects.select_related("site", "assignee"))
    return common.page(rows, q, planned_document)


class PlannedIn(BodyIn):
    """A new planned deviation (a draft until submitted)."""

    site: Annotated[str, bounded(20)]
    title: Title
    description: Text
    scope: Text = ""
    justification: Text = ""
    risk_assessment: Text = ""
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None
    reason: Reason = ""


@router.post("/quality/planned-deviations", response=answers({201: PlannedOut}))
@requires("records.write")
def open_planned(request: HttpRequest, body: PlannedIn) -> Status[dict[str, Any]]:
    """Draft a planned deviation (numbered PDV-YYYY-NNNN)."""
    made = service.open_planned_deviation(
        actor=user_of(request),
        site=common.site(body.site),
        **{k: v for k, v in body.model_dump().items() if k != "site"},
    )
    return Status(201, planned_document(made))


class PlannedPatch(BodyIn):
    """Changes to a draft planned deviation."""

    reason: Reason
    version: Version
    title: Title | None = None
    description: Text | None = None
    scope: Text | None = None
    justification: Text | None = None
    risk_assessment: Text | None = None
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None


@router.patch("/quality/planned-deviations/{record_id}", response=answers({200: PlannedOut}))
@requires("records.write")
def update_planned(request: HttpRequest, record_id: RecordId, body: PlannedPatch) -> dict[str, Any]:
    """Change a draft planned deviation; an approved one is not edited."""
    planned = common.one(request, PlannedDeviation, record_id)
    service.update_planned_deviation(
        actor=user_of(request), planned=planned, reason=body.reason, version=body.version, **changes_of(body)
    )
    return planned_document(planned)
