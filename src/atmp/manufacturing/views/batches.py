"""The batch pages: the batches of your sites (with a new batch's form), a batch's record with its steps,
every entry (superseded ones struck through, never hidden) and QA's review by exception, and the
operator's step page, made for a tablet in the cleanroom.

Every write runs the API's own operation (ADR 0013, atmp.manufacturing.views.batch_forms), so a page
refuses exactly what the API refuses, with the rule's words, and writes nothing when it does.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from ninja import Status

from atmp.accounts.access import requires
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.manufacturing.models import Batch, BatchEntry, BatchStep, StepProgress
from atmp.manufacturing.selectors.batch_documents import batch_document, exception_document
from atmp.manufacturing.selectors.batches import (
    cell_age_limits,
    entries_by_step,
    entries_of,
    exceptions,
    live_entries,
    steps_of,
)
from atmp.manufacturing.views import batch_forms as bf
from atmp.manufacturing.views.batch_rows import Lines, exception_links, lines_by_step, step_ranges, step_rows
from atmp.trace.units import display as shown

LIMIT = 200
UNACKNOWLEDGED = "warning not acknowledged"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _answer(result: Any) -> dict[str, Any]:
    value = result.value if isinstance(result, Status) else result
    return value if isinstance(value, dict) else {}


def _find(request: HttpRequest, record_id: int) -> Batch:
    found = (
        Batch.objects.select_related("product", "site", "patient", "output_lot", "mbr__process_version")
        .filter(pk=record_id)
        .first()
    )
    if found is None or found.voided or not can_see(_user(request), found):
        raise Http404("there is no such batch")
    return found


@requires("records.view")
def batch_list(request: HttpRequest) -> HttpResponse:
    """List the latest batches of your sites with their state, and offer a new batch's form."""
    user = _user(request)
    offered = bf.NEW_BATCH.may(user)
    options = {"mbr": bf.effective_mbrs(user)}
    form = bf.draw(bf.NEW_BATCH, user, options) if offered else None
    status = 200
    if request.method == "POST" and offered:
        form = bf.draw(bf.NEW_BATCH, user, options, data=request.POST)
        result, status = bf.submit(request, bf.NEW_BATCH, form, {}, record=None)
        if result is not None:
            made = _answer(result)
            messages.success(request, f"Batch {made.get('number')} created.")
            return redirect("manufacturing:batch_page", made["id"])
    rows = Batch.objects.filter(voided=False).select_related("product", "site", "patient").order_by("-pk")
    ids = user.site_ids()
    if ids is not None:
        rows = rows.filter(site_id__in=ids)
    context = {"rows": list(rows[:LIMIT]), "form": form, "spec": bf.NEW_BATCH, "open": status != 200}
    return render(request, "manufacturing/batches.html", context, status=status)


@requires("records.view")
def batch_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """Show a batch's record: steps (each linked to its page), entries, and the exceptions QA reviews."""
    found = _find(request, record_id)
    user = _user(request)
    may_complete = found.status == "in_progress" and bf.COMPLETE_BATCH.may(user)
    form = bf.draw(bf.COMPLETE_BATCH, user, {}) if may_complete else None
    status = 200
    if request.method == "POST" and may_complete:
        form = bf.draw(bf.COMPLETE_BATCH, user, {}, data=request.POST)
        result, status = bf.submit(request, bf.COMPLETE_BATCH, form, {"number": found.number}, record=found)
        if result is not None:
            messages.success(request, f"Batch {found.number} executed: QA reviews it by exception.")
            return redirect("manufacturing:batch_page", found.pk)
    # The steps and entries are read once, for the record and for review by exception (both show them).
    steps, by_step = steps_of(found), entries_by_step(found)
    doc = batch_document(found, entries=True, read=(steps, by_step))
    found_exceptions = [exception_document(x) for x in exceptions(found, steps=steps, by_step=by_step)]
    number = {s.pk: s.number for s in steps}
    context = {
        "batch": found,
        "doc": doc,
        "superseded": {e["supersedes"] for s in doc["steps"] for e in s["entries"] or [] if e["supersedes"]},
        "exceptions": exception_links(
            found, found_exceptions, steps={e.pk: number[e.step_id] for rows in by_step.values() for e in rows}
        ),
        "record_url": reverse("web:record", args=[found.record_type(), found.pk]),
        "trail": _trail_review(user, found),
        "pdf": pdf_panel(found, parts=[*steps, *(e for rows in by_step.values() for e in rows)]),
        "form": form,
        "spec": bf.COMPLETE_BATCH,
        "open": status != 200,
    }
    return render(request, "manufacturing/batch.html", context, status=status)


