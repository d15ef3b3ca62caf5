"""The samples', results' and OOS investigations' pages (issue 15 item 3), and a batch's certificate of
analysis (item 8). Writes run the API operations (ADR 0013): drawn forms where the body is flat, and on
the sample page one small form per attribute whose values become the same body; a file (the CSV import)
calls the service as the potency upload does."""

from __future__ import annotations

from typing import Any

import pydantic
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import User
from atmp.api.errors import status_of
from atmp.lab.api import results as api
from atmp.lab.models import OosInvestigation, Result, Sample, SamplePurpose, SpecificationAttribute
from atmp.lab.selectors.coa import coa_document, spec_of
from atmp.lab.selectors.results import (
    OOS_INVESTIGATIONS,
    SAMPLES,
    oos_document,
    result_document,
    sample_document,
    site_choices,
)
from atmp.lab.services import oos as oos_svc
from atmp.lab.services import results as svc
from atmp.ledger.errors import LedgerError
from atmp.manufacturing.models import Batch
from atmp.web.lists import list_page
from atmp.web.operations import OperationForm, operation_view, run
from atmp.web.pages import add_service_error, message_of, page
from atmp.workflow import engine

SAMPLE = Sample.record_type()
RESULT = Result.record_type()
OOS = OosInvestigation.record_type()

NEW_SAMPLE = OperationForm(
    title="Register a sample",
    operation=api.add_sample,
    choices={"site": site_choices, "purpose": SamplePurpose.choices},
    help={"taken_at": "YYYY-MM-DD HH:MM (now if empty).", "quantity": "A decimal, e.g. 1.5."},
    submit="Register",
    back="lab:samples",
)
RECEIVE = OperationForm(
    title="Receive the sample in the lab",
    operation=api.receive,
    record_type=SAMPLE,
    path="sample_id",
    submit="Receive",
)
HAND_OVER = OperationForm(
    title="Hand the sample over",
    operation=api.hand_over,
    record_type=SAMPLE,
    path="sample_id",
    help={"at": "YYYY-MM-DD HH:MM (now if empty)."},
    submit="Record the hand-over",
)
ADD_RESULT = OperationForm(title="Enter a result", operation=api.add_result, record_type=SAMPLE, path="sample_id")
CORRECT = OperationForm(
    title="Correct the result (or record a retest)",
    operation=api.correct,
    record_type=RESULT,
    path="result_id",
    intro="A result is never edited: the correction is a new result that supersedes this one, with the reason "
    "(ADR 0026); the original stays in the record.",
    submit="Record the correction",
)
REVIEW = OperationForm(
    title="Review the result (second person)",
    operation=api.review,
    record_type=RESULT,
    path="result_id",
    intro="Sign 'reviewed' as the second person: you checked the raw data, the calculation and the evaluation. "
    "The analyst who entered the result cannot review it.",
    submit="Sign 'reviewed'",
)
FINDINGS = OperationForm(
    title="Write the investigation's findings",
    operation=api.findings,
    record_type=OOS,
    path="oos_id",
    initial=lambda oos: {"phase_1_finding": oos.phase_1_finding, "phase_2_finding": oos.phase_2_finding},
    submit="Save",
)


def _sample(request: HttpRequest, record_id: int) -> Sample:
    request.auth_user = request.user  # type: ignore[attr-defined]  # what the API's auth sets
    try:
        found = api.sample_of(request, record_id)
    except LedgerError:
        raise Http404("there is no such sample") from None
    return found


@requires("records.view")
def sample_list(request: HttpRequest) -> Any:  # a page, or its CSV as a stream
    """Show the samples, filtered by number or batch, status, purpose or site."""
    may_write = request.user.can("records.write")  # type: ignore[union-attr]
    context = {"new_url": reverse("lab:sample_new") if may_write else None}
    return list_page(request, SAMPLES, template="lab/potency_list.html", context=context)


def sample_context(
    user: User, sample: Sample, *, errors: dict[str, str] | None = None, posted: dict[str, dict[str, str]] | None = None
) -> dict[str, Any]:
    """Return what the sample page shows: custody, the batch's attributes with the results that stand, forms."""
    doc = sample_document(sample)
    spec = spec_of(sample.batch) if sample.batch is not None else None
    attributes = (
        list(
            SpecificationAttribute.objects.filter(specification=spec, voided=False)
            .select_related("method")
            .order_by("position")
        )
        if spec is not None
        else []
    )
    standing: dict[str, list[dict[str, Any]]] = {}
    for r in doc["results"]:
        standing.setdefault(r["attribute"], []).append(r)
    may_write = user.can("records.write") and not sample.voided
    testable = sample.status in svc.TESTABLE
    return {
        "sample": sample,
        "doc": doc,
        "spec": spec,
        "rows": [
            {
                "attribute": a,
                "results": standing.get(a.name, []),
                "error": (errors or {}).get(str(a.position)),
                "posted": (posted or {}).get(str(a.position), {}),
            }
            for a in attributes
        ],
        "record_url": reverse("web:record", args=[SAMPLE, sample.pk]),
        "may_enter": may_write and testable,
        "receive_url": reverse("lab:sample_receive", args=[sample.pk])
        if may_write and sample.status == "registered"
        else None,
        "handover_url": reverse("lab:sample_handover", args=[sample.pk])
        if may_write and sample.status not in ("consumed", "disposed")
        else None,
        "import_url": reverse("lab:sample_import", args=[sample.pk]) if may_write and testable else None,
        "coa_url": reverse("lab:coa", args=[sample.batch.number]) if sample.batch else None,
        # A refusal naming no attribute of the page (an unknown one, or a field of none) is shown above them.
        "other_errors": [e for k, e in (errors or {}).items() if k not in {str(a.position) for a in attributes}],
    }


