"""REST operations of master batch records: list, one (with every row's id, for batch execution), its
authoring document, draft one from a document, replace a draft's content, copy one as a new version.

Making one effective is the generic signed transition
POST /records/manufacturing.masterbatchrecord/{id}/transitions/make_effective (atmp.workflow).
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool

from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.lists import add_list_operation
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded
from atmp.ledger.errors import NotFound
from atmp.manufacturing.models import MasterBatchRecord
from atmp.manufacturing.selectors import mbr as selectors
from atmp.manufacturing.services import mbr as svc

router = Router(tags=["manufacturing"])
add_list_operation(
    router,
    "/manufacturing/master-batch-records",
    selectors.MASTER_RECORDS,
    permission="records.view",
    tags=["manufacturing"],
)
MbrId = Annotated[int, Field(ge=1, le=MAX_INT)]
Limit = Annotated[str, bounded(40)] | int | float | None
Rows = 100


class MbrParameterIn(BodyIn):
    """A critical process parameter: par_low <= nor_low <= nor_high <= par_high, either side may be open."""

    name: Annotated[str, bounded(200)]
    unit: Annotated[str, bounded(20)] = Field(description="A code (or symbol) of the unit list, e.g. Cel or °C.")
    nor_low: Limit = None
    nor_high: Limit = None
    par_low: Limit = None
    par_high: Limit = None
    decimals: Annotated[int, Field(ge=0, le=6)] = 0


class MbrControlIn(BodyIn):
    """An in-process control and its limits (at least one)."""

    name: Annotated[str, bounded(200)]
    unit: Annotated[str, bounded(20)]
    low: Limit = None
    high: Limit = None


class MbrMaterialIn(BodyIn):
    """A bill-of-materials line: the material's code, quantity > 0 in a unit convertible to the material's."""

    material: Annotated[str, bounded(40)]
    quantity: Annotated[str, bounded(40)] | int | float
    unit: Annotated[str, bounded(20)] = Field(description="A UCUM code of the lot units (trace), e.g. mL.")
    tolerance_percent: Limit = 0
    verification: StrictBool = False


class MbrStepIn(BodyIn):
    """A step: number (increasing), title, instructions, SOP numbers, room grade, equipment classes, flags, rows."""

    number: Annotated[int, Field(ge=1, le=99999)]
    title: Annotated[str, bounded(200)]
    instructions: Annotated[str, bounded(20000)] = ""
    sops: Annotated[list[Annotated[str, bounded(40)]], Field(max_length=Rows)] = []
    room_grade: Annotated[str, bounded(1)] | None = Field(None, description="A, B, C, D or null.")
    equipment_classes: Annotated[list[Annotated[str, bounded(40)]], Field(max_length=Rows)] = []
    parallel_with_previous: StrictBool = False
    verification: StrictBool = False
    parameters: Annotated[list[MbrParameterIn], Field(max_length=Rows)] = []
    controls: Annotated[list[MbrControlIn], Field(max_length=Rows)] = []
    materials: Annotated[list[MbrMaterialIn], Field(max_length=Rows)] = []


class MbrContentIn(BodyIn):
    """A draft's new title and content, replacing the old as a whole."""

    title: Annotated[str, bounded(200)]
    steps: Annotated[list[MbrStepIn], Field(max_length=500)]
    version: Annotated[int, Field(ge=1, le=MAX_INT)] | None = Field(None, description="The version you saw.")
    reason: Reason = ""


class MbrIn(BodyIn):
    """A new master batch record of a process version: the authoring document's title and steps."""

    process_version: MbrId = Field(description="The process version's record id.")
    title: Annotated[str, bounded(200)]
    steps: Annotated[list[MbrStepIn], Field(max_length=500)]
    reason: Reason = ""


class MbrCopyIn(BodyIn):
    """A new draft copied from a record: into its process version, or another of the same product."""

    process_version: MbrId | None = None
    title: Annotated[str, bounded(200)] | None = None
    reason: Reason = ""


class MbrDocumentOut(Schema):
    title: str
    steps: list[dict[str, Any]]


class MbrOut(Schema):
    id: int
    record: str
    version: int
    number: int
    title: str
    status: str
    process_version: int
    product: str
    site: str
    process_number: int
    effective_from: str | None
    content_hash: str
    copied_from: int | None
    steps: list[dict[str, Any]] = Field(description="Each step, parameter, control and material line with its id.")


