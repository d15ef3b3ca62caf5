"""Complaints' and recalls' pages: the lists, intake and investigation, what a complaint concerns; a
recall's scope (one batch or lot per form), what became of each, its recipients and their notification."""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.api.schemas import bounded
from atmp.lists import ChoiceFilter, Column, DateRangeFilter, ListSpec, TextFilter
from atmp.quality.api import complaints as api
from atmp.quality.api.paging import Id
from atmp.quality.models.complaints import Complaint, ComplaintSource
from atmp.quality.models.recalls import Recall, RecallClass, RecallRecipient, RecallScope, RecipientKind
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
from atmp.quality.workflows.complaints import COMPLAINT_WORKFLOW, RECALL_WORKFLOW
from atmp.web.operations import OperationForm

YES_NO = (("yes", "Yes"), ("no", "No"))


def _yes_no(field: str, yes: str = "yes") -> Any:
    """Return a filter's narrowing of a boolean field: `yes` keeps the true ones, the other value the rest."""

    def narrow(rows: QuerySet[Any], value: str, viewer: User) -> QuerySet[Any]:
        return rows.filter(**{field: value == yes})

    return narrow


# --- complaints ----------------------------------------------------------------------------------

COMPLAINTS = ListSpec(
    name="complaints",
    title="Complaints",
    rows=visible(Complaint, "site", "assignee"),
    default_sort="-received_date",
    columns=(
        Column("number", "Number", sort="number", link=record_url),
        Column("title", "Title", sort="title"),
        Column("site", "Site", value="site.code", sort="site__code"),
        Column("received_date", "Received", sort="received_date"),
        Column("source", "Source", value=lambda c: c.get_source_display(), sort="source"),
        Column(
            "adverse",
            "Possible adverse reaction",
            value=lambda c: "yes" if c.possible_adverse_reaction else "no",
            sort="possible_adverse_reaction",
        ),
        Column("pv_reference", "PV reference", value=lambda c: c.pv_reference or "—"),
        *workflow_columns(),
    ),
    filters=(
        TextFilter("q", "Number, title or reference", fields=("number", "title", "reporter_reference", "pv_reference")),
        ChoiceFilter(
            "adverse", "Possible adverse reaction", choices=YES_NO, narrow=_yes_no("possible_adverse_reaction")
        ),
        ChoiceFilter("source", "Source", lookup="source", choices=ComplaintSource.choices),
        DateRangeFilter("received", "Received", lookup="received_date"),
        *workflow_filters(COMPLAINT_WORKFLOW),
    ),
)

_REPORTER_HELP = (
    "Where the reporter's identity is kept (a hospital case or call-centre ticket number), never a name or address."
)

NEW = OperationForm(
    title="Record a complaint",
    operation=api.create_complaint,
    choices={"site": site_choices, "source": ComplaintSource.choices},
    labels={"concerns": "Concerns (record keys)"},
    help={
        "reporter_reference": _REPORTER_HELP,
        "possible_adverse_reaction": "Notifies the site's pharmacovigilance officers.",
        "concerns": "The batches, lots or products it concerns, as TYPE:ID (e.g. trace.lot:12).",
    },
    submit="Record",
    back="quality:complaints",
)
EDIT = OperationForm(
    title="Edit the complaint",
    operation=api.update_complaint,
    record_type=Complaint.record_type(),
    path="complaint_id",
    initial=api.complaint_doc,
    labels={"pv_reference": "PV reference"},
    help={
        "reporter_reference": _REPORTER_HELP,
        "pv_reference": "The pharmacovigilance case it became, if any.",
    },
    intro="The investigation and the conclusion are needed to close the complaint.",
)
CONCERNS = OperationForm(
    title="Link a batch, lot or product it concerns",
    operation=api.add_concerned,
    record_type=Complaint.record_type(),
    path="complaint_id",
    labels={"target": "Record"},
    help={"target": "As TYPE:ID, e.g. trace.lot:12; the record then lists the complaint too."},
    submit="Link",
    returns="record",
)

# --- recalls -------------------------------------------------------------------------------------

RECALLS = ListSpec(
    name="recalls",
    title="Recalls",
    rows=visible(Recall, "site", "assignee"),
    default_sort="-number",
    columns=(
        Column("number", "Number", sort="number", link=record_url),
        Column("title", "Title", sort="title"),
        Column("site", "Site", value="site.code", sort="site__code"),
        Column("classification", "Class", value=lambda r: r.get_classification_display(), sort="classification"),
        Column("mock", "Mock or real", value=lambda r: "mock" if r.mock else "real", sort="mock"),
        Column("decision_date", "Decided", sort="decision_date"),
        *workflow_columns(),
    ),
    filters=(
        TextFilter("q", "Number or title", fields=("number", "title")),
        ChoiceFilter("classification", "Class", lookup="classification", choices=RecallClass.choices),
        ChoiceFilter(
            "mock", "Mock or real", choices=(("mock", "Mock"), ("real", "Real")), narrow=_yes_no("mock", "mock")
        ),
        DateRangeFilter("decided", "Decided", lookup="decision_date"),
        *workflow_filters(RECALL_WORKFLOW),
    ),
)

OPEN = ("initiated", "in_progress", "reconciliation")  # a recall's states that take edits (services.recalls)
TAKES_SCOPE = ("initiated", "in_progress")
QUANTITIES = ("quantity_distributed", "quantity_returned", "quantity_destroyed", "quantity_administered")

