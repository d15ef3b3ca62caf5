"""Self-inspections: planning, findings and their CAPA, the report (EudraLex Vol. 4 Part I Ch. 9)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.accounts.roles import Role
from atmp.accounts.services import can_see
from atmp.ledger import writer
from atmp.quality import findings
from atmp.quality.models.inspections import InspectionFinding, SelfInspection
from atmp.quality.models.suppliers import FindingClass
from atmp.quality.numbering import next_number
from atmp.quality.services import edits
from atmp.workflow.models import Link

UNSET: Any = object()
OPEN = ("planned", "in_progress", "reporting")


def _lead(user: User, site: Site, inspection: SelfInspection | None = None) -> User:
    if not user.is_active:
        raise InvalidInput("lead_auditor", f"{user.username} is disabled")
    if Role.SYSTEM_ADMIN in user.roles() or not user.can("records.write"):
        raise InvalidInput("lead_auditor", f"{user.username} does not take GMP work")
    ids = user.site_ids()
    if ids is not None and site.pk not in ids:
        raise InvalidInput("lead_auditor", f"{user.username} does not work at site {site.code}")
    return user


def plan_inspection(
    *,
    actor: User,
    site: Site,
    title: str,
    area: str,
    planned_date: dt.date | str,
    lead_auditor: User,
    scope: str = "",
    reason: str = "",
) -> SelfInspection:
    """Plan a self-inspection of an area with its lead auditor."""
    edits.check_writer(actor, SelfInspection, site=site)
    planned = edits.date(planned_date, "planned_date", required=True)
    assert planned is not None
    inspection = SelfInspection(
        site=site,
        title=edits.text(title, "title", required=True, limit=200),
        area=edits.text(area, "area", required=True, limit=200),
        planned_date=planned,
        lead_auditor=_lead(lead_auditor, site),
        scope=edits.text(scope, "scope"),
    )
    with writer.change(actor=actor, reason=reason) as ch:
        inspection.number = next_number(ch, SelfInspection, "SI", planned.year)
        ch.save(inspection)
    return inspection


def update_inspection(
    *,
    actor: User,
    inspection: SelfInspection,
    reason: str,
    version: int | None,
    title: str = UNSET,
    area: str = UNSET,
    planned_date: dt.date | str = UNSET,
    scope: str = UNSET,
    report_summary: str = UNSET,
    lead_auditor: User = UNSET,
) -> SelfInspection:
    """Change an open self-inspection's plan, or write its report summary."""
    edits.check_may_edit(actor, inspection, version=version, states=OPEN)
    values: dict[str, Any] = {}
    if title is not UNSET:
        values["title"] = edits.text(title, "title", required=True, limit=200)
    if area is not UNSET:
        values["area"] = edits.text(area, "area", required=True, limit=200)
    if planned_date is not UNSET:
        values["planned_date"] = edits.date(planned_date, "planned_date", required=True)
    if scope is not UNSET:
        values["scope"] = edits.text(scope, "scope")
    if report_summary is not UNSET:
        values["report_summary"] = edits.text(report_summary, "report_summary")
    if lead_auditor is not UNSET:
        values["lead_auditor"] = _lead(lead_auditor, inspection.site)
    return edits.apply(actor=actor, record=inspection, values=values, reason=reason)


def add_finding(
    *, actor: User, inspection: SelfInspection, classification: str, description: str, reason: str = ""
) -> InspectionFinding:
    """Record a finding of a self-inspection that is under way or being reported."""
    edits.check_may_edit(actor, inspection, version=None, states=("in_progress", "reporting"))
    finding = InspectionFinding(
        inspection=inspection,
        classification=edits.choice(classification, "classification", FindingClass.values),
        description=edits.text(description, "description", required=True),
    )
    with writer.change(actor=actor, reason=reason) as ch:
        ch.save(finding)
    return finding


def link_finding_capa(*, actor: User, finding: InspectionFinding, capa: str, reason: str = "") -> Link:
    """Link the CAPA (by record key, e.g. quality.capa:7) that addresses a self-inspection finding."""
    edits.check_may_edit(actor, finding.inspection, version=None, states=OPEN)
    if not can_see(actor, finding):
        raise InvalidInput("finding", f"there is no record {finding.record_key}")
    return findings.link_capa(actor=actor, finding=finding, capa=capa, reason=reason)
