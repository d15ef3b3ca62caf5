"""REST operations of batch execution (EBR): create a batch from the effective master record, read it with
its steps and entries (or as PDF/A-3b with their proofs), start and complete steps, record parameter
values, control results and material additions by scan, correct and verify entries, complete execution,
and read its exceptions for review.

A refused rule answers 422 with the rule's words; bad input 400 naming the field (atmp.api.errors).
QA's review (signed 'reviewed') and cancelling are the generic transitions
POST /records/manufacturing.batch/{id}/transitions/review and …/cancel (atmp.workflow).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.api.auth import user_of
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded, segment
from atmp.environment.models import Room
from atmp.manufacturing.models import Batch, BatchStep
from atmp.manufacturing.selectors.batch_documents import (
    batch_document,
    entry_document,
    exception_document,
    step_document,
)
from atmp.manufacturing.selectors.batches import exceptions
from atmp.manufacturing.services import batch_capture, batch_entries, batch_materials, batch_steps, batches
from atmp.manufacturing.services.equipment import find_equipment
from atmp.manufacturing.services.mbr import find_mbr

router = Router(tags=["manufacturing"])
BatchNumber = Annotated[str, segment(60)]
StepNumber = Annotated[int, Field(ge=1, le=MAX_INT)]
EntryId = Annotated[int, Field(ge=1, le=MAX_INT)]
Position = Annotated[int, Field(ge=1, le=32767)]
Value = Annotated[str, bounded(60)]
Unit = Annotated[str, bounded(20)] | None
Note = Annotated[str, bounded(20000)]


class BatchIn(BodyIn):
    """A batch of the effective master batch record: its output lot, and for an autologous product the patient."""

    mbr: Annotated[int, Field(ge=1, le=MAX_INT)] = Field(description="The master batch record's id (effective).")
    output_lot: Annotated[str, bounded(60)] = Field(description="The number of the quarantined lot the batch makes.")
    patient: Annotated[str, bounded(40)] | None = Field(None, description="The patient's COI (autologous only).")
    note: Note = ""
    reason: Reason = ""


class BatchStepStartIn(BodyIn):
    """Start a step: the room (its id) and the codes of the equipment used, scanned."""

    room: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None
    equipment: list[Annotated[str, bounded(60)]] = Field(default_factory=list, max_length=20)
    reason: Reason = ""


class BatchStepCompleteIn(BodyIn):
    """Complete a step (refused while an entry, acknowledgement or verification is missing)."""

    reason: Reason = ""


class BatchValueIn(BodyIn):
    """A value of the step's parameter or control at `position`, in the master record's unit unless converted."""

    position: Position
    value: Value
    unit: Unit = None
    convert: StrictBool = Field(False, description="Convert a value in another unit of the dimension, explicitly.")
    acknowledged: StrictBool = Field(False, description="The operator acknowledges a warning (outside NOR).")
    observed_at: dt.datetime | None = Field(None, description="When it was observed (default: now).")
    note: Note = ""
    reason: Reason = ""


class BatchCaptureIn(BodyIn):
    """Read the value of the step's parameter at `position` from a node of the step's equipment's OPC UA server."""

    position: Position
    equipment: Annotated[str, bounded(40)] = Field(description="Code of equipment the step uses, with an endpoint.")
    node: Annotated[str, bounded(300)] = Field(description="The node id, e.g. ns=2;s=Bioreactor.Temperature.")
    unit: Unit = Field(None, description="The node's unit when it reports none (must match when it does).")
    convert: StrictBool = Field(False, description="Convert a value in another unit of the dimension, explicitly.")
    acknowledged: StrictBool = Field(False, description="The operator acknowledges a warning (outside NOR).")
    note: Note = ""
    reason: Reason = ""


class BatchMaterialIn(BodyIn):
    """The addition of a scanned lot for the step's bill-of-materials line at `position`."""

    position: Position
    lot: Annotated[str, bounded(60)]
    quantity: Annotated[str, bounded(30)]
    unit: Unit = None
    observed_at: dt.datetime | None = None
    note: Note = ""
    reason: Reason = ""


