"""REST operations of risk assessments: FMEA worksheets and rows, the risk register, the sites' scales.

Reading one assessment, its history, transitions (submit, approve, …) and links are the generic
/records/quality.riskassessment/{id}… operations.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site
from atmp.accounts.services import can_see
from atmp.api.auth import user_of
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded, segment
from atmp.ledger.api import visible_record
from atmp.ledger.records import GmpRecord
from atmp.quality.api.paging import ShowVoided, page, shown
from atmp.quality.models.risk import FmeaRow, RiskAssessment, RiskScale
from atmp.quality.selectors import risk as selectors
from atmp.quality.services import risk as services

router = Router(tags=["quality: risk"])

# --- shared with the change control's router (atmp.quality.api.changes) ---------------------------

Id = Annotated[int, Field(ge=1, le=MAX_INT, examples=[1])]
Limit = Annotated[int, Field(ge=1, le=200)]
Version = Annotated[int, Field(ge=1, le=MAX_INT, description="the version you read; refused (409) if it changed since")]


class RiskPageQuery(Schema):
    """Keyset paging, newest first: `after` is the previous page's `next_after`."""

    after: Id | None = None
    limit: Limit = 50
    voided: ShowVoided = False


def visible_sites_only(request: HttpRequest, rows: QuerySet[Any], site: str | None) -> QuerySet[Any]:
    """Return the rows of the caller's sites, and of one site when its code is given."""
    ids = user_of(request).site_ids()
    if ids is not None:
        rows = rows.filter(site_id__in=ids)
    if site:
        rows = rows.filter(site__code=site.strip().upper())
    return rows


def one(request: HttpRequest, model: type[GmpRecord], record_id: int) -> Any:
    """Return the record of this type the caller may see, or 404."""
    return visible_record(request, model.record_type(), str(record_id))


def site_named(request: HttpRequest, code: str, *, field: str = "site") -> Site:
    """Return the caller's live site with this code, or refuse naming the field."""
    found = Site.objects.filter(code=code.strip().upper(), voided=False).first()
    if found is None or not can_see(user_of(request), found):
        raise InvalidInput(field, f"there is no site {code!r} of yours")
    return found


# --- risk assessments ----------------------------------------------------------------------------

Score = Annotated[int, Field(ge=1, le=10)]


class ScaleOut(Schema):
    """A scoring scale: levels and the thresholds that suggest a class (atmp.quality.risk.Scale)."""

    levels: int
    major_rpn: int
    critical_rpn: int
    major_severity: int
    critical_severity: int


class AssessmentOut(Schema):
    """A risk assessment: scope, state, and the scale it is scored on (frozen when it was opened)."""

    id: int
    record: str
    voided: bool
    number: str
    title: str
    site: str
    product: str
    process: str
    scope: str
    method: str
    conclusion: str
    status: str
    status_label: str
    version: int
    scale: ScaleOut


class AssessmentPage(Schema):
    """A page of assessments, newest first; pass next_after as `after` for the next (None: no more)."""

    items: list[AssessmentOut]
    next_after: int | None


class AssessmentQuery(RiskPageQuery):
    """Filters of the list: site code, state, product, process (exact, any case)."""

    site: Annotated[str, bounded(20)] | None = None
    status: Annotated[str, bounded(32)] | None = None
    product: Annotated[str, bounded(200)] | None = None
    process: Annotated[str, bounded(200)] | None = None


class AssessmentIn(BodyIn):
    """A new FMEA at a site; the site's scale is frozen into it."""

    site: Annotated[str, bounded(20)]
    title: Annotated[str, bounded(200)]
    product: Annotated[str, bounded(200)] = ""
    process: Annotated[str, bounded(200)] = ""
    scope: Annotated[str, bounded(10000)] = ""
    conclusion: Annotated[str, bounded(10000)] = ""


class AssessmentPatch(BodyIn):
    """A change to a draft assessment: the fields to change, and why."""

    title: Annotated[str, bounded(200)] | None = None
    product: Annotated[str, bounded(200)] | None = None
    process: Annotated[str, bounded(200)] | None = None
    scope: Annotated[str, bounded(10000)] | None = None
    conclusion: Annotated[str, bounded(10000)] | None = None
    reason: Reason
    version: Version | None = None


