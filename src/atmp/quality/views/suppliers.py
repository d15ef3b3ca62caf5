"""Suppliers' pages: the lists, registering and editing, qualifications, quality agreements (with what
expires soon), audits and their findings, and the goods-receipt clerk's "may we accept?" check."""

from __future__ import annotations

from typing import Any

import pydantic
from django import forms
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html

from atmp.accounts.access import requires
from atmp.accounts.models import User
from atmp.ledger.errors import LedgerError
from atmp.lists import ChoiceFilter, Column, DateRangeFilter, ListSpec, TextFilter, UserFilter
from atmp.quality.api import suppliers as api
from atmp.quality.models.suppliers import (
    AuditFinding,
    AuditOutcome,
    AuditType,
    FindingClass,
    QualityAgreement,
    Supplier,
    SupplierApproval,
    SupplierAudit,
    SupplyKind,
)
from atmp.quality.selectors import suppliers as select
from atmp.quality.views.common import (
    CAPA_HELP,
    VOIDED,
    RecordAction,
    list_view,
    marked_number,
    number_text,
    operation_path,
    record_url,
    site_choices,
    visible,
    workflow_columns,
)
from atmp.quality.workflows.suppliers import AGREEMENT_WORKFLOW, APPROVAL_WORKFLOW, AUDIT_WORKFLOW
from atmp.web.operations import OperationForm
from atmp.web.pages import add_service_error, page
from atmp.workflow.engine import today
from atmp.workflow.machine import Workflow

EXPIRING_WINDOWS = (30, 60, 90, 180, 365)  # days offered by the agreements' "expiring within" filter


def _filters(workflow: Workflow, site_lookup: str) -> tuple[Any, ...]:
    """Return status, site, assignee and due filters of a record whose site is its supplier's."""

    def at_site(rows: QuerySet[Any], code: str, viewer: User) -> QuerySet[Any]:
        # A supplier of no site serves every site, so it is listed under each.
        return rows.filter(Q(**{f"{site_lookup}__code": code}) | Q(**{f"{site_lookup}__isnull": True}))

    return (
        ChoiceFilter("status", "Status", lookup="status", choices=[(s.name, s.label) for s in workflow.states]),
        ChoiceFilter("site", "Site (or every site)", choices=site_choices, narrow=at_site),
        UserFilter("assignee", "Assigned to", lookup="assignee"),
        DateRangeFilter("due", "Due", lookup="due_date"),
        VOIDED,
    )


def _site_code(supplier: Supplier) -> str:
    return supplier.site.code if supplier.site_id and supplier.site is not None else "every site"


# --- suppliers -----------------------------------------------------------------------------------


def _suppliers(viewer: User) -> QuerySet[Any]:
    qualified = Q(approvals__voided=False, approvals__status__in=("approved", "conditional"))
    rows = visible(Supplier, "site")(viewer)
    return rows.annotate(qualified=Count("approvals", filter=qualified))


def _with_qualification(rows: QuerySet[Any], status: str, viewer: User) -> QuerySet[Any]:
    """Keep the suppliers with at least one live qualification in this state."""
    found = SupplierApproval.objects.filter(supplier=OuterRef("pk"), status=status, voided=False)
    return rows.filter(Exists(found))


def _no_qualification(rows: QuerySet[Any], value: str, viewer: User) -> QuerySet[Any]:
    return rows.exclude(Exists(SupplierApproval.objects.filter(supplier=OuterRef("pk"), voided=False)))


def _qualification(rows: QuerySet[Any], value: str, viewer: User) -> QuerySet[Any]:
    return _no_qualification(rows, value, viewer) if value == "none" else _with_qualification(rows, value, viewer)


SUPPLIERS = ListSpec(
    name="suppliers",
    title="Suppliers",
    rows=_suppliers,
    default_sort="name",
    columns=(
        Column("number", "Number", value=number_text, sort="number", html=marked_number),
        Column("name", "Name", sort="name"),
        Column("site", "Serves", value=_site_code, sort="site__code"),
        Column("qualified", "Approved for (materials and services)", value="qualified"),
    ),
    filters=(
        TextFilter("q", "Number, name or address", fields=("number", "name", "address")),
        ChoiceFilter(
            "qualification",
            "Has a qualification that is",
            choices=[*((s.name, s.label) for s in APPROVAL_WORKFLOW.states), ("none", "— none at all")],
            narrow=_qualification,
        ),
        ChoiceFilter(
            "site",
            "Serves site",
            choices=site_choices,
            narrow=lambda rows, code, viewer: rows.filter(Q(site__code=code) | Q(site__isnull=True)),
        ),
        VOIDED,
    ),
)