class BatchCorrectionIn(BodyIn):
    """A correction of an entry: the new value and why (required); the original stays visible."""

    value: Value
    reason: Reason
    unit: Unit = None
    convert: StrictBool = False
    acknowledged: StrictBool = False
    note: Note = ""


class BatchMaterialCorrectionIn(BodyIn):
    """A correction of a material addition: the lot and quantity it should have been, and why (required)."""

    lot: Annotated[str, bounded(60)]
    quantity: Annotated[str, bounded(30)]
    reason: Reason
    unit: Unit = None
    note: Note = ""


class BatchVerifyIn(BodyIn):
    """A second person's verification: their password (and code), to sign 'verified'."""

    password: Annotated[str, bounded(1024)]
    otp: Annotated[str, bounded(16)] | None = None


class BatchCompleteIn(BodyIn):
    reason: Reason = ""


class BatchEntryOut(Schema):
    id: int
    record: str
    kind: str
    name: str
    value: str
    unit: str
    converted: bool
    amount: str | None
    flag: str
    flag_label: str
    acknowledged: bool
    late: bool
    observed_at: str
    at: str
    by: str | None
    supersedes: int | None
    correction_reason: str
    deviation: str | None
    lot: str | None
    source: str = Field(description="Where a captured value came from (OPC UA node); empty when typed.")
    verified: bool


class BatchStepOut(Schema):
    id: int
    record: str
    number: int
    title: str
    progress: str
    operator: str | None
    started_at: str | None
    ended_at: str | None
    room: str | None
    equipment: list[str]
    entries: list[BatchEntryOut] | None = None


class BatchOut(Schema):
    id: int
    record: str
    version: int
    number: str
    status: str
    product: str
    site: str
    mbr: int
    patient: str | None = Field(description="The patient's COI (autologous).")
    output_lot: str
    steps: list[BatchStepOut]


class BatchExceptionOut(Schema):
    kind: str
    text: str
    record: str
    at: str


def _batch(request: HttpRequest, number: str) -> Batch:
    return batches.find_batch(number, user=user_of(request))


def _step(request: HttpRequest, number: str, step_number: int) -> BatchStep:
    batch = _batch(request, number)
    step = batch.steps.filter(number=step_number, voided=False).select_related("mbr_step", "batch").first()
    if step is None:
        raise InvalidInput("step", f"batch {batch.number} has no step {step_number}")
    return step


def _row(step: BatchStep, related: str, position: int) -> Any:
    row = getattr(step.mbr_step, related).filter(position=position, voided=False).first()
    if row is None:
        raise InvalidInput("position", f"step {step.number} has no {related[:-1]} at position {position}")
    return row


@router.post("/manufacturing/batches", response=answers({201: BatchOut}))
@requires("records.write")
def create_batch(request: HttpRequest, body: BatchIn) -> Status[dict[str, Any]]:
    """Create a batch of the effective master record, numbered at once (422 naming the rule when refused)."""
    from atmp.trace.services.lots import find_lot
    from atmp.trace.services.persons import find_person

    user = user_of(request)
    made = batches.create_batch(
        actor=user,
        mbr=find_mbr(body.mbr, user=user),
        output_lot=find_lot(body.output_lot, field="output_lot", user=user),
        patient=find_person(body.patient, field="patient", user=user) if body.patient else None,
        note=body.note,
        reason=body.reason,
    )
    return Status(201, batch_document(made))


@router.get("/manufacturing/batches/{number}", response=answers({200: BatchOut}))
@requires("records.view")
def get_batch(request: HttpRequest, number: BatchNumber) -> dict[str, Any]:
    """Return a batch with its steps and every entry (superseded ones too)."""
    return batch_document(_batch(request, number), entries=True)


@router.get("/manufacturing/batches/{number}/exceptions", response=answers({200: list[BatchExceptionOut]}))
@requires("records.view")
def get_batch_exceptions(request: HttpRequest, number: BatchNumber) -> list[dict[str, Any]]:
    """Return the batch's exceptions for QA's review, in time order."""
    return [exception_document(x) for x in exceptions(_batch(request, number))]


PDF_RESPONSE = {
    "description": "the batch record (PDF/A-3b) with the proofs of its steps and entries embedded",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
}
JobId = Annotated[int, Field(ge=1, le=MAX_INT)]


