"""REST operations of the genealogy: record a use or an administration, and trace forward or backward."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.schemas import BodyIn, Reason, answers, bounded, segment
from atmp.trace.api.documents import QuantityIn, administration_document, trace_document, use_document
from atmp.trace.selectors import genealogy
from atmp.trace.selectors.lookups import root_named
from atmp.trace.services import genealogy as svc
from atmp.trace.services.lots import find_lot
from atmp.trace.services.persons import find_person

router = Router(tags=["trace"])
Root = Annotated[str, segment(60)]


class UseIn(BodyIn):
    """A quantity of the input lot that went into the output lot (422 naming the rule when refused)."""

    input: Annotated[str, bounded(60)] = Field(description="The number of the lot consumed.")
    output: Annotated[str, bounded(60)] = Field(description="The number of the lot made (in quarantine).")
    quantity: QuantityIn
    unit: Annotated[str, bounded(20)]
    at: dt.datetime | None = None
    made_by: Annotated[str, bounded(100)] = Field("", description="The record that performed it, type:id.")
    reason: Reason = ""


class UseOut(Schema):
    id: int
    record: str
    version: int
    input: str
    output: str
    quantity: str
    unit: str
    at: str
    made_by: str
    retention_end: str | None = None


class AdministrationIn(BodyIn):
    """A lot given to a patient (by COI) at a time."""

    lot: Annotated[str, bounded(60)]
    patient: Annotated[str, bounded(40)]
    at: dt.datetime | None = None
    quantity: QuantityIn | None = Field(None, description="How much of the lot was given (taken from what remains).")
    unit: Annotated[str, bounded(20)] = Field("", description="The quantity's UCUM unit (default: the lot's).")
    reason: Reason = ""


class AdministrationOut(Schema):
    id: int
    record: str
    version: int
    lot: str
    patient: str
    at: str
    quantity: str | None = None
    unit: str = ""
    retention_end: str | None = None


class TracedLotOut(Schema):
    lot: str
    material: str
    type: str
    status: str
    site: str
    level: int


class TracedPersonOut(Schema):
    coi: str
    kind: str
    site: str
    level: int


class ForwardOut(Schema):
    root: str
    lots: list[TracedLotOut]
    patients: list[TracedPersonOut]
    elapsed_ms: float


class BackwardOut(Schema):
    root: str
    lots: list[TracedLotOut]
    donors: list[TracedPersonOut]
    elapsed_ms: float


@router.post("/trace/uses", response=answers({201: UseOut}))
@requires("records.write")
def record_use(request: HttpRequest, body: UseIn) -> Status[dict[str, Any]]:
    """Record that a quantity of one lot went into another: an edge of the genealogy."""
    user = user_of(request)
    made = svc.record_use(
        actor=user,
        input=find_lot(body.input, field="input", user=user),
        output=find_lot(body.output, field="output", user=user),
        quantity=body.quantity,
        unit=body.unit,
        at=body.at,
        made_by=body.made_by,
        reason=body.reason,
    )
    return Status(201, use_document(made))


@router.post("/trace/administrations", response=answers({201: AdministrationOut}))
@requires("records.write")
def record_administration(request: HttpRequest, body: AdministrationIn) -> Status[dict[str, Any]]:
    """Record that a released lot was given to a patient."""
    user = user_of(request)
    given = svc.administer(
        actor=user,
        lot=find_lot(body.lot, user=user),
        patient=find_person(body.patient, field="patient", user=user),
        at=body.at,
        quantity=body.quantity,
        unit=body.unit or None,
        reason=body.reason,
    )
    return Status(201, administration_document(given))


def _traced(request: HttpRequest, root: str, direction: genealogy.Direction) -> dict[str, Any]:
    user = user_of(request)
    found, elapsed = genealogy.timed(root_named(root, user), direction)
    return trace_document(found.visible_to(user.site_ids()), elapsed)


@router.get("/trace/forward/{root}", response=answers({200: ForwardOut}))
@requires("records.view")
def trace_forward(request: HttpRequest, root: Root) -> dict[str, Any]:
    """Trace forward from a lot number or a donor's COI: every lot made with it, and the patients given any."""
    return _traced(request, root, "forward")


@router.get("/trace/backward/{root}", response=answers({200: BackwardOut}))
@requires("records.view")
def trace_backward(request: HttpRequest, root: Root) -> dict[str, Any]:
    """Trace backward from a lot number or a patient's COI: every lot it was made from, and the donors."""
    return _traced(request, root, "backward")


class TraceVoidIn(BodyIn):
    """A traceability record to void, by its key, and why (a correction: the record and its history stay)."""

    record: Annotated[str, bounded(60)] = Field(
        description="trace.lot:ID, trace.use:ID, trace.administration:ID or trace.person:ID."
    )
    reason: Annotated[str, bounded(2000)]


class VoidedOut(Schema):
    record: str
    version: int
    voided: bool


@router.post("/trace/void", response=answers({200: VoidedOut}))
@requires("records.write")
def void(request: HttpRequest, body: TraceVoidIn) -> dict[str, Any]:
    """Void a lot, use, administration or person (422 naming the record and its retention end when it is kept)."""
    from atmp.trace.services.void import void_record
    from atmp.workflow import links

    user = user_of(request)
    made = void_record(actor=user, record=links.resolve(body.record, field="record", user=user), reason=body.reason)
    return {"record": made.record_key, "version": made.version, "voided": made.voided}
