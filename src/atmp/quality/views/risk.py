"""Risk assessments' pages: the register (the list), opening and editing FMEAs, their rows, the sites' scales."""

from __future__ import annotations

import dataclasses
from typing import Any

import pydantic
from django.contrib import messages
from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from atmp.accounts.access import requires
from atmp.accounts.models import Site, User
from atmp.accounts.visibility import visible_records, visible_sites
from atmp.ledger.errors import LedgerError
from atmp.lists import Column, ListSpec, TextFilter
from atmp.quality import risk as scoring
from atmp.quality.api import risk as api
from atmp.quality.models.risk import FmeaRow, RiskAssessment, RiskScale
from atmp.quality.services.risk import scale_row
from atmp.quality.views.common import (
    RecordAction,
    list_view,
    operation_path,
    record_url,
    site_choices,
    workflow_columns,
    workflow_filters,
)
from atmp.quality.workflows.risk import RISK_WORKFLOW
from atmp.web.operations import OperationForm, body_values, build_form, run
from atmp.web.pages import add_service_error, page


def _assessments(viewer: User) -> QuerySet[Any]:
    """Return the viewer's assessments with their highest RPN and highest remaining (residual, else initial) RPN."""
    live = Q(rows__voided=False)
    rows = RiskAssessment.objects.select_related("site", "assignee").annotate(
        highest=Max("rows__rpn", filter=live),
        remaining=Max(Coalesce("rows__residual_rpn", "rows__rpn"), filter=live),
    )
    return visible_records(viewer, rows)


REGISTER = ListSpec(
    name="risk_assessments",
    title="Risk register",
    rows=_assessments,
    default_sort="-number",
    columns=(
        Column("number", "Number", sort="number", link=record_url),
        Column("title", "Title", sort="title"),
        Column("site", "Site", value="site.code", sort="site__code"),
        Column("product", "Product", sort="product"),
        Column("process", "Process", sort="process"),
        # Sorted by the annotations of _assessments (atmp.lists sorts by an annotation as by a field).
        Column("highest", "Highest RPN", value=lambda a: a.highest if a.highest is not None else "—", sort="highest"),
        Column(
            "remaining",
            "Remaining RPN",
            value=lambda a: a.remaining if a.remaining is not None else "—",
            sort="remaining",
        ),
        *workflow_columns(),
    ),
    filters=(
        TextFilter("q", "Number or title", fields=("number", "title")),
        TextFilter("product", "Product", fields=("product",)),
        TextFilter("process", "Process", fields=("process",)),
        *workflow_filters(RISK_WORKFLOW),
    ),
)

_SCORE_HELP = "On the scale frozen into the assessment (1 to its levels; Quality › Risk scales)."

OPEN = OperationForm(
    title="Open a risk assessment (FMEA)",
    operation=api.create_assessment,
    choices={"site": site_choices},
    intro="The site's risk scale is frozen into the assessment when it is opened (ICH Q9(R1)).",
    submit="Open",
    back="quality:risk_assessments",
)
EDIT = OperationForm(
    title="Edit the risk assessment",
    operation=api.update_assessment,
    record_type=RiskAssessment.record_type(),
    path="assessment_id",
    initial=api.assessment_document,
)
ADD_ROW = OperationForm(
    title="Add a failure mode",
    operation=api.add_row,
    record_type=RiskAssessment.record_type(),
    path="assessment_id",
    help={name: _SCORE_HELP for name in ("severity", "occurrence", "detectability")},
    intro="The RPN (severity × occurrence × detectability) and its class are computed; residual scores, "
    "after the actions, are given all three or none.",
    submit="Add",
    returns="record",
)


# A row's operations name its assessment and the row; the row's page knows only the row, so these
# two look the assessment up and run the API operation itself.
@requires("records.write")
def update_row(request: HttpRequest, row_id: int, body: api.RowPatch) -> dict[str, Any]:
    """Change a row of a draft FMEA (the API operation, reached from the row's page)."""
    row = FmeaRow.objects.only("assessment_id").get(pk=row_id)
    return api.update_row(request, assessment_id=row.assessment_id, row_id=row_id, body=body)


@requires("records.write")
def remove_row(request: HttpRequest, row_id: int, body: api.VoidRowIn) -> dict[str, Any]:
    """Void a row of a draft FMEA (the API operation, reached from the row's page)."""
    row = FmeaRow.objects.only("assessment_id").get(pk=row_id)
    api.remove_row(request, assessment_id=row.assessment_id, row_id=row_id, body=body)
    return {"record": f"{RiskAssessment.record_type()}:{row.assessment_id}"}


EDIT_ROW = OperationForm(
    title="Edit the failure mode",
    operation=update_row,
    record_type=FmeaRow.record_type(),
    path="row_id",
    initial=api.row_document,
    help={name: _SCORE_HELP for name in ("severity", "occurrence", "detectability")},
    intro="The RPNs are computed again. A residual score left empty keeps its value.",
)
VOID_ROW = OperationForm(
    title="Remove the failure mode",
    operation=remove_row,
    record_type=FmeaRow.record_type(),
    path="row_id",
    intro="The row is voided with your reason; the ledger keeps it.",
    submit="Remove",
)


def _draft_row(r: FmeaRow) -> bool:
    return r.assessment.status == "draft"