NEW_RECALL = OperationForm(
    title="Initiate a recall",
    operation=api.create_recall,
    choices={"site": site_choices, "classification": RecallClass.choices},
    labels={"recall_reason": "Why (the defect and its risk)", "mock": "Mock recall (exercising the procedure)"},
    submit="Initiate",
    back="quality:recalls",
)
EDIT_RECALL = OperationForm(
    title="Edit the recall",
    operation=api.update_recall,
    record_type=Recall.record_type(),
    path="recall_id",
    choices={"classification": RecallClass.choices},
    initial=api.recall_doc,
    labels={"recall_reason": "Why (the defect and its risk)"},
    help={"reconciliation_note": "Why the quantities do not add up, when they do not: needed to close then."},
)


class ScopeLineIn(api.ScopeItemIn):
    """One batch or lot to add to the recall's scope, with why: the page's form of ScopeIn."""

    reason: Annotated[str, bounded(2000)]


@requires("records.write")
def add_scope_line(request: HttpRequest, recall_id: Id, body: ScopeLineIn) -> Any:
    """Add one batch or lot to the recall's scope through the API's add_scope (a list of one item)."""
    item = api.ScopeItemIn.model_validate(body.model_dump(exclude={"reason"}))
    try:
        return api.add_scope(request, recall_id, api.ScopeIn(items=[item], reason=body.reason))
    except InvalidInput as exc:
        # The service names the item ("items[0].record"); the form has the one item's fields.
        field = exc.field.removeprefix("items[0].")
        raise InvalidInput(field, str(exc).removeprefix(f"{exc.field}: ")) from exc


ADD_SCOPE = OperationForm(
    title="Add a batch or lot to the scope",
    operation=add_scope_line,
    record_type=Recall.record_type(),
    path="recall_id",
    labels={"record": "Batch or lot (record key)"},
    help={"record": "As TYPE:ID, e.g. trace.lot:12; the recall is linked to it."},
    intro="One batch or lot per form (the API takes many at once). Returned, destroyed and administered may be "
    "recorded now or later from the scope row's page.",
    submit="Add",
    returns="record",
)


def _scope_initial(row: RecallScope) -> dict[str, Any]:
    """Return a scope row's current quantities as the form compares them (Decimals, not the API's text)."""
    return {**api.scope_doc(row), **{n: getattr(row, n) for n in QUANTITIES}}


EDIT_SCOPE = OperationForm(
    title="Record what became of the batch or lot",
    operation=api.update_scope,
    record_type=RecallScope.record_type(),
    path="scope_id",
    initial=_scope_initial,
    intro="Returned, destroyed and administered together never exceed what was distributed.",
)
ADD_RECIPIENT = OperationForm(
    title="Add a consignee or patient to reach",
    operation=api.add_recipient,
    record_type=Recall.record_type(),
    path="recall_id",
    choices={"kind": RecipientKind.choices},
    help={
        "reference": "A pseudonymous reference (a customer number, a hospital's case number), never a name or "
        "address: it is kept in the audit trail."
    },
    submit="Add",
    returns="record",
)
NOTIFY = OperationForm(
    title="Record the notification",
    operation=api.record_notification,
    record_type=RecallRecipient.record_type(),
    path="recipient_id",
    initial=api.recipient_doc,
    labels={"notified_at": "Notified at (UTC)"},
    help={"notified_at": "Empty: now."},
    submit="Record",
    clearable=("response",),  # a null notification time means "now" (or the one recorded), never none
)

ACTIONS = {
    Complaint.record_type(): (
        RecordAction("Edit", "complaint_edit", EDIT),
        RecordAction("Link batch or lot", "complaint_concerns", CONCERNS),
    ),
    Recall.record_type(): (
        RecordAction("Edit", "recall_edit", EDIT_RECALL),
        RecordAction("Add to scope", "recall_scope_new", ADD_SCOPE, when=lambda r: r.status in TAKES_SCOPE),
        RecordAction("Add recipient", "recall_recipient_new", ADD_RECIPIENT, when=lambda r: r.status in TAKES_SCOPE),
    ),
    RecallScope.record_type(): (
        RecordAction("Quantities", "recall_scope_edit", EDIT_SCOPE, when=lambda s: s.recall.status in OPEN),
    ),
    RecallRecipient.record_type(): (
        RecordAction("Mark notified", "recall_recipient_notify", NOTIFY, when=lambda r: r.recall.status in OPEN),
    ),
}

urlpatterns = [
    path("complaints/", list_view(COMPLAINTS, new="quality:complaint_new"), name="complaints"),
    operation_path("complaints/new/", NEW, "complaint_new"),
    operation_path("complaints/<int:record_id>/edit/", EDIT, "complaint_edit"),
    operation_path("complaints/<int:record_id>/concerns/", CONCERNS, "complaint_concerns"),
    path("recalls/", list_view(RECALLS, new="quality:recall_new"), name="recalls"),
    operation_path("recalls/new/", NEW_RECALL, "recall_new"),
    operation_path("recalls/<int:record_id>/edit/", EDIT_RECALL, "recall_edit"),
    operation_path("recalls/<int:record_id>/scope/new/", ADD_SCOPE, "recall_scope_new"),
    operation_path("recalls/<int:record_id>/recipients/new/", ADD_RECIPIENT, "recall_recipient_new"),
    operation_path("recall-scope/<int:record_id>/edit/", EDIT_SCOPE, "recall_scope_edit"),
    operation_path("recall-recipients/<int:record_id>/notify/", NOTIFY, "recall_recipient_notify"),
]
