"""REST operations of self-inspections and their findings (transitions, signatures, links: /records/…)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.api.auth import user_of
from atmp.api.schemas import BodyIn, answers, bounded
from atmp.quality.api.complaints import _site
from atmp.quality.api.paging import After, Id, Limit, ShowVoided, Version, common, live, one, page
from atmp.quality.api.suppliers import FindingCapaIn, FindingIn, FindingOut, _changes, finding_doc, user_by_name
from atmp.quality.models.inspections import InspectionFinding, SelfInspection
from atmp.quality.services import inspections as svc

router = Router(tags=["quality: self-inspections"])
Text = Annotated[str, bounded(20000)]
Short = Annotated[str, bounded(200)]
Reason = Annotated[str, bounded(2000)]


class InspectionIn(BodyIn):
    """A self-inspection to plan: site, title, area, date, lead auditor (username), scope."""

    site: Annotated[str, bounded(20)]
    title: Short
    area: Short
    planned_date: dt.date
    lead_auditor: Annotated[str, bounded(150)]
    scope: Text = ""
    reason: Reason = ""


class InspectionPatch(BodyIn):
    """A change of the plan, or the report summary, with why and the version seen."""

    reason: Reason
    version: Version
    title: Short | None = None
    area: Short | None = None
    planned_date: dt.date | None = None
    scope: Text | None = None
    report_summary: Text | None = None
    lead_auditor: Annotated[str, bounded(150)] | None = None


class InspectionOut(Schema):
    id: int
    record: str
    voided: bool
    version: int
    status: str
    status_label: str
    number: str
    site: str
    title: str
    area: str
    planned_date: dt.date
    lead_auditor: str
    scope: str
    report_summary: str
    findings: list[FindingOut]


class InspectionPage(Schema):
    items: list[InspectionOut]
    next: int | None


def inspection_doc(i: SelfInspection) -> dict[str, Any]:
    """Return a self-inspection as InspectionOut."""
    return {
        **common(i),
        "number": i.number,
        "site": i.site.code,
        "title": i.title,
        "area": i.area,
        "planned_date": i.planned_date,
        "lead_auditor": i.lead_auditor.username,
        "scope": i.scope,
        "report_summary": i.report_summary,
        "findings": [finding_doc(f) for f in i.findings.filter(voided=False)],
    }


def _lead(name: str | None) -> User:
    user = user_by_name(name, "lead_auditor")
    if user is None:
        raise InvalidInput("lead_auditor", "name the lead auditor")
    return user


@router.get("/quality/inspections", response=answers({200: InspectionPage}))
@requires("records.view")
def list_inspections(
    request: HttpRequest,
    limit: Limit = 50,
    after: After = None,
    status: Annotated[str, bounded(32)] = "",
    voided: ShowVoided = False,
) -> dict[str, Any]:
    """List self-inspections, newest first (?status= filters)."""
    rows = SelfInspection.objects.all()
    if status:
        rows = rows.filter(status=status)
    items, cursor = page(live(user_of(request), rows, voided=voided), limit=limit, after=after)
    return {"items": [inspection_doc(i) for i in items], "next": cursor}


@router.post("/quality/inspections", response=answers({201: InspectionOut}))
@requires("records.write")
def create_inspection(request: HttpRequest, body: InspectionIn) -> Status[dict[str, Any]]:
    """Plan a self-inspection."""
    made = svc.plan_inspection(
        actor=user_of(request),
        site=_site(body.site),
        lead_auditor=_lead(body.lead_auditor),
        **body.model_dump(exclude={"site", "lead_auditor"}),
    )
    return Status(201, inspection_doc(made))


@router.patch("/quality/inspections/{inspection_id}", response=answers({200: InspectionOut}))
@requires("records.write")
def update_inspection(request: HttpRequest, inspection_id: Id, body: InspectionPatch) -> dict[str, Any]:
    """Change the plan, or write the report summary."""
    user = user_of(request)
    changes = _changes(body)
    if "lead_auditor" in changes:
        changes["lead_auditor"] = _lead(changes["lead_auditor"])
    i = svc.update_inspection(
        actor=user,
        inspection=one(user, SelfInspection, inspection_id),
        reason=body.reason,
        version=body.version,
        **changes,
    )
    return inspection_doc(i)


@router.post("/quality/inspections/{inspection_id}/findings", response=answers({201: FindingOut}))
@requires("records.write")
def create_finding(request: HttpRequest, inspection_id: Id, body: FindingIn) -> Status[dict[str, Any]]:
    """Record a finding of the self-inspection."""
    user = user_of(request)
    made = svc.add_finding(
        actor=user,
        inspection=one(user, SelfInspection, inspection_id),
        classification=body.classification,
        description=body.description,
        reason=body.reason,
    )
    return Status(201, finding_doc(made))


@router.post("/quality/inspection-findings/{finding_id}/capa", response=answers({200: FindingOut}))
@requires("records.write")
def link_capa(request: HttpRequest, finding_id: Id, body: FindingCapaIn) -> dict[str, Any]:
    """Link the CAPA that addresses the finding."""
    user = user_of(request)
    finding = one(user, InspectionFinding, finding_id)
    svc.link_finding_capa(actor=user, finding=finding, capa=body.capa, reason=body.reason)
    return finding_doc(finding)
