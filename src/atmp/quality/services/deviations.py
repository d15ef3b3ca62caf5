"""Deviations: open (by a person or another module's service), edit, classify from the risk scores, link impact."""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import Site, User
from atmp.accounts.roles import Role
from atmp.accounts.services import can_see
from atmp.ledger import clock, writer
from atmp.ledger.errors import Conflict
from atmp.ledger.records import GmpRecord
from atmp.quality import numbering, risk
from atmp.quality.models.deviations import (
    FISHBONE_CATEGORIES,
    Classification,
    Deviation,
    PlannedDeviation,
    RootCauseMethod,
)
from atmp.quality.services import edits
from atmp.workflow import links
from atmp.workflow.notify import holders_of, notify


def _site_for(actor: User, site: Site) -> Site:
    if not can_see(actor, site):
        raise InvalidInput("site", f"{site.code} is not one of your sites")
    if site.voided:
        raise InvalidInput("site", f"{site.code} is voided")
    return site


def _categories(value: str | list[str]) -> str:
    items = [c.strip() for c in (value.split(",") if isinstance(value, str) else value) if c.strip()]
    unknown = [c for c in items if c not in FISHBONE_CATEGORIES]
    if unknown:
        raise InvalidInput("root_cause_categories", f"{unknown} are not among: {', '.join(FISHBONE_CATEGORIES)}")
    return ",".join(dict.fromkeys(items))


EDITABLE: dict[str, Any] = {
    "title": edits.title,
    "description": lambda x: edits.text(x, "description", required=True),
    "occurred_at": lambda x: edits.past_moment(x, "occurred_at"),
    "discovered_at": lambda x: None if x is None else edits.past_moment(x, "discovered_at"),
    "area": lambda x: edits.text(x, "area", limit=200),
    "immediate_actions": lambda x: edits.text(x, "immediate_actions"),
    "impact_assessment": lambda x: edits.text(x, "impact_assessment"),
    "patient_impact": bool,
    "root_cause": lambda x: edits.text(x, "root_cause"),
    "root_cause_method": lambda x: edits.choice(x, "root_cause_method", RootCauseMethod.values, blank=True),
    "root_cause_categories": _categories,
}


def open_deviation(
    *,
    actor: User,
    site: Site,
    title: str,
    description: str,
    occurred_at: dt.datetime,
    discovered_at: dt.datetime | None = None,
    area: str = "",
    immediate_actions: str = "",
    source: GmpRecord | None = None,
    reason: str = "",
) -> Deviation:
    """Record a deviation; opened by another module's service, it is linked to its source in the same change."""
    if not actor.can(Deviation.write_permission):
        raise NotAllowed(f"your roles do not grant {Deviation.write_permission!r}")
    deviation = Deviation(
        site=_site_for(actor, site),
        title=edits.title(title),
        description=edits.text(description, "description", required=True),
        occurred_at=edits.past_moment(occurred_at, "occurred_at"),
        discovered_at=None if discovered_at is None else edits.past_moment(discovered_at, "discovered_at"),
        area=edits.text(area, "area", limit=200),
        immediate_actions=edits.text(immediate_actions, "immediate_actions"),
    )
    if deviation.discovered_at and deviation.discovered_at < deviation.occurred_at:
        raise InvalidInput("discovered_at", "cannot be before occurred_at")
    with writer.change(actor=actor, reason=reason) as ch:
        deviation.number = numbering.next_number(ch, Deviation, "DEV", clock.now().year)
        ch.save(deviation)
        if source is not None:
            links.link(actor=actor, source=deviation, target=source, relation="concerns", reason=reason)
    return deviation


def update_deviation(
    *, actor: User, deviation: Deviation, reason: str, version: int | None = None, **changes: Any
) -> Deviation:
    """Change the deviation's description, impact or root cause (not its class: classify does that)."""
    edits.check_may_edit(actor, deviation, version=version)
    return edits.apply(actor=actor, record=deviation, values=edits.check_fields(changes, EDITABLE), reason=reason)


