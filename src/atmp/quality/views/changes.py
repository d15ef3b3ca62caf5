"""Change controls' pages: the list, opening and editing, what a change affects, its risk assessment, tasks, the QP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import path

from atmp.accounts.access import requires
from atmp.accounts.models import User
from atmp.lists import ChoiceFilter, Column, ListSpec, TextFilter
from atmp.quality.api import changes as api
from atmp.quality.models.changes import AFFECTED_KINDS, ChangeControl, ChangeTask, RegulatoryClass
from atmp.quality.services.changes import EDITABLE_IN
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
from atmp.quality.workflows.changes import CHANGE_WORKFLOW, QP_ROLE, qp_approvals
from atmp.web.operations import OperationForm

CHANGES = ListSpec(
    name="change_controls",
    title="Change controls",
    rows=visible(ChangeControl, "site", "assignee"),
    default_sort="-number",
    columns=(
        Column("number", "Number", sort="number", link=record_url),
        Column("title", "Title", sort="title"),
        Column("site", "Site", value="site.code", sort="site__code"),
        Column(
            "classification",
            "Regulatory class",
            value=lambda c: c.get_regulatory_classification_display() or "not yet",
            sort="regulatory_classification",
        ),
        Column("certified", "Certified product", value=lambda c: "yes" if c.affects_certified_product else "no"),
        *workflow_columns(),
    ),
    filters=(
        TextFilter("q", "Number or title", fields=("number", "title")),
        ChoiceFilter(
            "classification", "Regulatory class", lookup="regulatory_classification", choices=RegulatoryClass.choices
        ),
        *workflow_filters(CHANGE_WORKFLOW),
    ),
)

_OWNER_HELP = "The username of the person who does it; they must work at the change's site."
_AFFECTED_HELP = {f"affected_{k}": f"The {k.replace('_', ' ')} the change affects, by name." for k in AFFECTED_KINDS}
_RA_HELP = "Its number (RA-2026-0001) or key (quality.riskassessment:3)."


def change_initial(c: ChangeControl) -> dict[str, Any]:
    """Return a change's editable values, flat as the patch names them."""
    document = api.change_document(c)
    affected = document.pop("affected")
    return {**document, **{f"affected_{k}": v for k, v in affected.items()}}


OPEN = OperationForm(
    title="Open a change control",
    operation=api.create_change,
    choices={"site": site_choices, "regulatory_classification": RegulatoryClass.choices},
    help={
        **_AFFECTED_HELP,
        "affected_records": "Records it affects, as TYPE:ID (e.g. quality.document:4); each is linked.",
        "risk_assessment": "The assessment it rests on: " + _RA_HELP,
    },
    submit="Open",
    back="quality:change_controls",
)
EDIT = OperationForm(
    title="Edit the change control",
    operation=api.update_change,
    record_type=ChangeControl.record_type(),
    path="change_id",
    choices={"regulatory_classification": RegulatoryClass.choices},
    initial=change_initial,
    help={
        **_AFFECTED_HELP,
        "effectiveness_review": "Written during the effectiveness review only (the rest until the change is approved).",
    },
    intro="Until the change is approved its content changes; afterwards only the effectiveness review is written.",
)
ADD_AFFECTED = OperationForm(
    title="Add a record the change affects",
    operation=api.add_affected,
    record_type=ChangeControl.record_type(),
    path="change_id",
    help={"record": "As TYPE:ID (e.g. quality.document:4): a document is linked as revised, anything else concerned."},
    submit="Link",
    returns="record",
)
LINK_RISK = OperationForm(
    title="Link the risk assessment",
    operation=api.add_risk_assessment,
    record_type=ChangeControl.record_type(),
    path="change_id",
    help={"risk_assessment": _RA_HELP},
    intro="A change is submitted on a linked risk assessment, and approved by QA on an approved one (ICH Q9(R1)).",
    submit="Link",
    returns="record",
)
ADD_TASK = OperationForm(
    title="Add an implementation task",
    operation=api.add_task,
    record_type=ChangeControl.record_type(),
    path="change_id",
    help={"owner": _OWNER_HELP},
    submit="Add",
    returns="record",
)
QP_APPROVAL = OperationForm(
    title="Approve as Qualified Person",
    operation=api.qp_approve,
    record_type=ChangeControl.record_type(),
    path="change_id",
    intro="The change affects certified product: a Qualified Person approves the assessed change before it is "
    "submitted to QA. Your signature 'approved' vouches for the version shown.",
    submit="Sign",
    returns="record",
)