class BatchPdfOut(Schema):
    """A request for a long batch record's PDF: who asked when, its state, and what the file shows once made."""

    id: int
    batch: str
    state: str = Field(description="queued, running, ready or failed")
    requested_by: str
    requested_by_name: str
    requested_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str | None = Field(description="why it failed, in words")
    batch_version: int | None = Field(description="the batch's version the PDF shows")
    last_seq: int | None = Field(description="the newest ledger entry of the batch, its steps and entries it shows")
    ledger_size: int | None = Field(description="the size of the tree its embedded checkpoint signs")
    bytes: int | None
    sha256: str | None
    stale: bool | None = Field(description="ready, and the batch or its parts have newer entries than the PDF shows")
    file_present: bool | None
    file: str | None = Field(description="where to GET the PDF once ready")


def _seen(request: HttpRequest, number: str) -> Batch:
    """Return the batch the caller may see, or 404 (a batch of another site does not exist for them)."""
    from atmp.ledger.errors import NotFound

    try:
        return _batch(request, number)
    except InvalidInput:
        raise NotFound(f"there is no batch {number!r}") from None


def _job_documents(jobs: list[Any]) -> list[dict[str, Any]]:
    from atmp.manufacturing.models import PdfState
    from atmp.manufacturing.services import batch_pdfs

    docs = batch_pdfs.documents(jobs)
    for job, doc in zip(jobs, docs, strict=True):
        ready = job.state == PdfState.READY
        doc["file"] = f"/api/v1/manufacturing/batches/{job.batch.number}/pdf-jobs/{job.pk}/file" if ready else None
    return docs


def _job_document(job: Any) -> dict[str, Any]:
    return _job_documents([job])[0]


@router.get(
    "/manufacturing/batches/{number}/pdf",
    response=answers({}),
    openapi_extra={"responses": {200: PDF_RESPONSE}},
)
@requires("records.view")
def get_batch_pdf(request: HttpRequest, number: BatchNumber) -> HttpResponse:
    """Return the batch record as PDF/A-3b, made now for a short batch; for a long one its prepared, up-to-date
    PDF, or 422 saying to ask for it with POST (404 for a batch that does not exist or that you may not see)."""
    from atmp.ledger.errors import RuleViolation
    from atmp.manufacturing.printed import batch_pdf, pdf_download
    from atmp.manufacturing.services import batch_pdfs

    found = _seen(request, number)
    if not batch_pdfs.is_long(found):
        response: HttpResponse = pdf_download(batch_pdf(user_of(request), found), found)
        return response
    job = batch_pdfs.latest(found)
    if job is None or not batch_pdfs.is_current(job):
        raise RuleViolation(
            f"batch {found.number} holds {batch_pdfs.record_count(found)} steps and entries, more than "
            f"{batch_pdfs.QUEUE_ABOVE}: ask for its PDF with POST …/batches/{found.number}/pdf "
            "and GET the file once ready"
        )
    return _file(job)


@router.post(
    "/manufacturing/batches/{number}/pdf",
    response=answers({202: BatchPdfOut}),
    # A request for a rendition, not a GMP write: no ledger entry (ADR 0031; the fuzz test's marker).
    openapi_extra={"responses": {200: PDF_RESPONSE}, "x-atmp-computation": True},
)
@requires("records.view")
def ask_batch_pdf(request: HttpRequest, number: BatchNumber) -> Any:
    """Ask for the batch record's PDF: a short batch's PDF now (200), a long one's job (202), queued for `atmp tick`
    unless one is queued, running, or ready and up to date."""
    from atmp.manufacturing.printed import batch_pdf, pdf_download
    from atmp.manufacturing.services import batch_pdfs

    found = _seen(request, number)
    if not batch_pdfs.is_long(found):
        return pdf_download(batch_pdf(user_of(request), found), found)
    job, _new = batch_pdfs.ask(user_of(request), found)
    return Status(202, _job_document(job))


