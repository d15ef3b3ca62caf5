"""CAPAs' pages: the list, opening and editing, actions with their evidence, the effectiveness check."""

from __future__ import annotations

from django.urls import path

from atmp.lists import ChoiceFilter, Column, ListSpec, TextFilter
from atmp.quality.api import capa as api
from atmp.quality.models.capa import Capa, CapaAction, CapaKind, Effectiveness
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
from atmp.quality.workflows.capa import CAPA_ACTION_WORKFLOW, CAPA_WORKFLOW
from atmp.web.operations import OperationForm

CAPAS = ListSpec(
    name="capas",
    title="CAPAs",
    rows=visible(Capa, "site", "assignee"),
    default_sort="-number",
    columns=(
        Column("number", "Number", sort="number", link=record_url),
        Column("title", "Title", sort="title"),
        Column("site", "Site", value="site.code", sort="site__code"),
        Column("kind", "Kind", value=lambda c: c.get_kind_display(), sort="kind"),
        Column("effectiveness", "Effectiveness", value=lambda c: c.get_effectiveness_outcome_display() or "—"),
        *workflow_columns(),
    ),
    filters=(
        TextFilter("q", "Number or title", fields=("number", "title")),
        ChoiceFilter("kind", "Kind", lookup="kind", choices=CapaKind.choices),
        *workflow_filters(CAPA_WORKFLOW),
    ),
)

ACTIONS_LIST = ListSpec(
    name="capa_actions",
    title="CAPA actions",
    rows=visible(CapaAction, "capa", "capa__site", "assignee"),
    default_sort="due",
    columns=(
        Column("capa", "CAPA", value="capa.number", sort="capa__number", link=lambda a: record_url(a.capa)),
        Column("description", "Action", value="description", link=record_url),
        *workflow_columns(),
    ),
    filters=(
        TextFilter("q", "Action or CAPA", fields=("description", "capa__number")),
        *workflow_filters(CAPA_ACTION_WORKFLOW),
    ),
)

_OWNER_HELP = "The username of the person who owns it; they see it on My work."

OPEN = OperationForm(
    title="Open a CAPA",
    operation=api.open_capa,
    choices={"site": site_choices, "kind": CapaKind.choices},
    help={"source": "The record it comes from, as TYPE:ID (e.g. quality.deviation:12).", "owner": _OWNER_HELP},
    submit="Open",
    back="quality:capas",
)
EDIT = OperationForm(
    title="Edit the CAPA",
    operation=api.update_capa,
    record_type=Capa.record_type(),
    choices={"kind": CapaKind.choices},
    initial=api.capa_document,
)
ADD_ACTION = OperationForm(
    title="Add an action",
    operation=api.add_action,
    record_type=Capa.record_type(),
    help={"owner": _OWNER_HELP},
    submit="Add",
    returns="record",
)
EVIDENCE = OperationForm(
    title="Record the evidence",
    operation=api.record_evidence,
    record_type=CapaAction.record_type(),
    initial=api.action_document,
    intro="What was done; the action is then marked done from its status panel.",
)
EFFECTIVENESS = OperationForm(
    title="Record the effectiveness check",
    operation=api.record_effectiveness,
    record_type=Capa.record_type(),
    choices={"outcome": Effectiveness.choices},
    intro="Judged against the criteria set before the check started; "
    "a CAPA found not effective is followed by a new one.",
)

ACTIONS = {
    Capa.record_type(): (
        RecordAction("Edit", "capa_edit", EDIT),
        RecordAction("Add action", "capa_action_new", ADD_ACTION, when=lambda c: c.status == "open"),
        RecordAction(
            "Effectiveness", "capa_effectiveness", EFFECTIVENESS, when=lambda c: c.status == "effectiveness_check"
        ),
    ),
    CapaAction.record_type(): (RecordAction("Evidence", "capa_action_evidence", EVIDENCE),),
}

urlpatterns = [
    path("capas/", list_view(CAPAS, new="quality:capa_new"), name="capas"),
    operation_path("capas/new/", OPEN, "capa_new"),
    operation_path("capas/<int:record_id>/edit/", EDIT, "capa_edit"),
    operation_path("capas/<int:record_id>/actions/new/", ADD_ACTION, "capa_action_new"),
    operation_path("capas/<int:record_id>/effectiveness/", EFFECTIVENESS, "capa_effectiveness"),
    path("capa-actions/", list_view(ACTIONS_LIST), name="capa_actions"),
    operation_path("capa-actions/<int:record_id>/evidence/", EVIDENCE, "capa_action_evidence"),
]
