"""REST operations of potency assay runs, under /api/v1/lab/potency-runs and /api/v1/lab/potency-results.

Evaluating and reviewing are the generic transitions POST /records/lab.potencyrun/{id}/transitions/
evaluate|review (atmp.workflow); review is signed 'reviewed' by a second person, not the analyst.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, StrictBool

from atmp.accounts import services as accounts
from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded
from atmp.lab.models import PotencyModel, PotencyResult, PotencyRun
from atmp.lab.services import potency as svc
from atmp.lab.services.methods import find_method
from atmp.ledger.errors import NotFound
from atmp.manufacturing.services.batches import find_batch

router = Router(tags=["lab"])

RecordId = Annotated[int, Field(ge=1, le=MAX_INT)]
Limit = Annotated[float, Field(ge=-1e8, le=1e8)] | None


class PotencyRunIn(Schema):
    """An assay run (the plate is the multipart `file`: CSV well,preparation,dose,response)."""

    site: Annotated[str, bounded(20)]
    method: Annotated[str, bounded(40)] = Field(description="The potency method's code.")
    run_date: dt.date
    reference_lot: Annotated[str, bounded(60)] = Field(description="The reference standard lot's number.")
    reagent_lots: Annotated[str, bounded(2000)] = Field("", description="Critical reagent lots, comma-separated.")
    standard: Annotated[str, bounded(60)] = "S"
    test: Annotated[str, bounded(60)] = "T"
    model: Annotated[str, bounded(20)] = Field("parallel_line", description=", ".join(PotencyModel.values))
    transform: Annotated[str, bounded(10)] = "none"
    batch: Annotated[str, bounded(60)] = Field("", description="The batch the test preparation measures.")
    note: Annotated[str, bounded(4000)] = ""
    reason: Reason = ""


class PotencyCriteriaIn(BodyIn):
    """A potency method's run validity criteria (an empty limit is not checked)."""

    reference_low: Limit = None
    reference_high: Limit = None
    require_linearity: StrictBool = True
    max_ci_ratio: Limit = None
    slope_ratio_low: Limit = None
    slope_ratio_high: Limit = None
    asymptote_margin: Limit = None
    note: Annotated[str, bounded(4000)] = ""
    reason: Reason = ""


class PotencyCombineIn(BodyIn):
    """A batch's reportable potency from its valid reviewed runs."""

    batch: Annotated[str, bounded(60)]
    runs: list[Annotated[str, bounded(20)]] = Field(min_length=1, max_length=50)
    note: Annotated[str, bounded(4000)] = ""
    reason: Reason = ""


class PotencyRunOut(Schema):
    id: int
    record: str
    version: int
    number: str
    site: str
    method: str
    model: str
    transform: str
    run_date: str
    reference_lot: str
    reagent_lots: list[str]
    standard: str
    test: str
    batch: str | None
    plate_file: dict[str, Any]
    wells: int
    status: str
    valid: bool | None
    results: dict[str, Any]
    usable_for_release: bool
    refusal: str


class PotencyCriteriaOut(Schema):
    id: int
    record: str
    method: str
    criteria: dict[str, Any]


class PotencyResultOut(Schema):
    id: int
    record: str
    number: str
    batch: str
    method: str
    runs: list[str]
    results: dict[str, Any]


def run_document(run: PotencyRun) -> dict[str, Any]:
    """Return the run as the API, CLI and page show it, with its frozen outcome once evaluated."""
    refusal = svc.usable_for_release(run)
    stored = run.plate_file
    return {
        "id": run.pk,
        "record": run.record_key,
        "version": run.version,
        "number": run.number,
        "site": run.site.code,
        "method": run.method.code,
        "model": run.fit_model,
        "transform": run.transform,
        "run_date": run.run_date.isoformat(),
        "reference_lot": run.reference_lot.number,
        "reagent_lots": list(run.reagent_lots),
        "standard": run.standard,
        "test": run.test,
        "batch": None if run.batch is None else run.batch.number,
        "plate_file": {"id": stored.pk, "name": stored.name, "sha256": stored.sha256, "size": stored.size},
        "wells": len(run.plate),
        "status": run.status,
        "valid": run.valid,
        "results": run.results,
        "usable_for_release": refusal is None,
        "refusal": refusal or "",
    }


