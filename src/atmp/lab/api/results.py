"""REST operations of samples, results and OOS investigations, under /api/v1/lab/.

An OOS investigation moves by the generic transitions
POST /records/lab.oosinvestigation/{id}/transitions/escalate|invalidate|confirm (atmp.workflow);
closing is signed 'approved' by QA.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, StrictBool

from atmp.accounts import services as accounts
from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.lists import add_list_operation
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded, segment
from atmp.lab.models import Result, Sample
from atmp.lab.selectors.results import (
    OOS_INVESTIGATIONS,
    SAMPLES,
    oos_document,
    result_document,
    sample_document,
)
from atmp.lab.services import oos as oos_svc
from atmp.lab.services import results as svc
from atmp.ledger.errors import NotFound

router = Router(tags=["lab"])
add_list_operation(router, "/lab/samples", SAMPLES, permission="records.view", tags=["lab"])
add_list_operation(router, "/lab/oos", OOS_INVESTIGATIONS, permission="records.view", tags=["lab"])

Id = Annotated[int, Field(ge=1, le=MAX_INT)]
BatchNumber = Annotated[str, segment(60)]


class LabSampleIn(BodyIn):
    """A sample as it was taken: of a batch and/or a lot, for a purpose."""

    site: Annotated[str, bounded(20)]
    purpose: Annotated[str, bounded(20)] = Field(description="release, in_process, stability, em_followup or bank")
    batch: Annotated[str, bounded(60)] | None = Field(None, description="The batch's number.")
    lot: Annotated[str, bounded(60)] | None = Field(None, description="The lot's number.")
    quantity: Annotated[str, bounded(30)]
    unit: Annotated[str, bounded(20)] = Field(description="UCUM, e.g. mL.")
    taken_by: Annotated[str, bounded(200)]
    taken_at: Annotated[str, bounded(40)] | None = None
    container: Annotated[str, bounded(200)] = ""
    storage: Annotated[str, bounded(200)] = ""
    note: Annotated[str, bounded(2000)] = ""
    reason: Reason = ""


class LabReceiveIn(BodyIn):
    location: Annotated[str, bounded(200)]
    reason: Reason = ""


class LabHandOverIn(BodyIn):
    """A hand-over of the sample inside the lab: from whom, to whom, where it went (and when: now if omitted)."""

    from_person: Annotated[str, bounded(200)]
    to_person: Annotated[str, bounded(200)]
    location: Annotated[str, bounded(200)]
    at: Annotated[str, bounded(40)] | None = Field(None, description="ISO 8601 (now if omitted).")
    note: Annotated[str, bounded(2000)] = ""
    reason: Reason = ""


class LabResultIn(BodyIn):
    """A result of the sample for an attribute of its batch's specification (its position or name)."""

    attribute: Annotated[str, bounded(200)]
    value: Annotated[str, bounded(100)] = Field(description="As read, e.g. 2.1E13, <0.5, conforms.")
    unit: Annotated[str, bounded(20)] | None = None
    convert: StrictBool = False
    instrument: Annotated[str, bounded(40)] | None = Field(None, description="The instrument's equipment code.")
    tested_on: Annotated[str, bounded(10)] | None = Field(None, description="YYYY-MM-DD (today if omitted).")
    note: Annotated[str, bounded(2000)] = ""
    reason: Reason = ""


class LabCorrectionIn(BodyIn):
    value: Annotated[str, bounded(100)]
    reason: Annotated[str, bounded(500)]
    unit: Annotated[str, bounded(20)] | None = None
    convert: StrictBool = False
    instrument: Annotated[str, bounded(40)] | None = None
    tested_on: Annotated[str, bounded(10)] | None = None
    note: Annotated[str, bounded(2000)] = ""


class LabReviewIn(BodyIn):
    """A second person's review: their password (and code), to sign 'reviewed'."""

    password: Annotated[str, bounded(1024)]
    otp: Annotated[str, bounded(16)] | None = None


class LabFindingsIn(BodyIn):
    phase_1_finding: Annotated[str, bounded(10000)] | None = None
    phase_2_finding: Annotated[str, bounded(10000)] | None = None
    reason: Annotated[str, bounded(2000)]


class LabImportIn(Schema):
    reason: Reason = ""


class LabSampleOut(Schema):
    id: int
    record: str
    number: str
    site: str
    purpose: str
    batch: str | None
    lot: str | None
    status: str
    location: str
    custody: list[dict[str, Any]]
    results: list[dict[str, Any]]