class RowOut(Schema):
    """An FMEA row: scores, RPN and class as computed, actions, residual scores and RPN."""

    id: int
    version: int
    position: int
    failure_mode: str
    effect: str
    cause: str
    controls: str
    severity: int
    occurrence: int
    detectability: int
    rpn: int
    risk_class: str
    actions: str
    residual_severity: int | None
    residual_occurrence: int | None
    residual_detectability: int | None
    residual_rpn: int | None
    residual_class: str
    voided: bool


class RowIn(BodyIn):
    """A failure mode with its scores (1 to the scale's levels); the RPNs are computed."""

    failure_mode: Annotated[str, bounded(500)]
    effect: Annotated[str, bounded(4000)] = ""
    cause: Annotated[str, bounded(4000)] = ""
    controls: Annotated[str, bounded(4000)] = ""
    severity: Score
    occurrence: Score
    detectability: Score
    actions: Annotated[str, bounded(4000)] = ""
    residual_severity: Score | None = None
    residual_occurrence: Score | None = None
    residual_detectability: Score | None = None
    reason: Reason = ""


class RowPatch(BodyIn):
    """A change to a row of a draft FMEA: the fields to change, and why."""

    failure_mode: Annotated[str, bounded(500)] | None = None
    effect: Annotated[str, bounded(4000)] | None = None
    cause: Annotated[str, bounded(4000)] | None = None
    controls: Annotated[str, bounded(4000)] | None = None
    severity: Score | None = None
    occurrence: Score | None = None
    detectability: Score | None = None
    actions: Annotated[str, bounded(4000)] | None = None
    residual_severity: Score | None = None
    residual_occurrence: Score | None = None
    residual_detectability: Score | None = None
    reason: Reason
    version: Version | None = None


class VoidRowIn(BodyIn):
    """Why a row is removed (it is voided; the ledger keeps it)."""

    reason: Reason


class RegisterRowOut(Schema):
    """A row of the register: the failure mode and the risk that remains."""

    failure_mode: str
    rpn: int
    residual_rpn: int | None
    remaining: int
    risk_class: str
    residual_class: str


class RegisterEntryOut(Schema):
    """An approved assessment with its highest remaining RPN and its riskiest rows."""

    record: str
    number: str
    title: str
    site: str
    product: str
    process: str
    highest: int
    rows: list[RegisterRowOut]


class RegisterQuery(Schema):
    """The register of a product or a process (exact, any case), at one site or all the caller sees."""

    product: Annotated[str, bounded(200)] = ""
    process: Annotated[str, bounded(200)] = ""
    site: Annotated[str, bounded(20)] | None = None
    top: Annotated[int, Field(ge=1, le=50)] = 3


class ScaleRowOut(ScaleOut):
    """A site's scale (site None: the default of every site), with what each level means."""

    site: str | None
    version: int
    severity_levels: str
    occurrence_levels: str
    detectability_levels: str


class ScalesOut(Schema):
    """The scales configured, and the one that applies where none is (atmp's documented default)."""

    scales: list[ScaleRowOut]
    builtin_default: ScaleOut


class ScaleIn(BodyIn):
    """A site's scale (or the default's): the levels, thresholds and definitions to set, and why."""

    levels: Annotated[int, Field(ge=1, le=10)] | None = None
    major_rpn: Annotated[int, Field(ge=1, le=1000)] | None = None
    critical_rpn: Annotated[int, Field(ge=1, le=1000)] | None = None
    major_severity: Annotated[int, Field(ge=1, le=10)] | None = None
    critical_severity: Annotated[int, Field(ge=1, le=10)] | None = None
    severity_levels: Annotated[str, bounded(10000)] | None = None
    occurrence_levels: Annotated[str, bounded(10000)] | None = None
    detectability_levels: Annotated[str, bounded(10000)] | None = None
    reason: Reason = ""
    version: Version | None = None


def scale_numbers(scale: Any) -> dict[str, int]:
    """Return a scale's levels and thresholds as ScaleOut."""
    return {
        "levels": scale.levels,
        "major_rpn": scale.major_rpn,
        "critical_rpn": scale.critical_rpn,
        "major_severity": scale.major_severity,
        "critical_severity": scale.critical_severity,
    }


