"""Self-inspections' pages: the list, planning and the report, findings and the CAPA that address them."""

from __future__ import annotations

from django.urls import path

from atmp.lists import Column, DateRangeFilter, ListSpec, TextFilter
from atmp.quality.api import inspections as api
from atmp.quality.models.inspections import InspectionFinding, SelfInspection
from atmp.quality.models.suppliers import FindingClass
from atmp.quality.views.common import (
    CAPA_HELP,
    RecordAction,
    list_view,
    operation_path,
    record_url,
    site_choices,
    visible,
    workflow_columns,
    workflow_filters,
)
from atmp.quality.workflows.inspections import INSPECTION_WORKFLOW
from atmp.web.operations import OperationForm

OPEN = ("planned", "in_progress", "reporting")  # the states that take edits (services.inspections)
TAKES_FINDINGS = ("in_progress", "reporting")

INSPECTIONS = ListSpec(
    name="inspections",
    title="Self-inspections",
    rows=visible(SelfInspection, "site", "assignee", "lead_auditor"),
    default_sort="-planned_date",
    columns=(
        Column("number", "Number", sort="number", link=record_url),
        Column("title", "Title", sort="title"),
        Column("site", "Site", value="site.code", sort="site__code"),
        Column("area", "Area", sort="area"),
        Column("planned_date", "Planned", sort="planned_date"),
        Column("lead_auditor", "Lead auditor", value="lead_auditor.username", sort="lead_auditor__username"),
        *workflow_columns(),
    ),
    filters=(
        TextFilter("q", "Number, title or area", fields=("number", "title", "area")),
        DateRangeFilter("planned", "Planned", lookup="planned_date"),
        *workflow_filters(INSPECTION_WORKFLOW),
    ),
)

_AUDITOR_HELP = "The username of the lead auditor (independent of the area inspected)."

NEW = OperationForm(
    title="Plan a self-inspection",
    operation=api.create_inspection,
    choices={"site": site_choices},
    help={"lead_auditor": _AUDITOR_HELP},
    submit="Plan",
    back="quality:inspections",
)
EDIT = OperationForm(
    title="Edit the self-inspection",
    operation=api.update_inspection,
    record_type=SelfInspection.record_type(),
    path="inspection_id",
    initial=api.inspection_doc,
    help={"lead_auditor": _AUDITOR_HELP},
    intro="The report summary is needed to close the self-inspection.",
)
ADD_FINDING = OperationForm(
    title="Record a finding",
    operation=api.create_finding,
    record_type=SelfInspection.record_type(),
    path="inspection_id",
    choices={"classification": FindingClass.choices},
    intro="A critical or major finding needs a linked CAPA before the self-inspection closes.",
    submit="Add",
    returns="record",
)
LINK_CAPA = OperationForm(
    title="Link the CAPA that addresses the finding",
    operation=api.link_capa,
    record_type=InspectionFinding.record_type(),
    path="finding_id",
    labels={"capa": "CAPA"},
    help={"capa": CAPA_HELP},
    submit="Link",
    returns="record",
)

ACTIONS = {
    SelfInspection.record_type(): (
        RecordAction("Edit", "inspection_edit", EDIT),
        RecordAction("Add finding", "inspection_finding_new", ADD_FINDING, when=lambda i: i.status in TAKES_FINDINGS),
    ),
    InspectionFinding.record_type(): (
        RecordAction("Link CAPA", "inspection_finding_capa", LINK_CAPA, when=lambda f: f.inspection.status in OPEN),
    ),
}

urlpatterns = [
    path("inspections/", list_view(INSPECTIONS, new="quality:inspection_new"), name="inspections"),
    operation_path("inspections/new/", NEW, "inspection_new"),
    operation_path("inspections/<int:record_id>/edit/", EDIT, "inspection_edit"),
    operation_path("inspections/<int:record_id>/findings/new/", ADD_FINDING, "inspection_finding_new"),
    operation_path("inspection-findings/<int:record_id>/capa/", LINK_CAPA, "inspection_finding_capa"),
]
