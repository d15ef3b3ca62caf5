"""REST operations of stability studies (ICH Q1E), under /api/v1/lab/stability/.

Approving the protocol, starting the study and signing its report are the generic transitions
POST /records/lab.stabilitystudy/{id}/transitions/approve|start|sign_report (atmp.workflow); approval
and the report are signed 'approved' by QA, not by an author; the report freezes the estimate.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from atmp.accounts import services as accounts
from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.lists import add_list_operation
from atmp.api.lookup import visible_or_404
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded
from atmp.lab.models.stability import ConditionKind, StabilityPull, StabilityStudy, StorageCondition
from atmp.lab.selectors.stability import STABILITY_STUDIES
from atmp.lab.services import stability as svc
from atmp.ledger.errors import NotFound

router = Router(tags=["lab"])
add_list_operation(router, "/lab/stability", STABILITY_STUDIES, permission="records.view", tags=["lab"])

Id = Annotated[int, Field(ge=1, le=MAX_INT)]


class StabilityStudyIn(BodyIn):
    """A stability study of a product at a site, against an approved specification of the product."""

    site: Annotated[str, bounded(20)]
    product: Annotated[str, bounded(40)] = Field(description="The product's code, e.g. AAV9-SMN.")
    specification: Id = Field(description="The approved specification's id (its attributes are tested).")
    title: Annotated[str, bounded(200)]
    window_days: Annotated[str, bounded(10)] | None = Field(
        None, description="Days either side of each pull's due date the protocol allows (default 7)."
    )
    reason: Reason = ""


class StabilityConditionIn(BodyIn):
    """A storage condition and its time points (months)."""

    condition: Annotated[str, bounded(40)] = Field(
        description="; ".join(f"{c.value} ({c.label})" for c in StorageCondition)
    )
    kind: Annotated[str, bounded(20)] = Field(description=", ".join(ConditionKind.values))
    time_points: Annotated[str, bounded(200)] = Field(description="Months, ascending, e.g. 0,3,6,9,12,18.")
    reason: Reason = ""


class StabilityAttributeIn(BodyIn):
    """An attribute of the study's specification (position or name) and the limit used for the shelf life."""

    attribute: Annotated[str, bounded(200)]
    limit: Annotated[str, bounded(200)] = Field("", description="e.g. >=70; blank: the attribute's criterion.")
    reason: Reason = ""


class StabilityPlaceIn(BodyIn):
    """A batch placed on study, and the day (its pulls are due from it)."""

    batch: Annotated[str, bounded(40)] = Field(description="The batch's number.")
    placed_on: Annotated[str, bounded(10)] | None = Field(None, description="YYYY-MM-DD (today if omitted).")
    reason: Reason = ""


class StabilityPullIn(BodyIn):
    """The sample taken at a pull (a stability sample, received in the lab)."""

    quantity: Annotated[str, bounded(20)] = "1"
    unit: Annotated[str, bounded(20)] = "mL"
    location: Annotated[str, bounded(200)] = "QC stability store"
    taken_at: Annotated[str, bounded(40)] | None = Field(
        None, description="ISO 8601 moment (now if omitted); outside the pull's window, a deviation is opened."
    )
    reason: Reason = ""


class StabilityMissIn(BodyIn):
    """Why a scheduled pull was missed."""

    reason: Reason


class StabilityResultIn(BodyIn):
    """A result of the pull's sample for an attribute of the protocol (its position or name)."""

    attribute: Annotated[str, bounded(200)]
    value: Annotated[str, bounded(100)]
    unit: Annotated[str, bounded(20)] | None = None
    instrument: Annotated[str, bounded(40)] | None = None
    tested_on: Annotated[str, bounded(10)] | None = Field(None, description="YYYY-MM-DD (today if omitted).")
    reason: Reason = ""


class StabilityStudyOut(Schema):
    id: int
    record: str
    version: int
    number: str
    site: str
    product: str
    specification: str
    title: str
    window_days: int
    status: str
    conditions: list[dict[str, Any]]
    attributes: list[dict[str, Any]]
    batches: list[dict[str, Any]]
    pulls: list[dict[str, Any]]
    estimate: dict[str, Any]
    estimate_frozen: bool
    estimate_hash: str
    significant_change: dict[str, Any]