# A task's operations name its change and the task; the task's page knows only the task, so these
# two look the change up and run the API operation itself.
@requires("records.write")
def update_task(request: HttpRequest, task_id: int, body: api.TaskPatch) -> dict[str, Any]:
    """Change an open task (the API operation, reached from the task's page)."""
    task = ChangeTask.objects.only("change_id").get(pk=task_id)
    return api.update_task(request, change_id=task.change_id, task_id=task_id, body=body)


@requires("records.write")
def complete_task(request: HttpRequest, task_id: int, body: api.TaskDoneIn) -> dict[str, Any]:
    """Mark a task done with its evidence (the API operation, reached from the task's page)."""
    task = ChangeTask.objects.only("change_id").get(pk=task_id)
    return api.complete_task(request, change_id=task.change_id, task_id=task_id, body=body)


EDIT_TASK = OperationForm(
    title="Edit the task",
    operation=update_task,
    record_type=ChangeTask.record_type(),
    path="task_id",
    initial=api.task_document,
    help={"owner": _OWNER_HELP},
    returns="record",
    clearable=(),  # the API reads a null due date as "keep it"
)
TASK_DONE = OperationForm(
    title="Mark the task done",
    operation=complete_task,
    record_type=ChangeTask.record_type(),
    path="task_id",
    labels={"done_on": "Done on (today unless given)"},
    intro="Tasks are done while the change is in implementation; the evidence says what was done.",
    submit="Mark done",
    returns="record",
)


@dataclass(frozen=True)
class QpAction(RecordAction):
    """The QP's approval: offered to a Qualified Person only, on an assessed change that needs it."""

    def offered(self, user: User, record: Any) -> bool:
        """Return True when the user is a Qualified Person and the change awaits a QP's approval."""
        return QP_ROLE in user.roles() and super().offered(user, record)


def _awaits_qp(c: ChangeControl) -> bool:
    return c.status == "assessment" and c.affects_certified_product and not qp_approvals(c)


def _plans_tasks(c: ChangeControl) -> bool:
    return c.status in ("draft", "assessment", "approval", "implementation")


def _doable(t: ChangeTask) -> bool:
    return not t.done and t.change.status == "implementation"


def _open_task(t: ChangeTask) -> bool:
    return not t.done and _plans_tasks(t.change)


ACTIONS = {
    ChangeControl.record_type(): (
        RecordAction("Edit", "change_edit", EDIT, when=lambda c: c.status in EDITABLE_IN),
        RecordAction("Add affected record", "change_affected_new", ADD_AFFECTED),
        RecordAction("Link risk assessment", "change_risk_link", LINK_RISK),
        RecordAction("Add task", "change_task_new", ADD_TASK, when=_plans_tasks),
        QpAction("QP approval", "change_qp_approval", QP_APPROVAL, when=_awaits_qp),
    ),
    ChangeTask.record_type(): (
        RecordAction("Edit", "change_task_edit", EDIT_TASK, when=_open_task),
        RecordAction("Mark done", "change_task_done", TASK_DONE, when=_doable),
    ),
}


urlpatterns = [
    path("change-controls/", list_view(CHANGES, new="quality:change_new"), name="change_controls"),
    operation_path("change-controls/new/", OPEN, "change_new"),
    operation_path("change-controls/<int:record_id>/edit/", EDIT, "change_edit"),
    operation_path("change-controls/<int:record_id>/affected/new/", ADD_AFFECTED, "change_affected_new"),
    operation_path("change-controls/<int:record_id>/risk-assessment/", LINK_RISK, "change_risk_link"),
    operation_path("change-controls/<int:record_id>/tasks/new/", ADD_TASK, "change_task_new"),
    operation_path("change-controls/<int:record_id>/qp-approval/", QP_APPROVAL, "change_qp_approval"),
    operation_path("change-tasks/<int:record_id>/edit/", EDIT_TASK, "change_task_edit"),
    operation_path("change-tasks/<int:record_id>/done/", TASK_DONE, "change_task_done"),
]
