"""REST operations of viral clearance studies (ICH Q5A(R2)), under /api/v1/lab/viral-clearance/.

Submitting and approving are the generic transitions
POST /records/lab.viralclearancestudy/{id}/transitions/submit|approve (atmp.workflow); approval is
signed 'approved' by QA, not by an author, and freezes the computed claim into the study.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, StrictBool

from atmp.accounts import services as accounts
from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.lists import add_list_operation
from atmp.api.lookup import visible_or_404
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded
from atmp.lab.models.viral import Mechanism, TitreUnit, ViralClearanceStep, ViralClearanceStudy
from atmp.lab.selectors.viral import VIRAL_STUDIES
from atmp.lab.services import viral as svc
from atmp.ledger.errors import NotFound
from atmp.manufacturing.services.products import find_product

router = Router(tags=["lab"])
add_list_operation(router, "/lab/viral-clearance", VIRAL_STUDIES, permission="records.view", tags=["lab"])

StudyId = Annotated[int, Field(ge=1, le=MAX_INT)]
Log10 = Annotated[float, Field(ge=-20, le=20)]
Volume = Annotated[float, Field(gt=0, le=1e8)]


class StudyIn(BodyIn):
    """A viral clearance study of a product's process at a site, by a testing laboratory."""

    site: Annotated[str, bounded(20)]
    product: Annotated[str, bounded(40)] = Field(description="The product's code, e.g. AAV9-SMN.")
    title: Annotated[str, bounded(200)]
    laboratory: Annotated[str, bounded(200)] = Field(description="The testing laboratory (CRO).")
    model_viruses: Annotated[str, bounded(500)] = Field(description="e.g. 'MuLV, MMV'.")
    process_version: Annotated[int, Field(ge=1, le=MAX_INT)] | None = Field(
        None, description="The process version's id (optional)."
    )
    reason: Reason = ""


class StepIn(BodyIn):
    """One run of a process step spiked with one virus: titres (log10 per mL) and volumes (mL) in and out."""

    name: Annotated[str, bounded(200)] = Field(description="The process step, e.g. 'Low pH hold'.")
    mechanism: Annotated[str, bounded(30)] = Field(description=", ".join(Mechanism.values))
    virus: Annotated[str, bounded(100)] = Field(description="The model virus, e.g. MuLV.")
    virus_family: Annotated[str, bounded(100)] = Field(description="e.g. Retroviridae.")
    enveloped: StrictBool
    virus_size_nm: Annotated[str, bounded(40)] = Field("", description="e.g. 80-110.")
    run: Annotated[int, Field(ge=1, le=99)] = 1
    titre_unit: Annotated[str, bounded(20)] = Field(description=", ".join(TitreUnit.values))
    load_log10_titre: Log10
    load_volume_ml: Volume
    output_detected: StrictBool = Field(True, description="false: no virus detected (the LRV is reported '≥').")
    output_log10_titre: Log10 | None = Field(None, description="When virus was detected.")
    output_volume_ml: Volume
    detection_limit_log10: Log10 | None = Field(None, description="No virus detected: the assay's limit.")
    sampled_volume_ml: Volume | None = Field(
        None, description="No virus detected: the volume sampled; the Poisson limit at 95 % is computed."
    )
    counted: StrictBool = Field(True, description="Counted toward the claim (LRV above 1 log10).")
    count_reason: Annotated[str, bounded(4000)] = Field(
        "", description="Required when excluded, or when a second step of a counted mechanism is counted."
    )
    reason: Reason = ""


class StepVoidIn(BodyIn):
    """Why the step is voided (a draft's mistyped run)."""

    reason: Reason


class ReportIn(Schema):
    """Why the report is attached (the report is the multipart `file`)."""

    reason: Reason = ""


class StudyOut(Schema):
    id: int
    record: str
    version: int
    number: str
    site: str
    title: str
    product: str
    process_version: int | None
    laboratory: str
    model_viruses: str
    status: str
    report: dict[str, Any] | None
    steps: list[dict[str, Any]]
    results: dict[str, Any] | None
    results_frozen: bool
    refusal: str


class StepOut(Schema):
    id: int
    record: str
    study: str
    position: int
    name: str
    virus: str
    run: int
    counted: bool
    voided: bool