APPROVALS = ListSpec(
    name="supplier_approvals",
    title="Supplier qualifications",
    rows=visible(SupplierApproval, "supplier", "supplier__site", "assignee"),
    default_sort="-valid_until",
    columns=(
        Column("supplier", "Supplier", value=lambda a: str(a.supplier), link=lambda a: record_url(a.supplier)),
        Column("kind", "Kind", value=lambda a: a.get_kind_display(), sort="kind"),
        Column("scope", "Material or service", sort="scope", link=record_url),
        Column("valid_until", "Valid until", sort="valid_until"),
        *workflow_columns(),
    ),
    filters=(
        TextFilter("q", "Supplier, material or service", fields=("scope", "supplier__name", "supplier__number")),
        ChoiceFilter("kind", "Kind", lookup="kind", choices=SupplyKind.choices),
        *_filters(APPROVAL_WORKFLOW, "supplier__site"),
    ),
)


def _expiring(rows: QuerySet[Any], days: str, viewer: User) -> QuerySet[Any]:
    """Keep the approved agreements that expire within the days chosen (the selector's rule)."""
    return rows.filter(pk__in=select.expiring_agreements(within_days=int(days)).values("pk"))


def _expiry_badge(agreement: QualityAgreement) -> str:
    """Return the expiry date, marked when an approved agreement has expired or expires within 90 days."""
    expiry = agreement.expiry_date
    if expiry is None:
        return "—"
    if agreement.status != "approved":
        return str(expiry)
    left = (expiry - today()).days
    if left < 0:
        return format_html('<span class="badge overdue">{} (expired)</span>', expiry)
    if left <= EXPIRING_WINDOWS[2]:
        return format_html('<span class="badge overdue">{} (in {} days)</span>', expiry, left)
    return str(expiry)


AGREEMENTS = ListSpec(
    name="quality_agreements",
    title="Quality agreements",
    rows=visible(QualityAgreement, "supplier", "supplier__site", "assignee"),
    default_sort="expiry_date",
    columns=(
        Column("number", "Number", sort="number", link=record_url),
        Column("title", "Title", sort="title"),
        Column(
            "supplier",
            "Supplier",
            value=lambda a: str(a.supplier),
            sort="supplier__name",
            link=lambda a: record_url(a.supplier),
        ),
        Column("effective_date", "Effective", sort="effective_date"),
        Column("expiry_date", "Expires", sort="expiry_date", html=_expiry_badge),
        *workflow_columns(),
    ),
    filters=(
        TextFilter("q", "Number, title or supplier", fields=("number", "title", "supplier__name")),
        ChoiceFilter(
            "expiring",
            "Approved and expiring within",
            choices=[(str(d), f"{d} days") for d in EXPIRING_WINDOWS],
            narrow=_expiring,
        ),
        *_filters(AGREEMENT_WORKFLOW, "supplier__site"),
    ),
)

AUDITS = ListSpec(
    name="supplier_audits",
    title="Supplier audits",
    rows=visible(SupplierAudit, "supplier", "supplier__site", "assignee", "lead_auditor"),
    default_sort="-audit_date",
    columns=(
        Column("number", "Number", sort="number", link=record_url),
        Column("title", "Title", sort="title"),
        Column("supplier", "Supplier", value=lambda a: str(a.supplier), link=lambda a: record_url(a.supplier)),
        Column("audit_date", "Date", sort="audit_date"),
        Column("audit_type", "Type", value=lambda a: a.get_audit_type_display(), sort="audit_type"),
        Column("outcome", "Outcome", value=lambda a: a.get_outcome_display() or "—", sort="outcome"),
        *workflow_columns(),
    ),
    filters=(
        TextFilter("q", "Number, title or supplier", fields=("number", "title", "supplier__name")),
        ChoiceFilter("audit_type", "Type", lookup="audit_type", choices=AuditType.choices),
        ChoiceFilter("outcome", "Outcome", lookup="outcome", choices=AuditOutcome.choices),
        DateRangeFilter("audit_date", "Audit date", lookup="audit_date"),
        *_filters(AUDIT_WORKFLOW, "supplier__site"),
    ),
)