def _with_ids(step: Any) -> dict[str, Any]:
    return {
        "id": step.pk,
        "number": step.number,
        "title": step.title,
        "instructions": step.instructions,
        "sops": [{"id": x.pk, "document": x.document.number, "title": x.document.title} for x in step.sops.all()],
        "room_grade": step.room_grade or None,
        "equipment_classes": list(step.equipment_classes),
        "parallel_with_previous": step.parallel_with_previous,
        "parallel_group": step.parallel_group,
        "verification": step.verification,
        "parameters": [
            {"id": p.pk, "name": p.name, "unit": p.unit, "decimals": p.decimals}
            | {k: _plain(getattr(p, k)) for k in ("nor_low", "nor_high", "par_low", "par_high")}
            for p in step.parameters.all()
        ],
        "controls": [
            {"id": c.pk, "name": c.name, "unit": c.unit, "low": _plain(c.low), "high": _plain(c.high)}
            for c in step.controls.all()
        ],
        "materials": [
            {
                "id": m.pk,
                "material": m.material.code,
                "quantity": _plain(m.quantity),
                "unit": m.unit,
                "tolerance_percent": _plain(m.tolerance_percent),
                "verification": m.verification,
            }
            for m in step.materials.all()
        ],
    }


def _plain(value: Any) -> str | None:
    from atmp.trace.units import plain

    return None if value is None else plain(value)


def mbr_document(mbr: MasterBatchRecord) -> dict[str, Any]:
    """Return a master batch record as MbrOut: its header and every row with its id."""
    pv = mbr.process_version
    return {
        "id": mbr.pk,
        "record": mbr.record_key,
        "version": mbr.version,
        "number": mbr.number,
        "title": mbr.title,
        "status": mbr.status,
        "process_version": pv.pk,
        "product": pv.product.code,
        "site": pv.site.code,
        "process_number": pv.number,
        "effective_from": mbr.effective_from.isoformat() if mbr.effective_from else None,
        "content_hash": mbr.content_hash,
        "copied_from": mbr.copied_from_id,  # type: ignore[attr-defined]
        "steps": [_with_ids(s) for s in selectors.steps_of(mbr)],
    }


def _mbr(request: HttpRequest, mbr_id: int) -> MasterBatchRecord:
    from atmp.accounts.errors import InvalidInput

    try:
        return svc.find_mbr(mbr_id, user=user_of(request))
    except InvalidInput:
        raise NotFound(f"there is no master batch record {mbr_id}") from None


def _body_document(body: Any) -> dict[str, Any]:
    return {"title": body.title, "steps": [s.dict() for s in body.steps]}


@router.get("/manufacturing/master-batch-records/{mbr_id}", response=answers({200: MbrOut}))
@requires("records.view")
def get_mbr(request: HttpRequest, mbr_id: MbrId) -> dict[str, Any]:
    """Return the master batch record with every step, parameter, control and material line and its id."""
    return mbr_document(_mbr(request, mbr_id))


@router.get("/manufacturing/master-batch-records/{mbr_id}/document", response=answers({200: MbrDocumentOut}))
@requires("records.view")
def get_mbr_document(request: HttpRequest, mbr_id: MbrId) -> dict[str, Any]:
    """Return the record's content as its authoring JSON document (what `mbr add --file` reads)."""
    return selectors.document_of(_mbr(request, mbr_id))


@router.post("/manufacturing/master-batch-records", response=answers({201: MbrOut}))
@requires("records.write")
def add_mbr(request: HttpRequest, body: MbrIn) -> Status[dict[str, Any]]:
    """Draft the next master batch record of a process version from its whole document (400 names the field)."""
    user = user_of(request)
    made = svc.add_mbr(
        actor=user,
        process_version=svc.find_process_version(body.process_version, user=user),
        document=_body_document(body),
        reason=body.reason,
    )
    return Status(201, mbr_document(made))


@router.put("/manufacturing/master-batch-records/{mbr_id}/content", response=answers({200: MbrOut}))
@requires("records.write")
def replace_mbr_content(request: HttpRequest, mbr_id: MbrId, body: MbrContentIn) -> dict[str, Any]:
    """Replace a draft's title and content as a whole (409 'frozen' once it is effective)."""
    mbr = _mbr(request, mbr_id)
    svc.replace_content(
        actor=user_of(request), mbr=mbr, document=_body_document(body), reason=body.reason, version=body.version
    )
    return mbr_document(mbr)


@router.post("/manufacturing/master-batch-records/{mbr_id}/copy", response=answers({201: MbrOut}))
@requires("records.write")
def copy_mbr(request: HttpRequest, mbr_id: MbrId, body: MbrCopyIn) -> Status[dict[str, Any]]:
    """Draft a new version as a copy of the record (for its process version, or another of its product)."""
    user = user_of(request)
    target = svc.find_process_version(body.process_version, user=user) if body.process_version else None
    made = svc.copy_mbr(
        actor=user, source=_mbr(request, mbr_id), process_version=target, title=body.title, reason=body.reason
    )
    return Status(201, mbr_document(made))
