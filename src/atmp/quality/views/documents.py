"""Controlled documents' pages: the list, documents and versions, read-and-understood, requirements, the matrix."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse

from atmp.accounts.access import requires
from atmp.accounts.models import RoleAssignment, Site, User
from atmp.accounts.roles import Role
from atmp.accounts.visibility import visible_records, visible_sites
from atmp.lists import ChoiceFilter, Column, DateRangeFilter, ListSpec, TextFilter
from atmp.quality.api import documents as api
from atmp.quality.models.documents import (
    GMP_ROLES,
    Document,
    DocumentType,
    DocumentVersion,
    TrainingRequirement,
)
from atmp.quality.selectors import documents as selectors
from atmp.quality.views.common import (
    VOIDED,
    RecordAction,
    list_view,
    marked_number,
    number_text,
    operation_path,
    site_choices,
)
from atmp.quality.workflows.documents import DOCUMENT_VERSION_WORKFLOW
from atmp.web.operations import OperationForm
from atmp.web.pages import page

IN_PREPARATION = ("draft", "in_review", "approved")
EVERY_SITE = "every"  # the site filter's value for company-wide documents only


def _documents(viewer: User) -> QuerySet[Any]:
    """Return the viewer's documents with their version in force (label, review date) and one in preparation."""
    versions = DocumentVersion.objects.filter(document=OuterRef("pk"), voided=False).order_by("-pk")
    in_force = versions.filter(status="effective")
    rows = Document.objects.select_related("site", "owner")
    rows = rows.annotate(
        effective_label=Subquery(in_force.values("label")[:1]),
        review_due=Subquery(in_force.values("review_due")[:1]),
        preparing=Subquery(versions.filter(status__in=IN_PREPARATION).values("label")[:1]),
    )
    return visible_records(viewer, rows)


def _site_options(viewer: User) -> list[tuple[str, str]]:
    return [*site_choices(viewer), (EVERY_SITE, "Company-wide (every site)")]


def _at_site(rows: QuerySet[Any], value: str, viewer: User) -> QuerySet[Any]:
    """Keep the documents a site follows: its own and the company-wide ones (or those only)."""
    if value == EVERY_SITE:
        return rows.filter(site__isnull=True)
    return rows.filter(Q(site__code=value) | Q(site__isnull=True))


def _in_state(rows: QuerySet[Any], value: str, viewer: User) -> QuerySet[Any]:
    """Keep the documents with a version in this state."""
    return rows.filter(pk__in=DocumentVersion.objects.filter(status=value, voided=False).values("document_id"))


@dataclass(frozen=True)
class ReviewDueFilter(DateRangeFilter):
    """The periodic review date of the version in force, in a period of days."""

    def apply(self, rows: QuerySet[Any], value: tuple[dt.date | None, dt.date | None], viewer: Any) -> QuerySet[Any]:
        """Keep the documents whose effective version's review falls in the period."""
        effective = DocumentVersion.objects.filter(status="effective", voided=False)
        due = super().apply(effective, value, viewer)
        return rows.filter(pk__in=due.values("document_id"))


DOCUMENTS = ListSpec(
    name="documents",
    title="Controlled documents",
    rows=_documents,
    default_sort="number",
    columns=(
        Column("number", "Number", value=number_text, sort="number", html=marked_number),
        Column("title", "Title", sort="title"),
        Column("type", "Type", value=lambda d: d.get_document_type_display(), sort="document_type"),
        Column("site", "Site", value=lambda d: d.site.code if d.site_id else "every site", sort="site__code"),
        Column("owner", "Owner", value="owner.username"),
        Column("effective", "In force", value=lambda d: d.effective_label or "—"),
        Column("review_due", "Review due", value=lambda d: d.review_due or "—"),
        Column("preparing", "In preparation", value=lambda d: d.preparing or "—"),
    ),
    filters=(
        TextFilter("q", "Number or title", fields=("number", "title")),
        ChoiceFilter("type", "Type", lookup="document_type", choices=DocumentType.choices),
        ChoiceFilter(
            "status",
            "A version",
            choices=[(s.name, s.label) for s in DOCUMENT_VERSION_WORKFLOW.states],
            narrow=_in_state,
        ),
        ChoiceFilter("site", "Site", choices=_site_options, narrow=_at_site),
        ReviewDueFilter("review", "Review due", lookup="review_due"),
        VOIDED,
    ),
)

_OWNER_HELP = "The username of the person who owns it (you, unless named)."