# --- the writes ----------------------------------------------------------------------------------

_AUDITOR_HELP = "The username of the lead auditor."

NEW = OperationForm(
    title="Register a supplier",
    operation=api.create_supplier,
    choices={"site": site_choices},
    labels={"site": "Site it serves"},
    help={"site": "Leave empty for a supplier of every site."},
    submit="Register",
    back="quality:suppliers",
)
EDIT = OperationForm(
    title="Edit the supplier",
    operation=api.update_supplier,
    record_type=Supplier.record_type(),
    path="supplier_id",
    initial=api.supplier_doc,
)
ADD_APPROVAL = OperationForm(
    title="Start a qualification",
    operation=api.create_approval,
    record_type=Supplier.record_type(),
    path="supplier_id",
    choices={"kind": SupplyKind.choices},
    labels={"scope": "Material code or service"},
    help={"scope": "For a material: its code exactly as goods receipt uses it (the may-accept check matches it)."},
    intro="The qualification stays pending until QA approves it (with or without conditions) from its status panel.",
    submit="Add",
    returns="record",
)
EDIT_APPROVAL = OperationForm(
    title="Edit the qualification",
    operation=api.update_approval,
    record_type=SupplierApproval.record_type(),
    path="approval_id",
    initial=api.approval_doc,
)
ADD_AGREEMENT = OperationForm(
    title="Draft a quality agreement",
    operation=api.create_agreement,
    record_type=Supplier.record_type(),
    path="supplier_id",
    intro="Submitted for approval from its status panel; both dates are needed by then.",
    submit="Draft",
    returns="record",
)
EDIT_AGREEMENT = OperationForm(
    title="Edit the quality agreement",
    operation=api.update_agreement,
    record_type=QualityAgreement.record_type(),
    path="agreement_id",
    initial=api.agreement_doc,
)
ADD_AUDIT = OperationForm(
    title="Plan an audit",
    operation=api.create_audit,
    record_type=Supplier.record_type(),
    path="supplier_id",
    choices={"audit_type": AuditType.choices},
    help={"lead_auditor": _AUDITOR_HELP},
    submit="Plan",
    returns="record",
)
EDIT_AUDIT = OperationForm(
    title="Edit the audit",
    operation=api.update_audit,
    record_type=SupplierAudit.record_type(),
    path="audit_id",
    choices={"outcome": AuditOutcome.choices},
    initial=api.audit_doc,
    intro="The outcome is needed to report the audit; the outcome and summary to close it.",
)
ADD_AUDIT_FINDING = OperationForm(
    title="Record a finding",
    operation=api.create_audit_finding,
    record_type=SupplierAudit.record_type(),
    path="audit_id",
    choices={"classification": FindingClass.choices},
    intro="A critical or major finding needs a linked CAPA before the audit closes.",
    submit="Add",
    returns="record",
)
LINK_AUDIT_CAPA = OperationForm(
    title="Link the CAPA that addresses the finding",
    operation=api.link_audit_capa,
    record_type=AuditFinding.record_type(),
    path="finding_id",
    labels={"capa": "CAPA"},
    help={"capa": CAPA_HELP},
    submit="Link",
    returns="record",
)

AUDIT_OPEN = ("in_progress", "reporting")


def _always(record: Any) -> bool:
    """Offer it on any live supplier (master data without a workflow; a voided one is never offered)."""
    return True


ACTIONS = {
    Supplier.record_type(): (
        RecordAction("Edit", "supplier_edit", EDIT, when=_always),
        RecordAction("Add qualification", "supplier_approval_new", ADD_APPROVAL, when=_always),
        RecordAction("Draft agreement", "supplier_agreement_new", ADD_AGREEMENT, when=_always),
        RecordAction("Plan audit", "supplier_audit_new", ADD_AUDIT, when=_always),
    ),
    SupplierApproval.record_type(): (
        RecordAction(
            "Edit", "supplier_approval_edit", EDIT_APPROVAL, when=lambda a: a.status in ("pending", "disqualified")
        ),
    ),
    QualityAgreement.record_type(): (
        RecordAction("Edit", "quality_agreement_edit", EDIT_AGREEMENT, when=lambda a: a.status == "draft"),
    ),
    SupplierAudit.record_type(): (
        RecordAction("Edit", "supplier_audit_edit", EDIT_AUDIT),
        RecordAction("Add finding", "audit_finding_new", ADD_AUDIT_FINDING, when=lambda a: a.status in AUDIT_OPEN),
    ),
    AuditFinding.record_type(): (
        RecordAction("Link CAPA", "audit_finding_capa", LINK_AUDIT_CAPA, when=lambda f: f.audit.status in AUDIT_OPEN),
    ),
}