def study_document(study: ViralClearanceStudy) -> dict[str, Any]:
    """Return the study as the API, CLI and page show it: its steps, and its results (frozen once approved)."""
    results, refusal, frozen = svc.results_of(study)
    report = study.report
    steps = [
        {
            "id": s.pk,
            "position": s.position,
            "name": s.name,
            "mechanism": s.mechanism,
            "virus": s.virus,
            "virus_family": s.virus_family,
            "enveloped": s.enveloped,
            "virus_size_nm": s.virus_size_nm,
            "run": s.run,
            "titre_unit": s.titre_unit,
            "load_log10_titre": str(s.load_log10_titre),
            "load_volume_ml": str(s.load_volume_ml),
            "output_detected": s.output_detected,
            "output_log10_titre": None if s.output_log10_titre is None else str(s.output_log10_titre),
            "output_volume_ml": str(s.output_volume_ml),
            "detection_limit_log10": None if s.detection_limit_log10 is None else str(s.detection_limit_log10),
            "sampled_volume_ml": None if s.sampled_volume_ml is None else str(s.sampled_volume_ml),
            "counted": s.counted,
            "count_reason": s.count_reason,
        }
        for s in svc.live_steps(study)
    ]
    return {
        "id": study.pk,
        "record": study.record_key,
        "version": study.version,
        "number": study.number,
        "site": study.site.code,
        "title": study.title,
        "product": study.product.code,
        "process_version": study.process_version_id,  # type: ignore[attr-defined]
        "laboratory": study.laboratory,
        "model_viruses": study.model_viruses,
        "status": study.status,
        "report": None
        if report is None
        else {"id": report.pk, "name": report.name, "sha256": report.sha256, "size": report.size},
        "steps": steps,
        "results": results,
        "results_frozen": frozen,
        "refusal": refusal,
    }


def step_document(step: ViralClearanceStep) -> dict[str, Any]:
    """Return a step as the API answers it after a write."""
    return {
        "id": step.pk,
        "record": step.record_key,
        "study": step.study.number,
        "position": step.position,
        "name": step.name,
        "virus": step.virus,
        "run": step.run,
        "counted": step.counted,
        "voided": step.voided,
    }


def study_of(request: HttpRequest, study_id: int) -> ViralClearanceStudy:
    """Return the live study the caller may see, or 404."""
    rows = ViralClearanceStudy.objects.select_related("product", "site", "report")
    return visible_or_404(request, rows, study_id, "viral clearance study")


@router.get("/lab/viral-clearance/{study_id}", response=answers({200: StudyOut}))
@requires("records.view")
def get_study(request: HttpRequest, study_id: StudyId) -> dict[str, Any]:
    """Return the study: its steps with each run's LRV, and the claim per virus (frozen once approved)."""
    return study_document(study_of(request, study_id))


@router.post("/lab/viral-clearance", response=answers({201: StudyOut}))
@requires("records.write")
def add_study(request: HttpRequest, body: StudyIn) -> Status[dict[str, Any]]:
    """Open a viral clearance study (numbered VC-YYYY-NNNN), a draft."""
    from atmp.manufacturing.models import ProcessVersion

    user = user_of(request)
    version = None
    if body.process_version is not None:
        version = ProcessVersion.objects.filter(pk=body.process_version).first()
        if version is None or not accounts.can_see(user, version):
            from atmp.accounts.errors import InvalidInput

            raise InvalidInput("process_version", f"there is no process version {body.process_version}")
    made = svc.open_study(
        actor=user,
        site=accounts.find_site(body.site),
        product=find_product(body.product),
        title=body.title,
        laboratory=body.laboratory,
        model_viruses=body.model_viruses,
        process_version=version,
        reason=body.reason,
    )
    return Status(201, study_document(made))


@router.post("/lab/viral-clearance/{study_id}/steps", response=answers({201: StepOut}))
@requires("records.write")
def add_step(request: HttpRequest, study_id: StudyId, body: StepIn) -> Status[dict[str, Any]]:
    """Add a run of a step to a draft study (400 naming the field or the counting rule it breaks)."""
    values = body.dict()
    made = svc.add_step(actor=user_of(request), study=study_of(request, study_id), **values)
    return Status(201, step_document(made))


@router.post("/lab/viral-clearance/{study_id}/steps/{step_id}/void", response=answers({200: StepOut}))
@requires("records.write")
def void_step(request: HttpRequest, study_id: StudyId, step_id: StudyId, body: StepVoidIn) -> dict[str, Any]:
    """Void a step of a draft study, with the reason."""
    study = study_of(request, study_id)
    step = study.steps.filter(pk=step_id, voided=False).first()
    if step is None:
        raise NotFound(f"{study.number} has no live step {step_id}")
    return step_document(svc.void_step(actor=user_of(request), step=step, reason=body.reason))


@router.post("/lab/viral-clearance/{study_id}/report", response=answers({200: StudyOut}))
@requires("records.write")
def attach_report(
    request: HttpRequest,
    study_id: StudyId,
    form: Form[ReportIn],
    file: UploadedFile = File(...),  # noqa: B008 - django-ninja's way to declare a file
) -> dict[str, Any]:
    """Attach the testing laboratory's final report (multipart `file`, stored and hashed), before approval."""
    study = study_of(request, study_id)
    svc.attach_report(actor=user_of(request), study=study, stream=file, name=file.name or "report", reason=form.reason)
    return study_document(study)