def criteria_document(criteria: Any) -> dict[str, Any]:
    """Return a method's run validity criteria (decimals as strings)."""
    values = {n: None if getattr(criteria, n) is None else str(getattr(criteria, n)) for n in svc.CRITERIA_DECIMALS}
    values["require_linearity"] = criteria.require_linearity
    return {"id": criteria.pk, "record": criteria.record_key, "method": criteria.method.code, "criteria": values}


def result_document(result: PotencyResult) -> dict[str, Any]:
    """Return a batch's reportable potency."""
    return {
        "id": result.pk,
        "record": result.record_key,
        "number": result.number,
        "batch": result.batch.number,
        "method": result.method.code,
        "runs": list(result.runs),
        "results": svc.result_values(result),
    }


def run_of(request: HttpRequest, run_id: int) -> PotencyRun:
    """Return the live run the caller may see, or 404."""
    found = PotencyRun.objects.filter(pk=run_id).first()
    if found is None or found.voided or not accounts.can_see(user_of(request), found):
        raise NotFound(f"there is no potency run {run_id}")
    return found


@router.get("/lab/potency-runs/{run_id}", response=answers({200: PotencyRunOut}))
@requires("records.view")
def get_run(request: HttpRequest, run_id: RecordId) -> dict[str, Any]:
    """Return the run with its frozen outcome, verdicts and whether its potency may be used for release."""
    return run_document(run_of(request, run_id))


@router.post("/lab/potency-runs", response=answers({201: PotencyRunOut}))
@requires("records.write")
def add_run(
    request: HttpRequest,
    form: Form[PotencyRunIn],
    file: UploadedFile = File(...),  # noqa: B008 - django-ninja's way to declare a file
) -> Status[dict[str, Any]]:
    """Record an assay run by its analyst (the caller), with its lots and plate (400/422 naming the rule)."""
    user = user_of(request)
    made = svc.add_run(
        actor=user,
        site=accounts.find_site(form.site),
        method=find_method(form.method),
        run_date=form.run_date,
        reference_lot=form.reference_lot,
        reagent_lots=[n.strip() for n in form.reagent_lots.split(",") if n.strip()],
        standard=form.standard,
        test=form.test,
        model=form.model,
        transform=form.transform,
        batch=find_batch(form.batch, user=user) if form.batch.strip() else None,
        plate=file,
        plate_name=file.name or "plate.csv",
        note=form.note,
        reason=form.reason,
    )
    return Status(201, run_document(made))


@router.put("/lab/methods/{code}/potency-criteria", response=answers({200: PotencyCriteriaOut}))
@requires("records.write")
def set_criteria(request: HttpRequest, code: Annotated[str, bounded(40)], body: PotencyCriteriaIn) -> dict[str, Any]:
    """Declare or change a potency method's run validity criteria."""
    values = body.dict()
    made = svc.set_criteria(actor=user_of(request), method=find_method(code), **values)
    return criteria_document(made)


@router.post("/lab/potency-results", response=answers({201: PotencyResultOut}))
@requires("records.write")
def combine(request: HttpRequest, body: PotencyCombineIn) -> Status[dict[str, Any]]:
    """Record a batch's reportable potency from valid reviewed runs (422 naming an invalid or unreviewed run)."""
    user = user_of(request)
    runs = [svc.find_run(n, user=user, field="runs") for n in body.runs]
    made = svc.combine(
        actor=user, batch=find_batch(body.batch, user=user), runs=runs, note=body.note, reason=body.reason
    )
    return Status(201, result_document(made))


@router.get("/lab/potency-results/{result_id}", response=answers({200: PotencyResultOut}))
@requires("records.view")
def get_potency_result(request: HttpRequest, result_id: RecordId) -> dict[str, Any]:
    """Return a batch's reportable potency."""
    found = PotencyResult.objects.filter(pk=result_id, voided=False).first()
    if found is None or not accounts.can_see(user_of(request), found):
        raise NotFound(f"there is no potency result {result_id}")
    return result_document(found)