class StabilityPullOut(Schema):
    id: int
    study: str
    batch: str
    condition: str
    months: int
    due_on: str
    window: list[str]
    state: str
    out_of_window: bool
    deviation: str | None
    sample: str | None
    results: list[dict[str, Any]]


def pull_document(pull: StabilityPull, results: list[Any] | None = None) -> dict[str, Any]:
    """Return a pull as the API, CLI and page show it, with its sample's live results."""
    from atmp.lab.services.results import live_results

    rows = results if results is not None else (live_results(pull.sample) if pull.sample else [])
    return {
        "id": pull.pk,
        "study": pull.study.number,
        "batch": pull.placement.batch.number,
        "condition": pull.condition.condition,
        "months": pull.months,
        "due_on": pull.due_on.isoformat(),
        "window": [d.isoformat() for d in pull.window()],
        "state": pull.state,
        "out_of_window": pull.out_of_window,
        "deviation": pull.deviation.number if pull.deviation else None,
        "sample": pull.sample.number if pull.sample else None,
        "results": [
            {
                "id": r.pk,
                "attribute": r.attribute.name,
                "reported": r.reported,
                "unit": r.attribute.unit,
                "conforms": r.conforms,
            }
            for r in rows
        ],
    }


def study_document(study: StabilityStudy) -> dict[str, Any]:
    """Return the study: protocol, batches, pull schedule with results, and the estimate (frozen once signed)."""
    from atmp.lab.models import Result
    from atmp.lab.services.stability.significant import significant_change

    estimate, frozen = svc.estimate_of(study)
    rows = svc.pulls(study)
    by_sample: dict[int, list[Any]] = {}
    results = Result.objects.filter(sample_id__in=[p.sample_id for p in rows if p.sample_id], voided=False)
    replaced: set[int] = set()
    for r in results.select_related("attribute").order_by("attribute__position", "pk"):
        by_sample.setdefault(r.sample_id, []).append(r)
        if r.supersedes_id:
            replaced.add(r.supersedes_id)
    return {
        "id": study.pk,
        "record": study.record_key,
        "version": study.version,
        "number": study.number,
        "site": study.site.code,
        "product": study.product.code,
        "specification": str(study.specification),
        "title": study.title,
        "window_days": study.window_days,
        "status": study.status,
        "conditions": [
            {
                "id": c.pk,
                "condition": c.condition,
                "label": str(c.get_condition_display()),
                "kind": c.kind,
                "time_points": c.months(),
            }
            for c in svc.conditions(study)
        ],
        "attributes": [
            {
                "id": a.pk,
                "attribute": a.attribute.name,
                "unit": a.attribute.unit,
                "criterion": a.attribute.criterion,
                "limit": a.shelf_life_limit(),
            }
            for a in svc.attributes(study)
        ],
        "batches": [{"batch": p.batch.number, "placed_on": p.placed_on.isoformat()} for p in svc.placements(study)],
        "pulls": [
            pull_document(p, [r for r in by_sample.get(p.sample_id or 0, []) if r.pk not in replaced]) for p in rows
        ],
        "estimate": estimate,
        "estimate_frozen": frozen,
        "estimate_hash": study.estimate_hash,
        "significant_change": significant_change(study),
    }


def study_of(request: HttpRequest, study_id: int) -> StabilityStudy:
    """Return the live study the caller may see, or 404."""
    rows = StabilityStudy.objects.select_related("product", "site", "specification")
    return visible_or_404(request, rows, study_id, "stability study")


def pull_of(request: HttpRequest, study_id: int, pull_id: int) -> StabilityPull:
    """Return the study's live pull, or 404."""
    study = study_of(request, study_id)
    found = (
        StabilityPull.objects.select_related("study__site", "placement__batch", "condition", "sample", "deviation")
        .filter(pk=pull_id, study=study, voided=False)
        .first()
    )
    if found is None:
        raise NotFound(f"{study.number} has no pull {pull_id}")
    return found