def classify(
    *,
    actor: User,
    deviation: Deviation,
    severity: int,
    occurrence: int,
    detectability: int,
    reason: str,
    classification: str | None = None,
    override_reason: str = "",
    version: int | None = None,
) -> Deviation:
    """Score the deviation on the site's scale and set its class: the suggested one, or an override with a reason.

    A critical deviation notifies the site's Qualified Persons once the change commits.
    """
    if not actor.can("quality.decide"):
        raise NotAllowed("classifying a deviation is QA's decision: your roles do not grant 'quality.decide'")
    edits.check_may_edit(actor, deviation, version=version)
    from atmp.quality.services.risk import scale_for

    scale = scale_for(deviation.site)
    try:
        found = risk.assess(severity, occurrence, detectability, scale)
    except ValueError as exc:
        field, _, rule = str(exc).partition(": ")
        raise InvalidInput(field, rule) from None
    chosen = classification or found.suggested
    edits.choice(chosen, "classification", Classification.values)
    override = edits.text(override_reason, "override_reason")
    if chosen != found.suggested and not override:
        raise InvalidInput(
            "override_reason",
            f"the scores suggest {found.suggested} ({found.because}): say why it is {chosen} (ICH Q9(R1))",
        )
    was_critical = deviation.classification == Classification.CRITICAL
    deviation.severity, deviation.occurrence, deviation.detectability = severity, occurrence, detectability
    deviation.rpn, deviation.suggested_classification = found.rpn, found.suggested
    deviation.classification_basis = found.because
    deviation.classification = chosen
    deviation.override_reason = override if chosen != found.suggested else ""
    with writer.change(actor=actor, reason=reason) as ch:
        ch.save(deviation)
    if chosen == Classification.CRITICAL and not was_critical:
        notify(
            to=holders_of(Role.QUALIFIED_PERSON, site_id=deviation.site_id),
            subject=f"Critical deviation {deviation.number}: {deviation.title}",
            body=f"{deviation.number} at {deviation.site.code} was classified critical by {actor.full_name}.\n"
            f"{deviation.classification_basis}\n\n{deviation.description[:2000]}",
            record=deviation,
        )
    return deviation


def add_impact(*, actor: User, deviation: Deviation, record: GmpRecord, reason: str = "") -> Any:
    """Record that the deviation concerns another record (a batch, lot, product, equipment, EM result)."""
    edits.check_may_edit(actor, deviation, version=None)
    return links.link(actor=actor, source=deviation, target=record, relation="concerns", reason=reason)


PLANNED_EDITABLE: dict[str, Any] = {
    "title": edits.title,
    "description": lambda x: edits.text(x, "description", required=True),
    "scope": lambda x: edits.text(x, "scope"),
    "justification": lambda x: edits.text(x, "justification"),
    "risk_assessment": lambda x: edits.text(x, "risk_assessment"),
    "planned_start": lambda x: x,
    "planned_end": lambda x: x,
}


def _check_period(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise InvalidInput("planned_end", "cannot be before planned_start")


def open_planned_deviation(
    *,
    actor: User,
    site: Site,
    title: str,
    description: str,
    scope: str = "",
    justification: str = "",
    risk_assessment: str = "",
    planned_start: dt.date | None = None,
    planned_end: dt.date | None = None,
    reason: str = "",
) -> PlannedDeviation:
    """Draft a planned deviation: a departure to approve before the event, for a scope and a period."""
    if not actor.can(PlannedDeviation.write_permission):
        raise NotAllowed(f"your roles do not grant {PlannedDeviation.write_permission!r}")
    planned = PlannedDeviation(
        site=_site_for(actor, site),
        title=edits.title(title),
        description=edits.text(description, "description", required=True),
        scope=edits.text(scope, "scope"),
        justification=edits.text(justification, "justification"),
        risk_assessment=edits.text(risk_assessment, "risk_assessment"),
        planned_start=planned_start,
        planned_end=planned_end,
    )
    _check_period(planned.planned_start, planned.planned_end)
    with writer.change(actor=actor, reason=reason) as ch:
        planned.number = numbering.next_number(ch, PlannedDeviation, "PDV", clock.now().year)
        ch.save(planned)
    return planned


def update_planned_deviation(
    *, actor: User, planned: PlannedDeviation, reason: str, version: int | None = None, **changes: Any
) -> PlannedDeviation:
    """Change a draft planned deviation; once approved it is not edited (cancel it and plan anew)."""
    edits.check_may_edit(actor, planned, version=version)
    if planned.status == "approved":
        raise Conflict(f"{planned.number} is approved: an approved plan is not edited; cancel it and plan anew")
    values = edits.check_fields(changes, PLANNED_EDITABLE)
    _check_period(values.get("planned_start", planned.planned_start), values.get("planned_end", planned.planned_end))
    return edits.apply(actor=actor, record=planned, values=values, reason=reason)