NEW = OperationForm(
    title="Register a controlled document",
    operation=api.create_document,
    choices={"document_type": DocumentType.choices, "site": site_choices},
    labels={"site": "Site (none: every site follows it)"},
    help={"owner": _OWNER_HELP, "number": "Left empty, it is numbered from its type (SOP-0001 …)."},
    intro="The document's content is in its versions: after registering it, start version 1 from its page.",
    submit="Register",
    back="quality:documents",
)
EDIT = OperationForm(
    title="Edit the document",
    operation=api.update_document,
    record_type=Document.record_type(),
    path="document_id",
    initial=api.document_document,
    help={"owner": "The username of the person who owns it."},
)
NEW_VERSION = OperationForm(
    title="Start a new version",
    operation=api.create_version,
    record_type=Document.record_type(),
    path="document_id",
    intro="The version starts as a draft. You land on its page: attach the document's file there (Files), "
    "then submit it for review; a version without its file is not submitted, approved or made effective.",
    submit="Start",
)
EDIT_VERSION = OperationForm(
    title="Edit the draft version",
    operation=api.update_version,
    record_type=DocumentVersion.record_type(),
    path="version_id",
    initial=api.version_document,
    clearable=("change_summary",),  # the API reads a null effective date as "keep it"
)
READ_AND_UNDERSTOOD = OperationForm(
    title="Read and understood",
    operation=api.read_and_understood,
    record_type=DocumentVersion.record_type(),
    path="version_id",
    intro="By signing you confirm that you have read and understood this version: the signature is your "
    "training record (EU GMP Chapter 2 §2.11).",
    submit="Sign",
)


class RequirementOnDocument(api.RequirementIn):
    """A requirement made from its document's page: the page names the document."""

    document: api.Id | None = None  # type: ignore[assignment]


@requires("quality.decide")
def create_requirement(request: HttpRequest, document_id: int, body: RequirementOnDocument) -> Any:
    """Require training on the page's document (the API operation, with the document from the page)."""
    full = api.RequirementIn.model_validate({**body.model_dump(), "document": document_id})
    return api.create_requirement(request, body=full)


NEW_REQUIREMENT = OperationForm(
    title="Require training on this document",
    operation=create_requirement,
    record_type=Document.record_type(),
    path="document_id",
    fields=("role", "user", "site", "grace_days", "note"),
    choices={"role": [(r.value, r.label) for r in Role if r in GMP_ROLES], "site": site_choices},
    labels={"user": "Person", "site": "Site (none: the role at every site)"},
    help={
        "role": "Everyone holding the role must be trained; or name one person instead.",
        "user": "A username, instead of a role.",
        "grace_days": "Days after the version takes effect within which the training is due.",
    },
    submit="Require",
    returns="record",
)
VOID_REQUIREMENT = OperationForm(
    title="Remove the training requirement",
    operation=api.void_requirement,
    record_type=TrainingRequirement.record_type(),
    path="requirement_id",
    intro="The requirement is voided with your reason; the ledger keeps it.",
    submit="Remove",
)


@dataclass(frozen=True)
class TraineeAction(RecordAction):
    """Read-and-understood: offered to a person required to train on the version who has not signed it."""

    def offered(self, user: User, record: Any) -> bool:
        """Return True when the user must still sign this effective version."""
        if not super().offered(user, record):
            return False
        return any(
            item.version.pk == record.pk and item.state != selectors.TRAINED for item in selectors.training_status(user)
        )


def _no_version_in_preparation(d: Document) -> bool:
    return not d.versions.filter(status__in=IN_PREPARATION, voided=False).exists()


ACTIONS = {
    Document.record_type(): (
        RecordAction("Edit", "document_edit", EDIT, when=lambda d: True),
        RecordAction("New version", "document_version_new", NEW_VERSION, when=_no_version_in_preparation),
        RecordAction("Require training", "training_requirement_new", NEW_REQUIREMENT, when=lambda d: True),
    ),
    DocumentVersion.record_type(): (
        RecordAction("Edit", "document_version_edit", EDIT_VERSION, when=lambda v: v.status == "draft"),
        TraineeAction(
            "Read and understood", "read_and_understood", READ_AND_UNDERSTOOD, when=lambda v: v.status == "effective"
        ),
    ),
    TrainingRequirement.record_type(): (
        RecordAction("Remove", "training_requirement_void", VOID_REQUIREMENT, when=lambda r: True),
    ),
}


# --- the training matrix -------------------------------------------------------------------------

STATE_LABELS = {selectors.TRAINED: "trained", selectors.DUE: "due", selectors.OVERDUE: "overdue"}