ACTIONS = {
    RiskAssessment.record_type(): (
        RecordAction("Edit", "risk_edit", EDIT, when=lambda a: a.status == "draft"),
        RecordAction("Add failure mode", "risk_row_new", ADD_ROW, when=lambda a: a.status == "draft"),
    ),
    FmeaRow.record_type(): (
        RecordAction("Edit", "risk_row_edit", EDIT_ROW, when=_draft_row),
        RecordAction("Remove", "risk_row_void", VOID_ROW, when=_draft_row),
    ),
}


# --- the sites' scales -----------------------------------------------------------------------------

SCALE = OperationForm(
    title="Set the risk scale",
    operation=api.set_scale,
    help={
        "levels": "How many levels each score has (1 to 10).",
        "severity_levels": "One definition per level, level 1 first (optional).",
        "occurrence_levels": "One definition per level, level 1 first (optional).",
        "detectability_levels": "One definition per level, level 1 first (optional).",
    },
    intro="A class is suggested from the RPN (severity × occurrence × detectability) and the severity "
    "thresholds. A new assessment freezes the scale in force when it is opened; earlier ones keep theirs.",
    back="quality:risk_scales",
)


def _scale_values(row: Any) -> dict[str, Any]:
    values: dict[str, Any] = dict(api.scale_numbers(row))
    for name in ("severity_levels", "occurrence_levels", "detectability_levels"):
        values[name] = getattr(row, name, "")
    return values


def _target(viewer: User, code: str) -> Site | None:
    """Return the site a scale page is about (None: the default), or 404 for a site the viewer does not see."""
    if code.lower() == "default":
        return None
    found = visible_sites(viewer).filter(code=code.upper(), voided=False).first()
    if found is None:
        raise Http404(f"there is no site {code!r} of yours")
    return found


@requires("records.view")
def scales(request: HttpRequest) -> HttpResponse:
    """Show the scale each of the viewer's sites scores risks on, and the default."""
    viewer: User = request.user  # type: ignore[assignment]
    default = scale_row(None)
    shown: list[dict[str, Any]] = [
        {"code": "default", "name": "Default of every site without its own", "row": default, "from": ""}
    ]
    for site in visible_sites(viewer).filter(voided=False).order_by("code"):
        own = RiskScale.objects.filter(site=site, voided=False).first()
        applies = own or default
        origin = "own" if own else ("the default" if default else "atmp's built-in default")
        shown.append({"code": site.code, "name": site.name, "row": applies, "from": origin})
    for item in shown:
        item["values"] = _scale_values(item["row"] or scoring.DEFAULT_SCALE)
    context = {"scales": shown, "may_set": SCALE.may(viewer)}
    return render(request, "quality/risk_scales.html", context)


@requires("quality.decide")
def set_scale(request: HttpRequest, site: str) -> HttpResponse:
    """Set a site's scale (or the default): the API operation PUT /quality/risk-scales/{site}, drawn as a form.

    The generic operation page draws a form for a record; a scale is a site's setting, so this page
    shows the scale in force as the form's values. A site with a scale of its own sends the fields
    changed; one without sends them all (its first scale starts from what applied until then).
    """
    viewer: User = request.user  # type: ignore[assignment]
    target = _target(viewer, site)
    own = RiskScale.objects.filter(site=target, voided=False).first()
    applies = own or scale_row(None)
    shown = _scale_values(applies or scoring.DEFAULT_SCALE)
    if own is not None:
        shown["version"] = own.version
    code = target.code if target is not None else "default"
    if request.method == "POST":
        form = build_form(SCALE, viewer, data=request.POST, initial=shown)
        if form.is_valid():
            body = body_values(form, SCALE.schema, initial=shown if own else None, user=viewer, record=None)
            try:
                run(request, SCALE, body, {"site": code})
            except LedgerError as exc:
                add_service_error(form, exc)
            except pydantic.ValidationError as exc:
                for error in exc.errors():
                    where = str(error["loc"][0]) if error.get("loc") else None
                    form.add_error(where if where in form.fields else None, str(error["msg"]))
            else:
                messages.success(request, f"The risk scale of {code} is set.")
                return redirect(reverse("quality:risk_scales"))
        status = 400
    else:
        form = build_form(SCALE, viewer, initial=shown)
        status = 200
    title = "Set the default risk scale" if target is None else f"Set the risk scale of {code}"
    context = {
        "spec": dataclasses.replace(SCALE, title=title),
        "form": form,
        "record": None,
        "record_url": None,
        "back_url": reverse("quality:risk_scales"),
        "signing": False,
    }
    return render(request, "web/operation_form.html", context, status=status)


urlpatterns = [
    path(
        "risk-assessments/",
        list_view(REGISTER, new="quality:risk_new", template="quality/risk_list.html"),
        name="risk_assessments",
    ),
    operation_path("risk-assessments/new/", OPEN, "risk_new"),
    operation_path("risk-assessments/<int:record_id>/edit/", EDIT, "risk_edit"),
    operation_path("risk-assessments/<int:record_id>/rows/new/", ADD_ROW, "risk_row_new"),
    operation_path("fmea-rows/<int:record_id>/edit/", EDIT_ROW, "risk_row_edit"),
    operation_path("fmea-rows/<int:record_id>/void/", VOID_ROW, "risk_row_void"),
    path("risk-scales/", page(scales), name="risk_scales"),
    path("risk-scales/<str:site>/", page(set_scale), name="risk_scale"),
]