def assessment_document(a: RiskAssessment) -> dict[str, Any]:
    """Return an assessment as AssessmentOut."""
    return {
        "id": a.pk,
        "record": a.record_key,
        "voided": a.voided,
        "number": a.number,
        "title": a.title,
        "site": a.site.code,
        "product": a.product,
        "process": a.process,
        "scope": a.scope,
        "method": a.method,
        "conclusion": a.conclusion,
        "status": a.status,
        "status_label": a.state_label(),
        "version": a.version,
        "scale": scale_numbers(a.scale()),
    }


def row_document(r: FmeaRow) -> dict[str, Any]:
    """Return an FMEA row as RowOut."""
    return {
        "id": r.pk,
        "version": r.version,
        "position": r.position,
        **{
            k: getattr(r, k)
            for k in (
                "failure_mode",
                "effect",
                "cause",
                "controls",
                "severity",
                "occurrence",
                "detectability",
                "rpn",
                "risk_class",
                "actions",
                "residual_severity",
                "residual_occurrence",
                "residual_detectability",
                "residual_rpn",
                "residual_class",
                "voided",
            )
        },
    }


def register_document(entry: selectors.RegisterEntry) -> dict[str, Any]:
    """Return a register entry as RegisterEntryOut."""
    a = entry.assessment
    return {
        "record": a.record_key,
        "number": a.number,
        "title": a.title,
        "site": a.site.code,
        "product": a.product,
        "process": a.process,
        "highest": entry.highest,
        "rows": [
            {
                "failure_mode": r.failure_mode,
                "rpn": r.rpn,
                "residual_rpn": r.residual_rpn,
                "remaining": selectors.remaining(r),
                "risk_class": r.risk_class,
                "residual_class": r.residual_class,
            }
            for r in entry.rows
        ],
    }


def scale_document(row: RiskScale) -> dict[str, Any]:
    """Return a configured scale as ScaleRowOut."""
    return {
        **scale_numbers(row),
        "site": row.site.code if row.site is not None else None,
        "version": row.version,
        "severity_levels": row.severity_levels,
        "occurrence_levels": row.occurrence_levels,
        "detectability_levels": row.detectability_levels,
    }


@router.get("/quality/risk-assessments", response=answers({200: AssessmentPage}))
@requires("records.view")
def list_assessments(request: HttpRequest, q: Query[AssessmentQuery]) -> dict[str, Any]:
    """Return the risk assessments the caller sees, newest first, filtered."""
    rows = visible_sites_only(request, RiskAssessment.objects.select_related("site"), q.site)
    if q.status:
        rows = rows.filter(status=q.status)
    if q.product:
        rows = rows.filter(product__iexact=q.product.strip())
    if q.process:
        rows = rows.filter(process__iexact=q.process.strip())
    found, after = page(shown(rows, voided=q.voided), limit=q.limit, after=q.after)
    return {"items": [assessment_document(a) for a in found], "next_after": after}


@router.post("/quality/risk-assessments", response=answers({201: AssessmentOut}))
@requires("records.write")
def create_assessment(request: HttpRequest, body: AssessmentIn) -> Status[dict[str, Any]]:
    """Open an FMEA risk assessment at a site."""
    made = services.open_assessment(
        actor=user_of(request),
        site=site_named(request, body.site),
        title=body.title,
        product=body.product,
        process=body.process,
        scope=body.scope,
        conclusion=body.conclusion,
    )
    return Status(201, assessment_document(made))


@router.patch("/quality/risk-assessments/{assessment_id}", response=answers({200: AssessmentOut}))
@requires("records.write")
def update_assessment(request: HttpRequest, assessment_id: Id, body: AssessmentPatch) -> dict[str, Any]:
    """Change a draft assessment, with a reason."""
    assessment = one(request, RiskAssessment, assessment_id)
    fields = body.model_dump(include={"title", "product", "process", "scope", "conclusion"}, exclude_none=True)
    changed = services.update_assessment(
        actor=user_of(request), assessment=assessment, reason=body.reason, version=body.version, **fields
    )
    return assessment_document(changed)