def _matrix_site(viewer: User, code: str) -> tuple[Site | None, str]:
    """Return the site chosen (None: every site) and a refusal to show, if any."""
    mine = visible_sites(viewer).filter(voided=False).order_by("code")
    if code:
        found = mine.filter(code=code.upper()).first()
        if found is None:
            return (mine.first() if viewer.site_ids() is not None else None), f"there is no site {code!r} of yours"
        return found, ""
    if viewer.site_ids() is not None:
        return mine.first(), ""  # a viewer bound to sites sees one of them at a time
    return None, ""


def _holders(role: str, site: Site | None) -> set[int]:
    rows = RoleAssignment.in_force().filter(role=role)
    if site is not None:
        rows = rows.filter(Q(site=site) | Q(site__isnull=True))
    return set(rows.values_list("user_id", flat=True))


@requires("records.view")
def training_matrix(request: HttpRequest) -> HttpResponse:
    """Show people × required documents, each trained, due or overdue, at a site (or every site) and a day."""
    from atmp.ledger import clock

    viewer: User = request.user  # type: ignore[assignment]
    errors: dict[str, str] = {}
    site, refused = _matrix_site(viewer, (request.GET.get("site") or "").strip())
    if refused:
        errors["site"] = refused
    role = (request.GET.get("role") or "").strip()
    if role and role not in Role.values:
        errors["role"], role = f"{role!r} is not a role", ""
    at_text = (request.GET.get("at") or "").strip()
    moment = clock.now()
    if at_text:
        try:
            day = dt.date.fromisoformat(at_text)
        except ValueError:
            errors["at"] = f"{at_text!r} is not a date (YYYY-MM-DD)"
        else:
            moment = min(moment, dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC))
    matrix = selectors.training_matrix(site, moment)
    users = matrix.users
    if role:
        holders = _holders(role, site)
        users = [u for u in users if u.pk in holders]
    rows: list[dict[str, Any]] = [
        {"user": u, "cells": [matrix.cells.get((u.pk, d.pk)) for d in matrix.documents]} for u in users
    ]
    if request.GET.get("format") == "csv" and not errors:
        return _csv(rows, matrix.documents, site, moment)
    shown = [item for row in rows for item in row["cells"] if item is not None]
    counts = {label: sum(1 for i in shown if i.state == state) for state, label in STATE_LABELS.items()}
    query = request.GET.copy()
    query["format"] = "csv"
    context = {
        "site": site,
        "sites": list(visible_sites(viewer).filter(voided=False).order_by("code")),
        "every_site": viewer.site_ids() is None,
        "roles": [(r.value, r.label) for r in Role if r in GMP_ROLES],
        "role": role,
        "at": at_text,
        "moment": moment,
        "documents": matrix.documents,
        "rows": rows,
        "counts": counts,
        "required": len(shown),
        "errors": errors,
        "csv_url": f"{reverse('quality:training_matrix')}?{query.urlencode()}",
    }
    return render(request, "quality/training_matrix.html", context, status=400 if errors else 200)


def _csv(rows: list[dict[str, Any]], documents: list[Document], site: Site | None, moment: dt.datetime) -> HttpResponse:
    """Return the matrix as CSV: one line per person and document required, with the state and due date."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["user", "full_name", "document", "title", "version", "state", "due", "trained_at"])
    for row in rows:
        for document, item in zip(documents, row["cells"], strict=True):
            if item is None:
                continue
            writer.writerow(
                [
                    row["user"].username,
                    row["user"].full_name,
                    document.number,
                    document.title,
                    item.version.label,
                    STATE_LABELS.get(item.state, item.state),
                    item.due.isoformat(),
                    item.trained_at.isoformat() if item.trained_at else "",
                ]
            )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"training-matrix-{site.code if site else 'all'}-{moment.date().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns = [
    path("documents/", list_view(DOCUMENTS, new="quality:document_new"), name="documents"),
    operation_path("documents/new/", NEW, "document_new"),
    operation_path("documents/<int:record_id>/edit/", EDIT, "document_edit"),
    operation_path("documents/<int:record_id>/versions/new/", NEW_VERSION, "document_version_new"),
    operation_path("documents/<int:record_id>/training/new/", NEW_REQUIREMENT, "training_requirement_new"),
    operation_path("document-versions/<int:record_id>/edit/", EDIT_VERSION, "document_version_edit"),
    operation_path("document-versions/<int:record_id>/read/", READ_AND_UNDERSTOOD, "read_and_understood"),
    operation_path("training-requirements/<int:record_id>/void/", VOID_REQUIREMENT, "training_requirement_void"),
    path("training/matrix/", page(training_matrix), name="training_matrix"),
]
