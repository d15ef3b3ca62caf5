"""The viral clearance studies' list, declared once for its page, its CSV and its API operation."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from atmp.accounts.models import User
from atmp.accounts.visibility import visible_records, visible_sites
from atmp.lab.models.viral import ViralClearanceStudy
from atmp.lab.workflows.viral import VIRAL_WORKFLOW
from atmp.lists import ChoiceFilter, Column, ListSpec, TextFilter


def study_url(row: Any) -> str:
    """Return the study's page (its steps, the claim per virus and the chart)."""
    return reverse("lab:viral_study", args=[row.pk])


def site_choices(viewer: User) -> list[tuple[str, str]]:
    """Return (code, name) of the sites the viewer may see."""
    return [(s.code, f"{s.code}: {s.name}") for s in visible_sites(viewer).filter(voided=False).order_by("code")]


def studies(viewer: User) -> QuerySet[ViralClearanceStudy]:
    """Return the live viral clearance studies of the viewer's sites."""
    rows = ViralClearanceStudy.objects.filter(voided=False).select_related("product", "site")
    return visible_records(viewer, rows)


def _claims(row: ViralClearanceStudy) -> str:
    viruses = (row.results or {}).get("viruses", [])
    return "; ".join(f"{v['virus']} {v['claim_text']}" for v in viruses) or "—"


VIRAL_STUDIES = ListSpec(
    name="viral_studies",
    title="Viral clearance studies",
    rows=studies,
    default_sort="-number",
    columns=(
        Column("number", "Number", sort="number", link=study_url),
        Column("title", "Title", sort="title"),
        Column("product", "Product", value="product.code", sort="product__code"),
        Column("site", "Site", value="site.code", sort="site__code"),
        Column("laboratory", "Testing laboratory", sort="laboratory"),
        Column("model_viruses", "Model viruses"),
        Column("status", "Status", value=lambda s: s.state_label(), sort="status"),
        Column("claims", "Approved claims (log10)", value=_claims),
    ),
    filters=(
        TextFilter(
            "q", "Number, title, product or laboratory", fields=("number", "title", "product__code", "laboratory")
        ),
        ChoiceFilter("status", "Status", lookup="status", choices=[(s.name, s.label) for s in VIRAL_WORKFLOW.states]),
        ChoiceFilter("site", "Site", lookup="site__code", choices=site_choices),
    ),
)