# --- may we accept? ------------------------------------------------------------------------------


class MayAcceptForm(forms.Form):
    """The goods-receipt clerk's question: this material, from this supplier, on this day?"""

    material = forms.CharField(label="Material code", max_length=200)
    supplier = forms.CharField(
        label="Supplier number",
        max_length=20,
        help_text="e.g. SUP-2026-0001",
        widget=forms.TextInput(attrs={"list": "supplier-numbers"}),
    )
    on = forms.DateField(
        label="Date of receipt",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Empty: today.",
    )


@requires("records.view")
def may_accept_page(request: HttpRequest) -> HttpResponse:
    """Ask whether a material may be received from a supplier, and show the answer with the rule that decided."""
    form = MayAcceptForm(request.GET or None)
    decision: dict[str, Any] | None = None
    status = 200
    if form.is_bound and form.is_valid():
        on = form.cleaned_data["on"]
        try:
            query = api.MayAcceptQuery(
                material=form.cleaned_data["material"],
                supplier=form.cleaned_data["supplier"],
                on=on.isoformat() if on else None,
            )
            request.auth_user = request.user  # type: ignore[attr-defined]  # what the API's auth sets
            decision = api.may_accept(request, query)
        except pydantic.ValidationError as exc:
            for error in exc.errors():
                where = str(error["loc"][0]) if error.get("loc") else None
                form.add_error(where if where in form.fields else None, str(error["msg"]))
        except LedgerError as exc:
            add_service_error(form, exc)
    if form.is_bound and form.errors:
        status = 400
    suppliers = visible(Supplier)(request.user).filter(voided=False).order_by("number")  # type: ignore[arg-type]
    context = {
        "form": form,
        "decision": decision,
        "suppliers": suppliers.values_list("number", "name")[:500],
        **{f"{k}_url": _key_url(decision.get(k)) for k in ("approval", "agreement") if decision},
    }
    return render(request, "quality/may_accept.html", context, status=status)


def _key_url(key: str | None) -> str | None:
    """Return the record page of a record key (quality.supplierapproval:5), None for none."""
    if not key:
        return None
    record_type, _, record_id = key.partition(":")
    return reverse("web:record", args=[record_type, record_id])


urlpatterns = [
    path("suppliers/", list_view(SUPPLIERS, new="quality:supplier_new"), name="suppliers"),
    operation_path("suppliers/new/", NEW, "supplier_new"),
    operation_path("suppliers/<int:record_id>/edit/", EDIT, "supplier_edit"),
    operation_path("suppliers/<int:record_id>/approvals/new/", ADD_APPROVAL, "supplier_approval_new"),
    operation_path("suppliers/<int:record_id>/agreements/new/", ADD_AGREEMENT, "supplier_agreement_new"),
    operation_path("suppliers/<int:record_id>/audits/new/", ADD_AUDIT, "supplier_audit_new"),
    path("supplier-approvals/", list_view(APPROVALS), name="supplier_approvals"),
    operation_path("supplier-approvals/<int:record_id>/edit/", EDIT_APPROVAL, "supplier_approval_edit"),
    path("quality-agreements/", list_view(AGREEMENTS), name="quality_agreements"),
    operation_path("quality-agreements/<int:record_id>/edit/", EDIT_AGREEMENT, "quality_agreement_edit"),
    path("supplier-audits/", list_view(AUDITS), name="supplier_audits"),
    operation_path("supplier-audits/<int:record_id>/edit/", EDIT_AUDIT, "supplier_audit_edit"),
    operation_path("supplier-audits/<int:record_id>/findings/new/", ADD_AUDIT_FINDING, "audit_finding_new"),
    operation_path("audit-findings/<int:record_id>/capa/", LINK_AUDIT_CAPA, "audit_finding_capa"),
    path("may-accept/", page(may_accept_page), name="may_accept"),
]
