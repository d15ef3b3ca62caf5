"""The viral clearance pages: the list, a study (its steps, each run's LRV, the claim per virus and a
chart), the new-study and add-step forms drawn from their API operations (ADR 0013), and the report
upload (a file, so a Django form calling the service, as manufacturing's qualification page does)."""

from __future__ import annotations

import base64
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import User
from atmp.api.errors import status_of
from atmp.lab.api import viral as api
from atmp.lab.models.viral import Mechanism, TitreUnit, ViralClearanceStudy
from atmp.lab.selectors.viral import VIRAL_STUDIES, site_choices
from atmp.lab.services.viral import attach_report, find_study
from atmp.ledger.errors import LedgerError
from atmp.modules import Panel
from atmp.stats import viral
from atmp.web.lists import list_page
from atmp.web.operations import OperationForm, operation_view
from atmp.web.pages import add_service_error, page
from atmp.workflow import engine

STUDY = ViralClearanceStudy.record_type()
NEW_STUDY = OperationForm(
    title="Open a viral clearance study",
    operation=api.add_study,
    choices={"site": site_choices},
    submit="Open",
    back="lab:viral_studies",
)
ADD_STEP = OperationForm(
    title="Add a step run",
    operation=api.add_step,
    record_type=STUDY,
    path="study_id",
    choices={"mechanism": Mechanism.choices, "titre_unit": TitreUnit.choices},
    intro=(
        "One run of one process step spiked with one virus; titres as log10 per mL, volumes in mL. No virus "
        "detected: untick 'output detected', leave the output titre empty and give the assay's detection limit "
        "or the volume sampled (the Poisson limit at 95 % is computed); the LRV is then reported '≥'. A counted "
        "step needs an LRV above 1 log10; an excluded step, or a second counted step of one mechanism, needs "
        "its reason (ICH Q5A(R2) §6)."
    ),
    submit="Add",
    returns="record",
)


@requires("records.view")
def study_list(request: HttpRequest) -> Any:  # a page, or its CSV as a stream
    """Show the viral clearance studies, filtered by state or site."""
    may_write = request.user.can("records.write")  # type: ignore[union-attr]
    context = {"new_url": reverse("lab:viral_new") if may_write else None}
    return list_page(request, VIRAL_STUDIES, template="lab/viral_list.html", context=context)


def chart(virus: dict[str, Any]) -> str:
    """Return a data: URL of the virus's bar chart of run LRVs (atmp.stats' drawing; CSP allows data: images)."""
    from atmp.stats.analyses.viral import draw

    reductions = tuple(
        viral.StepReduction(
            step=f"{s['step']} run {s['run']}",
            mechanism=s["mechanism"],
            lrv=float(s["lrv"]),
            greater_equal=s["greater_equal"],
            counted=s["in_claim"],
            reason=s["reason"],
        )
        for s in virus["steps"]
    )
    claim = viral.Clearance(reductions, float(virus["claim"] or 0), virus["claim_greater_equal"])
    svg = draw(claim)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@requires("records.view")
def study_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """Show a study: its state, report, steps with each run's LRV, the claim per virus and the charts."""
    user: User = request.user  # type: ignore[assignment]
    try:
        study = find_study(str(record_id), user=user)
    except InvalidInput:
        raise Http404("there is no such viral clearance study") from None
    doc = api.study_document(study)
    viruses = (doc["results"] or {}).get("viruses", [])
    may_write = study.status == "draft" and not study.voided and user.can("records.write")
    context = {
        "study": study,
        "doc": doc,
        "viruses": [{**v, "chart": chart(v) if v["claim"] is not None else None} for v in viruses],
        "options": engine.available(user, study),
        "record_url": reverse("web:record", args=[study.record_type(), study.pk]),
        "add_step_url": reverse("lab:viral_step_new", args=[study.pk]) if may_write else None,
        "report_url": reverse("lab:viral_report", args=[study.pk])
        if study.status in ("draft", "in_review") and user.can("records.write")
        else None,
    }
    return render(request, "lab/viral_study.html", context)


class ReportForm(forms.Form):
    """The final report and the reason."""

    file = forms.FileField(label="Final report", help_text="The testing laboratory's report (stored, hashed).")
    reason = forms.CharField(label="Reason", max_length=2000, required=False)


@requires("records.write")
def report_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """Attach the study's final report (needed before approval)."""
    user: User = request.user  # type: ignore[assignment]
    try:
        study = find_study(str(record_id), user=user)
    except InvalidInput:
        raise Http404("there is no such viral clearance study") from None
    form = ReportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                attach_report(
                    actor=user,
                    study=study,
                    stream=upload,
                    name=upload.name or "report",
                    reason=form.cleaned_data["reason"],
                )
            except NotAllowed as exc:
                raise PermissionDenied(str(exc)) from None
            except LedgerError as exc:
                add_service_error(form, exc, aliases={"name": "file"})
                status = status_of(exc)
            else:
                return redirect(reverse("lab:viral_study", args=[study.pk]))
    return render(request, "lab/viral_report.html", {"study": study, "form": form}, status=status)


urlpatterns = [
    path("viral-clearance/", page(study_list), name="viral_studies"),
    path("viral-clearance/new/", operation_view(NEW_STUDY), name="viral_new"),
    path("viral-clearance/<int:record_id>/", page(study_page), name="viral_study"),
    path("viral-clearance/<int:record_id>/steps/new/", operation_view(ADD_STEP), name="viral_step_new"),
    path("viral-clearance/<int:record_id>/report/", page(report_page), name="viral_report"),
]


def for_record(user: User, record: Any) -> list[dict[str, str]]:
    """Return the record page's buttons of a study: its page, and adding a step while it is a draft."""
    if not isinstance(record, ViralClearanceStudy) or record.voided:
        return []
    found = [{"label": "Steps and claims", "url": reverse("lab:viral_study", args=[record.pk]), "kind": "button"}]
    if record.status == "draft" and ADD_STEP.may(user):
        found.append(
            {"label": "Add a step run", "url": reverse("lab:viral_step_new", args=[record.pk]), "kind": "button"}
        )
    return found


def claims_panel(user: User | None, record: Any, *, for_print: bool = False) -> Panel | None:
    """Return a study's record-page panel: the claim per virus (frozen once approved) and its steps' count."""
    if not isinstance(record, ViralClearanceStudy) or record.voided:
        return None
    doc = api.study_document(record)
    context = {"doc": doc, "study": record, "for_print": for_print}
    return Panel("Viral clearance claims", "lab/viral_panel.html", context, order=30, slug="viral-claims")
