"""Management reviews' pages: the list, planning and writing a review; the quality KPIs of a site at a day."""

from __future__ import annotations

from typing import Any

import pydantic
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.accounts.visibility import visible_sites
from atmp.lists import Column, DateRangeFilter, ListSpec, TextFilter
from atmp.quality.api import reviews as api
from atmp.quality.models.reviews import ManagementReview
from atmp.quality.views.common import (
    RecordAction,
    list_view,
    operation_path,
    record_url,
    site_choices,
    visible,
    workflow_columns,
    workflow_filters,
)
from atmp.quality.workflows.reviews import MANAGEMENT_REVIEW_WORKFLOW
from atmp.web.operations import OperationForm
from atmp.web.pages import message_of, page

REVIEWS = ListSpec(
    name="management_reviews",
    title="Management reviews",
    rows=visible(ManagementReview, "site", "assignee"),
    default_sort="-number",
    columns=(
        Column("number", "Number", sort="number", link=record_url),
        Column("title", "Title", sort="title"),
        Column("site", "Site", value=lambda r: r.site.code if r.site_id else "every site", sort="site__code"),
        Column("period_start", "From", value="period_start", sort="period_start"),
        Column("period_end", "To", value="period_end", sort="period_end"),
        *workflow_columns(),
    ),
    filters=(
        TextFilter("q", "Number or title", fields=("number", "title")),
        *workflow_filters(MANAGEMENT_REVIEW_WORKFLOW),
        DateRangeFilter("period", "Period ends", lookup="period_end"),
    ),
)

PLAN = OperationForm(
    title="Plan a management review",
    operation=api.plan_review,
    choices={"site": site_choices},
    labels={"site": "Site (none: every site)"},
    intro="The review's KPIs are computed from the records and frozen into it when it is approved (ICH Q10 §4.1).",
    submit="Plan",
    back="quality:management_reviews",
)
EDIT = OperationForm(
    title="Write the management review",
    operation=api.update_review,
    record_type=ManagementReview.record_type(),
    initial=api.review_document,
    help={"decisions": "What management decided: actions, resources, changes to the quality system."},
)

ACTIONS = {ManagementReview.record_type(): (RecordAction("Edit", "management_review_edit", EDIT),)}


# --- the KPIs ------------------------------------------------------------------------------------


def _shown(key: str, value: Any) -> str:
    """Return a KPI's value as the page prints it: ratios in percent, counts by kind joined."""
    if key.endswith("_compliance") and isinstance(value, int | float):
        return f"{value * 100:.1f} %"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items()) or "—"
    return "—" if value is None else str(value)


@requires("records.view")
def kpis(request: HttpRequest) -> HttpResponse:
    """Show the quality KPIs of a site (or every site) as of a day: GET /api/v1/quality/kpis, as a page."""
    viewer: User = request.user  # type: ignore[assignment]
    sites = list(visible_sites(viewer).filter(voided=False).order_by("code"))
    every_site = viewer.site_ids() is None
    site = (request.GET.get("site") or "").strip().upper() or (None if every_site or not sites else sites[0].code)
    at = (request.GET.get("at") or "").strip() or None
    errors: dict[str, str] = {}
    found: dict[str, Any] = {}
    try:
        query = api.KpiQuery.model_validate({"site": site, "at": at})
        request.auth_user = viewer  # type: ignore[attr-defined]  # what the API's auth sets
        found = api.get_kpis(request, q=query)
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            where = str(error["loc"][0]) if error.get("loc") else "at"
            errors[where] = "not a date like 2026-12-31" if where == "at" else str(error["msg"])
    except InvalidInput as exc:
        errors[exc.field] = message_of(exc)
    rows = [
        (key.replace("_", " ").capitalize().replace("Capa", "CAPA"), _shown(key, value), key)
        for key, value in found.items()
        if key not in ("at", "site")
    ]
    context = {
        "sites": sites,
        "every_site": every_site,
        "site": site or "",
        "at": at or "",
        "found": found,
        "rows": rows,
        "errors": errors,
    }
    return render(request, "quality/kpis.html", context, status=400 if errors else 200)


urlpatterns = [
    path("management-reviews/", list_view(REVIEWS, new="quality:management_review_new"), name="management_reviews"),
    operation_path("management-reviews/new/", PLAN, "management_review_new"),
    operation_path("management-reviews/<int:record_id>/edit/", EDIT, "management_review_edit"),
    path("kpis/", page(kpis), name="kpis"),
]