@requires("records.view")
def sample_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """Show a sample: its custody, its batch's specification attributes, the results entered and the entry forms."""
    sample = _sample(request, record_id)
    return render(request, "lab/sample_page.html", sample_context(request.user, sample))  # type: ignore[arg-type]


RESULT_FIELDS = ("value", "unit", "instrument", "tested_on", "note", "reason")


@requires("records.write")
def enter_result(request: HttpRequest, record_id: int) -> HttpResponse:
    """Enter one attribute's result from the sample page (the API operation runs; a refusal shown beside it)."""
    sample = _sample(request, record_id)
    if request.method != "POST":
        return redirect(reverse("lab:sample_page", args=[sample.pk]))
    attribute = request.POST.get("attribute", "").strip()
    body: dict[str, Any] = {"attribute": attribute}
    for name in RESULT_FIELDS:
        value = request.POST.get(name, "").strip()
        if value:
            body[name] = value
    body["convert"] = request.POST.get("convert") in ("on", "true", "yes")
    status = 400
    try:
        made = run(request, ADD_RESULT, body, {"record_id": sample.pk})
    except pydantic.ValidationError as exc:
        error = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from None
    except LedgerError as exc:
        field = exc.field if isinstance(exc, InvalidInput) else "result"
        error = f"{field}: {message_of(exc)}"
        status = status_of(exc)
    else:
        doc = made.value
        verdict = {True: "conforms", False: "does NOT conform (an OOS investigation is open)", None: "reported"}
        messages.success(request, f"{doc['attribute']}: {doc['reported']} {verdict[doc['conforms']]}.")
        return redirect(reverse("lab:sample_page", args=[sample.pk]) + f"#attribute-{attribute}")
    sample.refresh_from_db()
    context = sample_context(
        request.user,  # type: ignore[arg-type]
        sample,
        errors={attribute: error},
        posted={attribute: {k: request.POST.get(k, "") for k in (*RESULT_FIELDS, "convert")}},
    )
    return render(request, "lab/sample_page.html", context, status=status)


class ImportForm(forms.Form):
    """A CSV of results for the sample."""

    file = forms.FileField(
        help_text="CSV (UTF-8): attribute,value[,unit,instrument,tested_on,convert,note]; stored with its SHA-256."
    )
    reason = forms.CharField(max_length=2000, required=False)


@requires("records.write")
def import_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """Import the sample's results from a CSV file (every line checked first; nothing written on any error)."""
    sample = _sample(request, record_id)
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                made = svc.import_csv(
                    actor=request.user,  # type: ignore[arg-type]
                    stream=upload,
                    name=upload.name or "results.csv",
                    sample=sample,
                    reason=form.cleaned_data["reason"],
                )
            except NotAllowed as exc:
                raise PermissionDenied(str(exc)) from None
            except LedgerError as exc:
                add_service_error(form, exc, aliases={"name": "file"})
                status = status_of(exc)
            else:
                messages.success(request, f"{len(made)} result(s) imported from {upload.name}.")
                return redirect(reverse("lab:sample_page", args=[sample.pk]))
    context = {"sample": sample, "form": form, "title": "Import results (CSV)", "multipart": True}
    return render(request, "lab/sample_form.html", context, status=status)


def chain(result: Result) -> list[Result]:
    """Return the result's supersession chain, oldest first: what it corrected and what corrected it."""
    earlier: list[Result] = []
    seen = {result.pk}
    row = result.supersedes
    while row is not None and row.pk not in seen:
        seen.add(row.pk)
        earlier.insert(0, row)
        row = row.supersedes
    later: list[Result] = []
    row = Result.objects.filter(supersedes=result, voided=False).first()
    while row is not None and row.pk not in seen:
        seen.add(row.pk)
        later.append(row)
        row = Result.objects.filter(supersedes=row, voided=False).first()
    return [*earlier, result, *later]


