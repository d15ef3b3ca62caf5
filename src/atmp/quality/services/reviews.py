"""Management reviews: plan one for a period and write its discussion; its KPIs are computed, never typed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see
from atmp.ledger import writer
from atmp.quality import numbering
from atmp.quality.models.reviews import ManagementReview
from atmp.quality.services import edits

EDITABLE: dict[str, Any] = {
    "title": edits.title,
    "attendees": lambda x: edits.text(x, "attendees"),
    "summary": lambda x: edits.text(x, "summary"),
    "decisions": lambda x: edits.text(x, "decisions"),
}


def plan_review(
    *,
    actor: User,
    title: str,
    period_start: dt.date,
    period_end: dt.date,
    site: Site | None = None,
    attendees: str = "",
    reason: str = "",
) -> ManagementReview:
    """Plan a management review of a period, for a site or (no site) for every site."""
    if not actor.can("quality.decide"):
        raise NotAllowed("a management review is QA's: your roles do not grant 'quality.decide'")
    if site is not None and not can_see(actor, site):
        raise InvalidInput("site", f"{site.code} is not one of your sites")
    if site is None and actor.site_ids() is not None:
        raise InvalidInput("site", "you work at some sites only: name the site the review covers")
    if period_end < period_start:
        raise InvalidInput("period_end", "cannot be before period_start")
    review = ManagementReview(
        site=site,
        title=edits.title(title),
        period_start=period_start,
        period_end=period_end,
        attendees=edits.text(attendees, "attendees"),
    )
    with writer.change(actor=actor, reason=reason) as ch:
        review.number = numbering.next_number(ch, ManagementReview, "MR", period_end.year)
        ch.save(review)
    return review


def update_review(
    *, actor: User, review: ManagementReview, reason: str, version: int | None = None, **changes: Any
) -> ManagementReview:
    """Write the review's attendees, summary and decisions (its KPIs are computed)."""
    edits.check_may_edit(actor, review, version=version)
    return edits.apply(actor=actor, record=review, values=edits.check_fields(changes, EDITABLE), reason=reason)
