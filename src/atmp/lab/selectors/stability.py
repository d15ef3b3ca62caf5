"""The stability studies' list, declared once for its page, its CSV and its API operation."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from atmp.accounts.models import User
from atmp.accounts.visibility import visible_records
from atmp.lab.models.stability import StabilityStudy
from atmp.lab.selectors.viral import site_choices
from atmp.lab.workflows.stability import STABILITY_WORKFLOW
from atmp.lists import ChoiceFilter, Column, ListSpec, TextFilter


def study_url(row: Any) -> str:
    """Return the study's page (its schedule, results, estimate and plot)."""
    return reverse("lab:stability_study", args=[row.pk])


def studies(viewer: User) -> QuerySet[StabilityStudy]:
    """Return the live stability studies of the viewer's sites."""
    rows = StabilityStudy.objects.filter(voided=False).select_related("product", "site")
    return visible_records(viewer, rows)


def _shelf_life(row: StabilityStudy) -> str:
    months = (row.estimate or {}).get("shelf_life_months")
    return "—" if months is None else f"{months} months (signed)"


STABILITY_STUDIES = ListSpec(
    name="stability_studies",
    title="Stability studies",
    rows=studies,
    default_sort="-number",
    columns=(
        Column("number", "Number", sort="number", link=study_url),
        Column("title", "Title", sort="title"),
        Column("product", "Product", value="product.code", sort="product__code"),
        Column("site", "Site", value="site.code", sort="site__code"),
        Column("status", "Status", value=lambda s: s.state_label(), sort="status"),
        Column("shelf_life", "Shelf life", value=_shelf_life),
    ),
    filters=(
        TextFilter("q", "Number, title or product", fields=("number", "title", "product__code")),
        ChoiceFilter(
            "status", "Status", lookup="status", choices=[(s.name, s.label) for s in STABILITY_WORKFLOW.states]
        ),
        ChoiceFilter("site", "Site", lookup="site__code", choices=site_choices),
    ),
)