def _trail_review(user: User, batch: Batch) -> dict[str, Any] | None:
    """Return, for a reviewer, how much of the batch's whole trail (its steps and entries too) signed reviews cover."""
    if not user.can("audit.review"):
        return None
    from urllib.parse import urlencode

    from atmp.ledger import reviews, trail

    selection = trail.TrailFilter(record_type=batch.record_type(), record_id=str(batch.pk), with_parts=True)
    query = {"record_type": batch.record_type(), "record_id": batch.pk, "with_parts": "on"}
    entries, unreviewed = reviews.review_state(selection)
    return {
        "entries": entries,
        "unreviewed": len(unreviewed),
        "url": reverse("web:audit") + "?" + urlencode(query),
    }


@requires("records.view")
def batch_pdf(request: HttpRequest, record_id: int) -> HttpResponse:
    """Download a short batch's record as PDF/A-3b at once; for a long one, queue it on POST (ADR 0031)."""
    from atmp.ledger.errors import LedgerError
    from atmp.manufacturing.printed import batch_pdf as render
    from atmp.manufacturing.printed import pdf_download
    from atmp.manufacturing.services import batch_pdfs

    found = _find(request, record_id)
    if batch_pdfs.is_long(found):
        if request.method != "POST":
            messages.info(request, "This batch record is long: its PDF is prepared in the background (Prepare PDF).")
            return redirect("manufacturing:batch_page", found.pk)
        _job, new = batch_pdfs.ask(_user(request), found)
        if new:
            messages.success(request, "The PDF is being prepared: this page offers it once it is ready.")
        return redirect("manufacturing:batch_page", found.pk)
    try:
        data = render(_user(request), found)
    except LedgerError as exc:
        messages.error(request, f"The PDF could not be made: {exc}")
        return redirect("manufacturing:batch_page", found.pk)
    return pdf_download(data, found)


@requires("records.view")
def batch_pdf_file(request: HttpRequest, record_id: int, job_id: int) -> HttpResponse:
    """Download a prepared PDF of the batch (404 unless it is ready and its file is there)."""
    from atmp.ledger.errors import RuleViolation
    from atmp.manufacturing.models import BatchPdf
    from atmp.manufacturing.services import batch_pdfs
    from atmp.printing.pdf import download

    found = _find(request, record_id)
    job = BatchPdf.objects.filter(pk=job_id, batch=found).first()
    try:
        path = batch_pdfs.ready_file(job) if job is not None else None
    except RuleViolation:
        path = None
    if job is None or path is None:
        raise Http404("there is no such PDF of this batch")
    response: HttpResponse = download(path.read_bytes(), batch_pdfs.file_name(job))
    return response


def pdf_panel(batch: Batch, parts: list[Any] | None = None) -> dict[str, Any]:
    """Return what the batch page's PDF area shows: at once for a short record, else the latest job's state.

    parts: the batch's steps and entries, voided ones too, when the caller has read them already.
    """
    from atmp.manufacturing.models import PdfState
    from atmp.manufacturing.printed import newest_seq
    from atmp.manufacturing.services import batch_pdfs
    from atmp.web import display

    count = batch_pdfs.record_count(batch) if parts is None else len(parts)
    panel: dict[str, Any] = {"long": count > batch_pdfs.QUEUE_ABOVE, "count": count, "limit": batch_pdfs.QUEUE_ABOVE}
    job = batch_pdfs.latest(batch) if panel["long"] else None
    if job is None:
        return panel
    zone = display.site_zone(batch)
    present = job.state == PdfState.READY and batch_pdfs.path_of(job).is_file()
    panel |= {
        "job": job,
        "by": job.requested_by.full_name or job.requested_by.username,
        "asked_at": display.utc(job.requested_at),
        "asked_at_local": display.in_zone(job.requested_at, zone) if zone else "",
        "made_at": display.utc(job.finished_at),
        "pending": job.state in batch_pdfs.PENDING,
        "failed": job.state == PdfState.FAILED,
        "ready": present,
        "missing": job.state == PdfState.READY and not present,
        # The newest entry from the steps and entries the page has read, not a second read of their ids.
        "stale": job.state == PdfState.READY and batch_pdfs.is_stale(job, newest_seq(batch, parts)),
    }
    return panel