class LabResultOut(Schema):
    id: int
    record: str
    sample: str
    attribute: str
    value_entered: str
    number: str
    unit: str
    converted: bool
    reported: str
    conforms: bool | None
    supersedes: int | None
    superseded: bool
    reviewed_by: list[str]
    oos: list[str]


class LabImportOut(Schema):
    results: list[LabResultOut]


class LabOosOut(Schema):
    id: int
    record: str
    number: str
    title: str
    batch: str | None
    status: str
    phase_1_finding: str
    phase_2_finding: str
    conclusion: str


def sample_of(request: HttpRequest, sample_id: int) -> Sample:
    """Return the live sample the caller may see, or 404."""
    found = Sample.objects.select_related("site", "batch", "lot").filter(pk=sample_id, voided=False).first()
    if found is None or not accounts.can_see(user_of(request), found):
        raise NotFound(f"there is no sample {sample_id}")
    return found


def result_of(request: HttpRequest, result_id: int) -> Result:
    """Return the live result the caller may see, or 404."""
    found = Result.objects.select_related("sample__site").filter(pk=result_id, voided=False).first()
    if found is None or not accounts.can_see(user_of(request), found):
        raise NotFound(f"there is no result {result_id}")
    return found


@router.post("/lab/samples", response=answers({201: LabSampleOut}))
@requires("records.write")
def add_sample(request: HttpRequest, body: LabSampleIn) -> Status[dict[str, Any]]:
    """Register a sample (numbered S-YYYY-NNNN) of a batch and/or lot."""
    from atmp.manufacturing.services.batches import find_batch
    from atmp.trace.services.lots import find_lot

    user = user_of(request)
    values = body.dict()
    batch_number, lot_number = values.pop("batch"), values.pop("lot")
    batch = find_batch(batch_number, user=user) if batch_number else None
    lot = find_lot(lot_number, user=user) if lot_number else None
    site = accounts.find_site(values.pop("site"))
    made = svc.add_sample(actor=user, site=site, batch=batch, lot=lot, **values)
    return Status(201, sample_document(made))


@router.get("/lab/samples/{sample_id}", response=answers({200: LabSampleOut}))
@requires("records.view")
def get_sample(request: HttpRequest, sample_id: Id) -> dict[str, Any]:
    """Return a sample with its custody and the results that stand."""
    return sample_document(sample_of(request, sample_id))


@router.post("/lab/samples/{sample_id}/receive", response=answers({200: LabSampleOut}))
@requires("records.write")
def receive(request: HttpRequest, sample_id: Id, body: LabReceiveIn) -> dict[str, Any]:
    """Receive a registered sample in the lab, at a location."""
    sample = sample_of(request, sample_id)
    svc.receive(actor=user_of(request), sample=sample, location=body.location, reason=body.reason)
    return sample_document(sample)


@router.post("/lab/samples/{sample_id}/custody", response=answers({201: LabSampleOut}))
@requires("records.write")
def hand_over(request: HttpRequest, sample_id: Id, body: LabHandOverIn) -> Status[dict[str, Any]]:
    """Record a hand-over of the sample inside the lab (its chain of custody)."""
    sample = sample_of(request, sample_id)
    svc.hand_over(actor=user_of(request), sample=sample, **body.dict())
    return Status(201, sample_document(sample))


@router.post("/lab/samples/{sample_id}/results", response=answers({201: LabResultOut}))
@requires("records.write")
def add_result(request: HttpRequest, sample_id: Id, body: LabResultIn) -> Status[dict[str, Any]]:
    """Enter a result (400 naming the field and rule; a failing result opens an OOS investigation)."""
    sample = sample_of(request, sample_id)
    made = svc.record_result(actor=user_of(request), sample=sample, **body.dict())
    return Status(201, result_document(made))


@router.post("/lab/samples/{sample_id}/results/import", response=answers({201: LabImportOut}))
@requires("records.write")
def import_results(
    request: HttpRequest,
    sample_id: Id,
    form: Form[LabImportIn],
    file: UploadedFile = File(...),  # noqa: B008 - django-ninja's way to declare a file
) -> Status[dict[str, Any]]:
    """Import a CSV of results (every line checked first; nothing written on any error; the file kept)."""
    sample = sample_of(request, sample_id)
    made = svc.import_csv(actor=user_of(request), stream=file, name=file.name or "results.csv", sample=sample,
                          reason=form.reason)  # fmt: skip
    return Status(201, {"results": [result_document(r) for r in made]})


