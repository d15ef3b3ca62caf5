"""REST operations of the quality KPIs and management reviews."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.schemas import BodyIn, answers, bounded
from atmp.ledger.api import RecordId
from atmp.quality.api import common
from atmp.quality.api.deviations import Reason, Text, Title, Version, changes_of
from atmp.quality.models.reviews import ManagementReview
from atmp.quality.services import reviews as service

router = Router(tags=["quality"])


class KpiQuery(Schema):
    """For which site (default every site) and as of which day (default today, UTC)."""

    site: Annotated[str, bounded(20)] | None = None
    # ISO date text, parsed below: pydantic would take a bare number (0) for a date.
    at: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = Field(None, examples=["2026-12-31"])


@router.get("/quality/kpis", response=answers({200: dict[str, Any]}))
@requires("records.view")
def get_kpis(request: HttpRequest, q: Query[KpiQuery]) -> dict[str, Any]:
    """Return the quality KPIs computed from the records as of a day."""
    from atmp.accounts.errors import InvalidInput
    from atmp.quality.cli.kpis import printable
    from atmp.quality.selectors.kpis import kpis
    from atmp.workflow.engine import today

    user = user_of(request)
    site = common.site(q.site) if q.site else None
    if site is None and user.site_ids() is not None:
        raise InvalidInput("site", "you work at some sites only: name one of them")
    if site is not None and user.site_ids() is not None and site.pk not in (user.site_ids() or set()):
        raise InvalidInput("site", f"{site.code} is not one of your sites")
    try:
        day = dt.date.fromisoformat(q.at) if q.at else today()
    except ValueError:
        raise InvalidInput("at", f"{q.at!r} is not a date like 2026-12-31") from None
    return printable(kpis(day=day, site=site))


class ReviewOut(Schema):
    """A management review; `kpis` is empty until it is approved (then frozen)."""

    id: int
    record: str
    voided: bool
    number: str
    site: str | None
    title: str
    period_start: dt.date
    period_end: dt.date
    attendees: str
    summary: str
    decisions: str
    kpis: dict[str, Any]
    version: int
    status: str
    status_label: str


def review_document(r: ManagementReview) -> dict[str, Any]:
    """Return a review as ReviewOut."""
    return {
        **common.workflow_fields(r),
        "number": r.number,
        "site": r.site.code if r.site_id and r.site else None,
        "title": r.title,
        "period_start": r.period_start,
        "period_end": r.period_end,
        "attendees": r.attendees,
        "summary": r.summary,
        "decisions": r.decisions,
        "kpis": r.kpis,
    }


class ReviewPage(Schema):
    """A page of management reviews, newest first."""

    items: list[ReviewOut]
    next: int | None


@router.get("/quality/management-reviews", response=answers({200: ReviewPage}))
@requires("records.view")
def list_reviews(request: HttpRequest, q: Query[common.PageQuery]) -> dict[str, Any]:
    """Return the management reviews of the caller's sites, newest first."""
    rows = common.visible(request, ManagementReview.objects.select_related("site", "assignee"))
    return common.page(rows, q, review_document)


class ReviewIn(BodyIn):
    """A management review to plan: its period, and its site (none: every site)."""

    title: Title
    period_start: dt.date
    period_end: dt.date
    site: Annotated[str, bounded(20)] | None = None
    attendees: Text = ""
    reason: Reason = ""


@router.post("/quality/management-reviews", response=answers({201: ReviewOut}))
@requires("quality.decide")
def plan_review(request: HttpRequest, body: ReviewIn) -> Status[dict[str, Any]]:
    """Plan a management review (numbered MR-YYYY-NNNN)."""
    made = service.plan_review(
        actor=user_of(request),
        title=body.title,
        period_start=body.period_start,
        period_end=body.period_end,
        site=common.site(body.site) if body.site else None,
        attendees=body.attendees,
        reason=body.reason,
    )
    return Status(201, review_document(made))


class ReviewPatch(BodyIn):
    """The review's attendees, summary and decisions."""

    reason: Reason
    version: Version
    title: Title | None = None
    attendees: Text | None = None
    summary: Text | None = None
    decisions: Text | None = None


@router.patch("/quality/management-reviews/{record_id}", response=answers({200: ReviewOut}))
@requires("records.write")
def update_review(request: HttpRequest, record_id: RecordId, body: ReviewPatch) -> dict[str, Any]:
    """Write the review's discussion; approve it with POST /records/quality.managementreview/{id}/transitions/…"""
    review = common.one(request, ManagementReview, record_id)
    service.update_review(
        actor=user_of(request), review=review, reason=body.reason, version=body.version, **changes_of(body)
    )
    return review_document(review)