@router.get("/lab/stability/{study_id}", response=answers({200: StabilityStudyOut}))
@requires("records.view")
def get_stability_study(request: HttpRequest, study_id: Id) -> dict[str, Any]:
    """Return the study: its protocol, pull schedule with results, and the shelf-life estimate."""
    return study_document(study_of(request, study_id))


@router.post("/lab/stability", response=answers({201: StabilityStudyOut}))
@requires("records.write")
def add_stability_study(request: HttpRequest, body: StabilityStudyIn) -> Status[dict[str, Any]]:
    """Open a stability study (numbered STAB-YYYY-NNNN): a protocol draft."""
    from atmp.lab.services.specifications import find_specification
    from atmp.manufacturing.services.products import find_product

    made = svc.add_study(
        actor=user_of(request),
        site=accounts.find_site(body.site),
        product=find_product(body.product),
        specification=find_specification(body.specification),
        title=body.title,
        window_days=body.window_days,
        reason=body.reason,
    )
    return Status(201, study_document(made))


@router.post("/lab/stability/{study_id}/conditions", response=answers({201: StabilityStudyOut}))
@requires("records.write")
def add_stability_condition(request: HttpRequest, study_id: Id, body: StabilityConditionIn) -> Status[dict[str, Any]]:
    """Add a storage condition with its time points to a protocol draft (400 naming the field)."""
    study = study_of(request, study_id)
    svc.add_condition(actor=user_of(request), study=study, **body.dict())
    return Status(201, study_document(study))


@router.post("/lab/stability/{study_id}/attributes", response=answers({201: StabilityStudyOut}))
@requires("records.write")
def add_stability_attribute(request: HttpRequest, study_id: Id, body: StabilityAttributeIn) -> Status[dict[str, Any]]:
    """Add an attribute of the study's specification to a protocol draft, with its shelf-life limit."""
    study = study_of(request, study_id)
    svc.add_attribute(actor=user_of(request), study=study, **body.dict())
    return Status(201, study_document(study))


@router.post("/lab/stability/{study_id}/batches", response=answers({201: StabilityStudyOut}))
@requires("records.write")
def place_stability_batch(request: HttpRequest, study_id: Id, body: StabilityPlaceIn) -> Status[dict[str, Any]]:
    """Place a batch on an approved or running study: its pulls are scheduled (one per condition × time point)."""
    from atmp.manufacturing.services.batches import find_batch

    user = user_of(request)
    study = study_of(request, study_id)
    svc.place(
        actor=user, study=study, batch=find_batch(body.batch, user=user), placed_on=body.placed_on, reason=body.reason
    )
    return Status(201, study_document(study))


@router.post("/lab/stability/{study_id}/pulls/{pull_id}/pull", response=answers({200: StabilityPullOut}))
@requires("records.write")
def take_stability_pull(request: HttpRequest, study_id: Id, pull_id: Id, body: StabilityPullIn) -> dict[str, Any]:
    """Pull a scheduled time point: its stability sample is registered and received; out of window, a deviation."""
    pull = svc.pull_sample(actor=user_of(request), pull=pull_of(request, study_id, pull_id), **body.dict())
    return pull_document(pull)


@router.post("/lab/stability/{study_id}/pulls/{pull_id}/miss", response=answers({200: StabilityPullOut}))
@requires("records.write")
def miss_stability_pull(request: HttpRequest, study_id: Id, pull_id: Id, body: StabilityMissIn) -> dict[str, Any]:
    """Record a scheduled pull as missed, with the reason: a deviation concerning it is opened."""
    return pull_document(svc.miss(actor=user_of(request), pull=pull_of(request, study_id, pull_id), reason=body.reason))


@router.post("/lab/stability/{study_id}/pulls/{pull_id}/results", response=answers({201: StabilityPullOut}))
@requires("records.write")
def add_stability_result(
    request: HttpRequest, study_id: Id, pull_id: Id, body: StabilityResultIn
) -> Status[dict[str, Any]]:
    """Enter a result of a pulled sample: evaluated, reviewed and investigated as every lab result."""
    pull = pull_of(request, study_id, pull_id)
    svc.record(actor=user_of(request), pull=pull, **body.dict())
    return Status(201, pull_document(pull))
