"""The potency runs' list, declared once for its page, its CSV and its API operation."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from atmp.accounts.models import User
from atmp.accounts.visibility import visible_records
from atmp.lab.models import PotencyRun
from atmp.lab.selectors.viral import site_choices
from atmp.lab.workflows.potency import POTENCY_RUN_WORKFLOW
from atmp.lists import ChoiceFilter, Column, ListSpec, TextFilter


def run_url(row: Any) -> str:
    """Return the run's page (plate, chart, verdicts, potency)."""
    return reverse("lab:potency_run", args=[row.pk])


def runs(viewer: User) -> QuerySet[PotencyRun]:
    """Return the live potency runs of the viewer's sites."""
    rows = PotencyRun.objects.filter(voided=False).select_related("method", "site", "batch", "reference_lot")
    return visible_records(viewer, rows)


def _potency(row: PotencyRun) -> str:
    results = row.results or {}
    if not results:
        return "—"
    lower, upper = results.get("lower"), results.get("upper")
    limits = f" ({float(lower):.3g}–{float(upper):.3g})" if lower and upper else ""
    return f"{float(results['potency']):.4g}{limits}"


def _validity(row: PotencyRun) -> str:
    if row.valid is None:
        return "—"
    return "valid" if row.valid else "invalid: " + ", ".join((row.results or {}).get("failed", []))


POTENCY_RUNS = ListSpec(
    name="potency_runs",
    title="Potency assay runs",
    rows=runs,
    default_sort="-number",
    columns=(
        Column("number", "Number", sort="number", link=run_url),
        Column("method", "Method", value="method.code", sort="method__code"),
        Column("batch", "Batch", value=lambda r: r.batch.number if r.batch else "—", sort="batch__number"),
        Column("site", "Site", value="site.code", sort="site__code"),
        Column("run_date", "Run date", sort="run_date"),
        Column("model", "Model", value=lambda r: r.get_fit_model_display()),
        Column("status", "Status", value=lambda r: r.state_label(), sort="status"),
        Column("validity", "Validity", value=_validity),
        Column("potency", "Potency (95 % limits)", value=_potency),
    ),
    filters=(
        TextFilter("q", "Number, method or batch", fields=("number", "method__code", "batch__number")),
        ChoiceFilter(
            "status", "Status", lookup="status", choices=[(s.name, s.label) for s in POTENCY_RUN_WORKFLOW.states]
        ),
        ChoiceFilter("site", "Site", lookup="site__code", choices=site_choices),
    ),
)