@router.get("/manufacturing/batches/{number}/pdf-jobs", response=answers({200: list[BatchPdfOut]}))
@requires("records.view")
def list_batch_pdfs(request: HttpRequest, number: BatchNumber) -> list[dict[str, Any]]:
    """Return every request for the batch's PDF, newest first, with its state."""
    from atmp.manufacturing.services import batch_pdfs

    return _job_documents(batch_pdfs.jobs(_seen(request, number)))


def _job(request: HttpRequest, number: str, job_id: int) -> Any:
    from atmp.ledger.errors import NotFound
    from atmp.manufacturing.models import BatchPdf

    found = _seen(request, number)
    job = BatchPdf.objects.filter(pk=job_id, batch=found).select_related("requested_by", "batch").first()
    if job is None:
        raise NotFound(f"batch {found.number} has no PDF job {job_id}")
    return job


@router.get("/manufacturing/batches/{number}/pdf-jobs/{job_id}", response=answers({200: BatchPdfOut}))
@requires("records.view")
def get_batch_pdf_job(request: HttpRequest, number: BatchNumber, job_id: JobId) -> dict[str, Any]:
    """Return a request for the batch's PDF: its state, why it failed, or what the file shows and if it is stale."""
    return _job_document(_job(request, number, job_id))


@router.get(
    "/manufacturing/batches/{number}/pdf-jobs/{job_id}/file",
    response=answers({}),
    openapi_extra={"responses": {200: PDF_RESPONSE}},
)
@requires("records.view")
def get_batch_pdf_file(request: HttpRequest, number: BatchNumber, job_id: JobId) -> HttpResponse:
    """Return a prepared PDF of the batch (422 while it is not ready, or when its file is gone)."""
    return _file(_job(request, number, job_id))


def _file(job: Any) -> HttpResponse:
    from atmp.manufacturing.services import batch_pdfs
    from atmp.printing.pdf import download

    # A few megabytes at most (ADR 0021): read whole, served as the PDF made in the request is.
    response: HttpResponse = download(batch_pdfs.ready_file(job).read_bytes(), batch_pdfs.file_name(job))
    return response


@router.post("/manufacturing/batches/{number}/steps/{step_number}/start", response=answers({200: BatchStepOut}))
@requires("records.write")
def start_batch_step(request: HttpRequest, number: BatchNumber, step_number: StepNumber, body: BatchStepStartIn) -> Any:
    """Start a step (422 naming the rule: order, training, room, equipment); nothing is written when refused."""
    from atmp.accounts.services import can_see

    user = user_of(request)
    step = _step(request, number, step_number)
    room = None
    if body.room is not None:
        room = Room.objects.filter(pk=body.room, voided=False).first()
        if room is None or not can_see(user, room):
            raise InvalidInput("room", f"there is no room {body.room}")
    equipment = [find_equipment(code, user=user) for code in body.equipment]
    started = batch_steps.start_step(actor=user, step=step, room=room, equipment=equipment, reason=body.reason)
    return step_document(started)


@router.post("/manufacturing/batches/{number}/steps/{step_number}/complete", response=answers({200: BatchStepOut}))
@requires("records.write")
def complete_batch_step(
    request: HttpRequest, number: BatchNumber, step_number: StepNumber, body: BatchStepCompleteIn
) -> dict[str, Any]:
    """Complete a step (422 naming what is missing)."""
    step = _step(request, number, step_number)
    return step_document(batch_steps.complete_step(actor=user_of(request), step=step, reason=body.reason))


@router.post("/manufacturing/batches/{number}/steps/{step_number}/parameters", response=answers({201: BatchEntryOut}))
@requires("records.write")
def record_batch_parameter(
    request: HttpRequest, number: BatchNumber, step_number: StepNumber, body: BatchValueIn
) -> Status[dict[str, Any]]:
    """Record a parameter's value: a warning outside NOR (acknowledge it), a deviation outside PAR."""
    step = _step(request, number, step_number)
    values = body.dict()
    parameter = _row(step, "parameters", values.pop("position"))
    made = batch_entries.record_parameter(actor=user_of(request), step=step, parameter=parameter, **values)
    return Status(201, entry_document(made))