@router.get("/quality/risk-assessments/{assessment_id}/rows", response=answers({200: list[RowOut]}))
@requires("records.view")
def list_rows(request: HttpRequest, assessment_id: Id) -> list[dict[str, Any]]:
    """Return the assessment's FMEA rows in order (removed ones marked voided)."""
    assessment = one(request, RiskAssessment, assessment_id)
    return [row_document(r) for r in FmeaRow.objects.filter(assessment=assessment).order_by("position")]


@router.post("/quality/risk-assessments/{assessment_id}/rows", response=answers({201: RowOut}))
@requires("records.write")
def add_row(request: HttpRequest, assessment_id: Id, body: RowIn) -> Status[dict[str, Any]]:
    """Add a scored failure mode to a draft FMEA."""
    assessment = one(request, RiskAssessment, assessment_id)
    fields = body.model_dump(exclude={"reason"})
    made = services.add_row(actor=user_of(request), assessment=assessment, reason=body.reason, **fields)
    return Status(201, row_document(made))


def _row(request: HttpRequest, assessment_id: int, row_id: int) -> FmeaRow:
    assessment = one(request, RiskAssessment, assessment_id)
    found = FmeaRow.objects.filter(pk=row_id, assessment=assessment, voided=False).first()
    if found is None:
        from atmp.ledger.errors import NotFound

        raise NotFound(f"{assessment.number} has no row {row_id}")
    return found


@router.patch("/quality/risk-assessments/{assessment_id}/rows/{row_id}", response=answers({200: RowOut}))
@requires("records.write")
def update_row(request: HttpRequest, assessment_id: Id, row_id: Id, body: RowPatch) -> dict[str, Any]:
    """Change a row of a draft FMEA; its RPNs are computed again."""
    row = _row(request, assessment_id, row_id)
    fields = body.model_dump(exclude={"reason", "version"}, exclude_unset=True)
    changed = services.update_row(actor=user_of(request), row=row, reason=body.reason, version=body.version, **fields)
    return row_document(changed)


@router.post("/quality/risk-assessments/{assessment_id}/rows/{row_id}/void", response=answers({200: RowOut}))
@requires("records.write")
def remove_row(request: HttpRequest, assessment_id: Id, row_id: Id, body: VoidRowIn) -> dict[str, Any]:
    """Remove a row of a draft FMEA (voided with the reason)."""
    row = _row(request, assessment_id, row_id)
    return row_document(services.remove_row(actor=user_of(request), row=row, reason=body.reason))


@router.get("/quality/risk-register", response=answers({200: list[RegisterEntryOut]}))
@requires("records.view")
def risk_register(request: HttpRequest, q: Query[RegisterQuery]) -> list[dict[str, Any]]:
    """Return the approved assessments of a product or process, riskiest first, with their riskiest rows."""
    site_id = site_named(request, q.site).pk if q.site else None
    if not (q.product.strip() or q.process.strip()):
        raise InvalidInput("product", "name a product or a process (the register is kept per product and process)")
    entries = selectors.register(
        viewer=user_of(request), product=q.product, process=q.process, site_id=site_id, top=q.top
    )
    return [register_document(e) for e in entries]


@router.get("/quality/risk-scales", response=answers({200: ScalesOut}))
@requires("records.view")
def list_scales(request: HttpRequest) -> dict[str, Any]:
    """Return the configured scales (the caller's sites and the default) and atmp's built-in default."""
    from atmp.quality import risk

    ids = user_of(request).site_ids()
    rows = RiskScale.objects.filter(voided=False).select_related("site").order_by("pk")
    shown = [r for r in rows if r.site is None or ids is None or r.site.pk in ids]
    return {"scales": [scale_document(r) for r in shown], "builtin_default": scale_numbers(risk.DEFAULT_SCALE)}


SiteOrDefault = Annotated[str, segment(20), Field(examples=["LEI", "default"])]


@router.put("/quality/risk-scales/{site}", response=answers({200: ScaleRowOut}))
@requires("quality.decide")
def set_scale(request: HttpRequest, site: SiteOrDefault, body: ScaleIn) -> dict[str, Any]:
    """Set a site's scale ('default': the scale of every site without its own), with a reason."""
    target = None if site.strip().lower() == "default" else site_named(request, site)
    fields = body.model_dump(exclude={"reason", "version"}, exclude_none=True)
    row = services.set_scale(actor=user_of(request), site=target, reason=body.reason, version=body.version, **fields)
    return scale_document(row)