def _offered(step: BatchStep, live: list[BatchEntry], lines: Lines) -> list[str]:
    """Return the keys of the step forms that apply in the step's state (the API still decides).

    `lines` is the master step's live parameters, controls and bill of materials (lines_by_step).
    """
    if step.batch.status not in ("planned", "in_progress"):
        return []
    if step.progress == StepProgress.PENDING:
        return ["start"]
    keys = []
    if step.progress == StepProgress.IN_PROGRESS:
        for key, rows in zip(("parameter", "control", "material"), lines, strict=True):
            if rows:
                keys.append(key)
    if any(e.material_id is None for e in live):
        keys.append("correct")
    if any(e.material_id is not None for e in live):
        keys.append("correct_material")
    if live:
        keys.append("verify")
    if step.progress == StepProgress.IN_PROGRESS:
        keys.append("complete")
    return keys


def _success(key: str, answer: dict[str, Any]) -> str:
    if key in ("start", "complete"):
        return f"Step {answer.get('number')}: {str(answer.get('progress', '')).replace('_', ' ')}."
    words = f"Recorded: {answer.get('name')} {answer.get('value')} {shown(str(answer.get('unit') or ''))}".rstrip()
    if key == "verify":
        words = f"Verified: {answer.get('name')} {answer.get('value')} {shown(str(answer.get('unit') or ''))}".rstrip()
    if answer.get("flag") not in (None, "ok"):
        words += f" ({str(answer['flag']).replace('_', ' ')})"
    if answer.get("deviation"):
        words += f"; deviation {answer['deviation']} opened"
    return words + "."


@requires("records.view")
def step_page(request: HttpRequest, record_id: int, step_number: int) -> HttpResponse:
    """The operator's page for one step: its instructions, its entries, and the forms that record them."""
    batch = _find(request, record_id)
    step = batch.steps.filter(number=step_number, voided=False).select_related("mbr_step", "room", "operator").first()
    if step is None:
        raise Http404("there is no such step")
    step.batch = batch
    user = _user(request)
    # The step's entries, its master step's lines: read once for the forms offered, the rows and the ranges.
    every = entries_of(step)
    live = live_entries(step, every)
    lines = lines_by_step([step])[step.mbr_step_id]
    keys = [k for k in _offered(step, live, lines) if bf.BY_KEY[k].spec.may(user)]
    posted = request.GET.get("do") if request.method == "POST" else None
    if posted is not None and posted not in keys:
        return HttpResponseBadRequest(f"this step offers no form {posted!r} now")
    status = 200
    drawn: dict[str, Any] = {}
    for key in keys:
        spec = bf.BY_KEY[key].spec
        options = bf.choices_for(key, step, user, live, lines)
        form = bf.draw(spec, user, options, data=request.POST if key == posted else None, record=batch, prefix=key)
        if key == posted:
            on_entry = bf.BY_KEY[key].picks_entry
            path = {} if on_entry else {"number": batch.number, "step_number": step.number}
            result, status = bf.submit(request, spec, form, path, record=batch)
            if result is not None:
                answer = _answer(result)
                messages.success(request, _success(key, answer))
                anchor = f"#entry-{answer['id']}" if key not in ("start", "complete") and "id" in answer else ""
                return redirect(reverse("manufacturing:batch_step", args=[batch.pk, step.number]) + anchor)
        if "acknowledged" in form.fields and not _asks_acknowledgement(form):
            del form.fields["acknowledged"]
        drawn[key] = form
    mbr_step = step.mbr_step
    sops = mbr_step.sops.filter(voided=False).select_related("document").order_by("position")
    context = {
        "batch": batch,
        "step": step,
        "mbr_step": mbr_step,
        "sops": [s.document for s in sops],
        "ranges": step_ranges(step, lines) + cell_age_limits(step, lines[0]),
        "rows": step_rows(step, entries=every),
        "forms": [(key, bf.BY_KEY[key].spec, drawn[key]) for key in keys],
        "posted": posted if status != 200 else None,
    }
    return render(request, "manufacturing/batch_step.html", context, status=status)


def _asks_acknowledgement(form: Any) -> bool:
    """Return True when the form was refused for an unacknowledged warning (or the box is ticked)."""
    if not form.is_bound:
        return False
    if form.data.get(form.add_prefix("acknowledged")):
        return True
    return any(UNACKNOWLEDGED in str(e) for errors in form.errors.values() for e in errors)