@router.post(
    "/manufacturing/batches/{number}/steps/{step_number}/parameters/capture", response=answers({201: BatchEntryOut})
)
@requires("records.write")
def capture_batch_parameter(
    request: HttpRequest, number: BatchNumber, step_number: StepNumber, body: BatchCaptureIn
) -> Status[dict[str, Any]]:
    """Record a parameter's value read over OPC UA from the step's equipment, with its source and time."""
    step = _step(request, number, step_number)
    values = body.dict()
    parameter = _row(step, "parameters", values.pop("position"))
    equipment = find_equipment(values.pop("equipment"), user=user_of(request))
    made = batch_capture.capture_parameter(
        actor=user_of(request), step=step, parameter=parameter, equipment=equipment, **values
    )
    return Status(201, entry_document(made))


@router.post("/manufacturing/batches/{number}/steps/{step_number}/controls", response=answers({201: BatchEntryOut}))
@requires("records.write")
def record_batch_control(
    request: HttpRequest, number: BatchNumber, step_number: StepNumber, body: BatchValueIn
) -> Status[dict[str, Any]]:
    """Record an in-process control's result (flagged, and a deviation opened, outside its limits)."""
    step = _step(request, number, step_number)
    values = body.dict()
    control = _row(step, "controls", values.pop("position"))
    values.pop("acknowledged")
    made = batch_entries.record_control(actor=user_of(request), step=step, control=control, **values)
    return Status(201, entry_document(made))


@router.post("/manufacturing/batches/{number}/steps/{step_number}/materials", response=answers({201: BatchEntryOut}))
@requires("records.write")
def add_batch_material(
    request: HttpRequest, number: BatchNumber, step_number: StepNumber, body: BatchMaterialIn
) -> Status[dict[str, Any]]:
    """Add a scanned lot for a bill-of-materials line (422: lot status, material, mix-up, tolerance, left)."""
    step = _step(request, number, step_number)
    values = body.dict()
    line = _row(step, "materials", values.pop("position"))
    made = batch_materials.add_material(actor=user_of(request), step=step, line=line, **values)
    return Status(201, entry_document(made))


@router.post("/manufacturing/batch-entries/{entry_id}/corrections", response=answers({201: BatchEntryOut}))
@requires("records.write")
def correct_batch_entry(request: HttpRequest, entry_id: EntryId, body: BatchCorrectionIn) -> Status[dict[str, Any]]:
    """Correct an entry with a new one that supersedes it, with the reason (the original stays)."""
    user = user_of(request)
    entry = batch_entries.find_entry(entry_id, user=user)
    return Status(201, entry_document(batch_entries.correct_entry(actor=user, entry=entry, **body.dict())))


@router.post("/manufacturing/batch-entries/{entry_id}/material-corrections", response=answers({201: BatchEntryOut}))
@requires("records.write")
def correct_batch_material(
    request: HttpRequest, entry_id: EntryId, body: BatchMaterialCorrectionIn
) -> Status[dict[str, Any]]:
    """Correct a material addition: its genealogy use voided and the right lot and quantity added, in one change."""
    user = user_of(request)
    entry = batch_entries.find_entry(entry_id, user=user)
    return Status(201, entry_document(batch_materials.correct_material(actor=user, entry=entry, **body.dict())))


@router.post("/manufacturing/batch-entries/{entry_id}/verify", response=answers({200: BatchEntryOut}))
@requires("records.sign")
def verify_batch_entry(request: HttpRequest, entry_id: EntryId, body: BatchVerifyIn) -> dict[str, Any]:
    """Verify an entry as the second person (signed 'verified'; never by whoever entered it)."""
    user = user_of(request)
    entry = batch_entries.find_entry(entry_id, user=user)
    batch_entries.verify_entry(actor=user, entry=entry, password=body.password, otp=body.otp)
    return entry_document(entry)


@router.post("/manufacturing/batches/{number}/complete", response=answers({200: BatchOut}))
@requires("records.write")
def complete_batch(request: HttpRequest, number: BatchNumber, body: BatchCompleteIn) -> dict[str, Any]:
    """Complete execution once every step is done (422 naming the step that is not)."""
    batch = _batch(request, number)
    return batch_document(batches.complete_batch(actor=user_of(request), batch=batch, reason=body.reason))