@requires("records.view")
def result_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """Show a result: as entered, parsed, unit, reported, conformity, criterion, supersession, review."""
    user: User = request.user  # type: ignore[assignment]
    try:
        result = svc.find_result(str(record_id), user=user)
    except InvalidInput:
        raise Http404("there is no such result") from None
    if result.voided:
        raise Http404("there is no such result")
    doc = result_document(result)
    standing = not doc["superseded"]
    context = {
        "result": result,
        "doc": doc,
        "chain": chain(result),
        "oos": list(oos_svc.all_investigations().filter(result__in=[r.pk for r in chain(result)], voided=False)),
        "record_url": reverse("web:record", args=[RESULT, result.pk]),
        "correct_url": reverse("lab:result_correct", args=[result.pk]) if standing and CORRECT.may(user) else None,
        "review_url": reverse("lab:result_review", args=[result.pk])
        if standing and REVIEW.may(user) and result.analyst != user.username
        else None,
    }
    return render(request, "lab/result_page.html", context)


@requires("records.view")
def oos_list(request: HttpRequest) -> Any:  # a page, or its CSV as a stream
    """Show the OOS investigations, filtered by state or site."""
    return list_page(request, OOS_INVESTIGATIONS, template="lab/potency_list.html", context={"new_url": None})


@requires("records.view")
def oos_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """Show an investigation: its result, batch, phase findings, state and the workflow's actions."""
    user: User = request.user  # type: ignore[assignment]
    try:
        oos = oos_svc.find_oos(str(record_id), user=user)
    except InvalidInput:
        raise Http404("there is no such OOS investigation") from None
    context = {
        "oos": oos,
        "doc": oos_document(oos),
        "result": result_document(oos.result),
        "options": engine.available(user, oos),
        "record_url": reverse("web:record", args=[OOS, oos.pk]),
        "findings_url": reverse("lab:oos_findings", args=[oos.pk])
        if oos.status != "closed" and FINDINGS.may(user) and not oos.voided
        else None,
    }
    return render(request, "lab/oos_page.html", context)


def _batch(request: HttpRequest, number: str) -> Batch:
    from atmp.manufacturing.services.batches import find_batch

    try:
        return find_batch(number, user=request.user)  # type: ignore[arg-type]
    except InvalidInput:
        raise Http404("there is no such batch") from None


@requires("records.view")
def coa_page(request: HttpRequest, number: str) -> HttpResponse:
    """Show the batch's certificate of analysis: specification, each attribute's method, criterion and result."""
    batch = _batch(request, number)
    context = {
        "batch": batch,
        "doc": coa_document(batch),
        "pdf_url": reverse("lab:coa_pdf", args=[batch.number]),
        "batch_url": reverse("web:record", args=[batch.record_type(), batch.pk]),
        "samples_url": reverse("lab:samples") + f"?q={batch.number}",
    }
    return render(request, "lab/coa.html", context)


@requires("records.view")
def coa_pdf_page(request: HttpRequest, number: str) -> Any:
    """Return the batch's certificate of analysis as PDF/A-3b with its proofs embedded."""
    from atmp.lab.coa import coa_pdf, pdf_download

    batch = _batch(request, number)
    return pdf_download(coa_pdf(request.user, batch), batch)  # type: ignore[arg-type]


urlpatterns = [
    path("samples/", page(sample_list), name="samples"),
    path("samples/new/", operation_view(NEW_SAMPLE), name="sample_new"),
    path("samples/<int:record_id>/", page(sample_page), name="sample_page"),
    path("samples/<int:record_id>/receive/", operation_view(RECEIVE), name="sample_receive"),
    path("samples/<int:record_id>/results/", page(enter_result), name="sample_result"),
    path("samples/<int:record_id>/hand-over/", operation_view(HAND_OVER), name="sample_handover"),
    path("samples/<int:record_id>/import/", page(import_page), name="sample_import"),
    path("results/<int:record_id>/", page(result_page), name="result_page"),
    path("results/<int:record_id>/correct/", operation_view(CORRECT), name="result_correct"),
    path("results/<int:record_id>/review/", operation_view(REVIEW), name="result_review"),
    path("oos/", page(oos_list), name="oos_list"),
    path("oos/<int:record_id>/", page(oos_page), name="oos_page"),
    path("oos/<int:record_id>/findings/", operation_view(FINDINGS), name="oos_findings"),
    path("batches/<str:number>/coa/", page(coa_page), name="coa"),
    path("batches/<str:number>/coa.pdf", page(coa_pdf_page), name="coa_pdf"),
]


def for_record(user: User, record: Any) -> list[dict[str, str]]:
    """Return the record page's buttons: a batch's samples and CoA, a sample's, result's or investigation's page."""
    if record.voided:
        return []
    if isinstance(record, Batch):
        return [
            {"label": "Samples and results", "url": reverse("lab:samples") + f"?q={record.number}", "kind": "button"},
            {"label": "Certificate of analysis", "url": reverse("lab:coa", args=[record.number]), "kind": "button"},
        ]
    if isinstance(record, Sample):
        return [{"label": "Sample page", "url": reverse("lab:sample_page", args=[record.pk]), "kind": "button"}]
    if isinstance(record, Result):
        return [{"label": "Result page", "url": reverse("lab:result_page", args=[record.pk]), "kind": "button"}]
    if isinstance(record, OosInvestigation):
        return [{"label": "Investigation page", "url": reverse("lab:oos_page", args=[record.pk]), "kind": "button"}]
    return []
