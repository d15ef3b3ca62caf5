"""Deviations' and planned deviations' pages: the lists, opening, editing and classifying."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import path, reverse

from atmp.lists import ChoiceFilter, Column, DateRangeFilter, ListSpec, TextFilter
from atmp.quality.api import deviations as api
from atmp.quality.models.deviations import (
    FISHBONE_CATEGORIES,
    Classification,
    Deviation,
    PlannedDeviation,
    RootCauseMethod,
)
from atmp.quality.views import capa
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
from atmp.quality.workflows.deviations import DEVIATION_WORKFLOW, PLANNED_DEVIATION_WORKFLOW
from atmp.web.operations import OperationForm

DEVIATIONS = ListSpec(
    name="deviations",
    title="Deviations",
    rows=visible(Deviation, "site", "assignee"),
    default_sort="-number",
    columns=(
        Column("number", "Number", sort="number", link=record_url),
        Column("title", "Title", sort="title"),
        Column("site", "Site", value="site.code", sort="site__code"),
        Column("classification", "Class", value=lambda d: d.classification or "unclassified", sort="classification"),
        Column("occurred", "Occurred (UTC)", value="occurred_at", sort="occurred_at"),
        *workflow_columns(),
    ),
    filters=(
        TextFilter("q", "Number, title or area", fields=("number", "title", "area")),
        ChoiceFilter("classification", "Class", lookup="classification", choices=Classification.choices),
        *workflow_filters(DEVIATION_WORKFLOW),
        DateRangeFilter("occurred", "Occurred", lookup="occurred_at"),
    ),
)

PLANNED = ListSpec(
    name="planned_deviations",
    title="Planned deviations",
    rows=visible(PlannedDeviation, "site", "assignee"),
    default_sort="-number",
    columns=(
        Column("number", "Number", sort="number", link=record_url),
        Column("title", "Title", sort="title"),
        Column("site", "Site", value="site.code", sort="site__code"),
        Column("start", "Starts", value="planned_start", sort="planned_start"),
        Column("end", "Ends", value="planned_end", sort="planned_end"),
        *workflow_columns(),
    ),
    filters=(
        TextFilter("q", "Number or title", fields=("number", "title")),
        *workflow_filters(PLANNED_DEVIATION_WORKFLOW),
    ),
)

OPEN = OperationForm(
    title="Open a deviation",
    operation=api.open_deviation,
    choices={"site": site_choices},
    labels={"occurred_at": "Occurred at (site time)", "discovered_at": "Discovered at (site time)"},
    help={"source": "The record it concerns, as TYPE:ID (e.g. accounts.site:1); it is linked in the same change."},
    submit="Open",
    back="quality:deviations",
)
EDIT = OperationForm(
    title="Edit the deviation",
    operation=api.update_deviation,
    record_type=Deviation.record_type(),
    choices={"root_cause_method": RootCauseMethod.choices},
    initial=api.deviation_document,
    labels={"occurred_at": "Occurred at (site time)", "discovered_at": "Discovered at (site time)"},
    help={"root_cause_categories": "For a fishbone: " + ", ".join(FISHBONE_CATEGORIES) + "."},
)
CLASSIFY = OperationForm(
    title="Classify the deviation",
    operation=api.classify_deviation,
    record_type=Deviation.record_type(),
    choices={"classification": Classification.choices},
    labels={"classification": "Class (only to override the suggested one)"},
    help={
        "severity": "On the site's risk scale (Quality › Risk scales).",
        "override_reason": "Required when the class differs from the one the scores suggest.",
    },
    intro="The class is derived from severity × occurrence × detectability on the site's scale (ICH Q9(R1)); a "
    "critical deviation notifies the Qualified Persons.",
    submit="Classify",
)
OPEN_PLANNED = OperationForm(
    title="Draft a planned deviation",
    operation=api.open_planned,
    choices={"site": site_choices},
    submit="Draft",
    back="quality:planned_deviations",
)
EDIT_PLANNED = OperationForm(
    title="Edit the planned deviation",
    operation=api.update_planned,
    record_type=PlannedDeviation.record_type(),
    initial=api.planned_document,
)


def _capa_for(deviation: Deviation) -> str:
    """Return the new CAPA form, prefilled with the deviation as its source."""
    query = urlencode(
        {"source": deviation.record_key, "site": deviation.site.code, "title": f"CAPA for {deviation.number}"}
    )
    return f"{reverse('quality:capa_new')}?{query}"


ACTIONS = {
    Deviation.record_type(): (
        RecordAction("Edit", "deviation_edit", EDIT),
        RecordAction("Classify", "deviation_classify", CLASSIFY),
        RecordAction("Raise a CAPA", "capa_new", capa.OPEN, url=_capa_for),
    ),
    PlannedDeviation.record_type(): (
        RecordAction("Edit", "planned_deviation_edit", EDIT_PLANNED, when=lambda p: p.status == "draft"),
    ),
}

urlpatterns = [
    path("deviations/", list_view(DEVIATIONS, new="quality:deviation_new"), name="deviations"),
    operation_path("deviations/new/", OPEN, "deviation_new"),
    operation_path("deviations/<int:record_id>/edit/", EDIT, "deviation_edit"),
    operation_path("deviations/<int:record_id>/classify/", CLASSIFY, "deviation_classify"),
    path("planned-deviations/", list_view(PLANNED, new="quality:planned_deviation_new"), name="planned_deviations"),
    operation_path("planned-deviations/new/", OPEN_PLANNED, "planned_deviation_new"),
    operation_path("planned-deviations/<int:record_id>/edit/", EDIT_PLANNED, "planned_deviation_edit"),
]