@router.get("/lab/results/{result_id}", response=answers({200: LabResultOut}))
@requires("records.view")
def get_result(request: HttpRequest, result_id: Id) -> dict[str, Any]:
    """Return a result: as entered, parsed, judged, reviewed."""
    return result_document(result_of(request, result_id))


@router.post("/lab/results/{result_id}/corrections", response=answers({201: LabResultOut}))
@requires("records.write")
def correct(request: HttpRequest, result_id: Id, body: LabCorrectionIn) -> Status[dict[str, Any]]:
    """Record a correction or retest superseding the result, with the reason (the original stays)."""
    made = svc.correct_result(actor=user_of(request), result=result_of(request, result_id), **body.dict())
    return Status(201, result_document(made))


@router.post("/lab/results/{result_id}/review", response=answers({200: LabResultOut}))
@requires("records.sign")
def review(request: HttpRequest, result_id: Id, body: LabReviewIn) -> dict[str, Any]:
    """Review the result as the second person (signed 'reviewed'; never by its analyst)."""
    result = result_of(request, result_id)
    svc.review(actor=user_of(request), result=result, password=body.password, otp=body.otp)
    return result_document(result)


@router.get("/lab/oos/{oos_id}", response=answers({200: LabOosOut}))
@requires("records.view")
def get_oos(request: HttpRequest, oos_id: Id) -> dict[str, Any]:
    """Return an OOS investigation."""
    return oos_document(oos_svc.find_oos(str(oos_id), user=user_of(request)))


@router.post("/lab/oos/{oos_id}/findings", response=answers({200: LabOosOut}))
@requires("records.write")
def findings(request: HttpRequest, oos_id: Id, body: LabFindingsIn) -> dict[str, Any]:
    """Write a phase's finding of an investigation not closed."""
    user = user_of(request)
    oos = oos_svc.find_oos(str(oos_id), user=user)
    changes = {k: v for k, v in body.dict().items() if k != "reason" and v is not None}
    oos_svc.record_findings(actor=user, oos=oos, reason=body.reason, **changes)
    return oos_document(oos)


class LabCoaLineOut(Schema):
    position: int
    attribute: str
    method: str
    criterion: str
    unit: str
    pending: bool
    result: int | None
    reported: str | None
    conforms: bool | None
    conformity: str
    analyst: str | None
    tested_on: str | None
    reviewed_by: list[str]


class LabCoaOut(Schema):
    batch: str
    product: str
    site: str
    specification: dict[str, Any] | None
    attributes: list[LabCoaLineOut]
    pending: list[str]
    failing: list[str]
    unreviewed: list[str]
    complies: bool
    statement: str


def coa_batch(request: HttpRequest, number: str) -> Any:
    """Return the live batch of the number the caller may see, or 404."""
    from atmp.accounts.errors import InvalidInput
    from atmp.manufacturing.services.batches import find_batch

    try:
        return find_batch(number, user=user_of(request))
    except InvalidInput:
        raise NotFound(f"there is no batch {number!r}") from None


def coa_json(batch: Any) -> dict[str, Any]:
    """Return the batch's certificate of analysis as the API and CLI answer it (no record objects)."""
    from atmp.lab.selectors.coa import coa_document

    return {k: v for k, v in coa_document(batch).items() if k not in ("members", "results")}


@router.get("/lab/batches/{number}/coa", response=answers({200: LabCoaOut}))
@requires("records.view")
def get_coa(request: HttpRequest, number: BatchNumber) -> dict[str, Any]:
    """Return the batch's certificate of analysis: each attribute's method, criterion, result; pending ones named."""
    return coa_json(coa_batch(request, number))


@router.get(
    "/lab/batches/{number}/coa.pdf",
    response=answers({}),
    openapi_extra={
        "responses": {
            200: {
                "description": "the certificate of analysis (PDF/A-3b) with the proofs of the batch, "
                "its specification and its results embedded",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
@requires("records.view")
def get_coa_pdf(request: HttpRequest, number: BatchNumber) -> HttpResponse:
    """Return the batch's certificate of analysis as PDF/A-3b (404 for a batch you may not see)."""
    from atmp.lab.coa import coa_pdf, pdf_download

    batch = coa_batch(request, number)
    response: HttpResponse = pdf_download(coa_pdf(user_of(request), batch), batch)
    return response
