"""REST operations of equipment: list, one, register, change its regimes, ask whether it may be used, its
logbook, and the logbook's entries (use, cleaning, calibration, maintenance, breakdown, qualification stage).

Qualifying it, returning it to service and retiring it are the generic signed transitions
POST /records/manufacturing.equipment/{id}/transitions/{name} (atmp.workflow).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, StrictBool

from atmp.accounts import services as accounts
from atmp.accounts.access import requires
from atmp.accounts.services import can_see
from atmp.api.auth import user_of
from atmp.api.lists import add_list_operation
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded
from atmp.ledger import clock
from atmp.ledger.errors import NotFound
from atmp.manufacturing.api.documents import entry_document, equipment_document
from atmp.manufacturing.models import Equipment, Outcome
from atmp.manufacturing.selectors import lists
from atmp.manufacturing.services import equipment as svc
from atmp.manufacturing.services import logbook
from atmp.manufacturing.services.products import find_product
from atmp.quality.services import edits

router = Router(tags=["manufacturing"])
add_list_operation(
    router, "/manufacturing/equipment", lists.EQUIPMENT, permission="records.view", tags=["manufacturing"]
)
EquipmentId = Annotated[int, Field(ge=1, le=MAX_INT)]
Interval = Annotated[int, Field(ge=1, le=svc.MAX_INTERVAL_DAYS)]
HoldHours = Annotated[int, Field(ge=1, le=svc.MAX_HOLD_HOURS)]
Note = Annotated[str, bounded(20000)]


class EquipmentIn(BodyIn):
    """A piece of equipment to register: it starts in commissioning, dirty, until qualified and cleaned."""

    code: Annotated[str, bounded(40)]
    name: Annotated[str, bounded(200)]
    equipment_class: Annotated[str, bounded(40)] = Field(description="e.g. bsc, incubator, centrifuge, balance")
    site: Annotated[str, bounded(20)]
    location: Annotated[str, bounded(200)] = ""
    calibration_interval_days: Interval | None = Field(None, description="Empty: not calibrated.")
    maintenance_interval_days: Interval | None = Field(None, description="Empty: no preventive maintenance.")
    cleaning_required: StrictBool = True
    clean_hold_hours: HoldHours | None = Field(None, description="Validated clean hold time; empty: no expiry.")
    opcua_endpoint: Annotated[str, bounded(200)] = Field("", description="Its OPC UA server, opc.tcp://host:port.")
    reason: Reason = ""


class RegimesIn(BodyIn):
    """What to change (only the fields given); the due dates are computed again."""

    name: Annotated[str, bounded(200)] | None = None
    location: Annotated[str, bounded(200)] | None = None
    equipment_class: Annotated[str, bounded(40)] | None = None
    calibration_interval_days: Interval | None = None
    maintenance_interval_days: Interval | None = None
    cleaning_required: StrictBool | None = None
    clean_hold_hours: HoldHours | None = None
    opcua_endpoint: Annotated[str, bounded(200)] | None = None
    reason: Reason
    version: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None


class EquipmentUseIn(BodyIn):
    """A use: what for, when (now by default), and the class the step needs (checked, if given)."""

    purpose: Annotated[str, bounded(200)] = Field(description="The batch and step, or what it was used for.")
    at: dt.datetime | None = None
    equipment_class: Annotated[str, bounded(40)] | None = None
    product: Annotated[str, bounded(40)] | None = Field(
        None, description="The product's code: recorded, and another product's last use needs a changeover cleaning."
    )
    note: Note = ""
    reason: Reason = ""


class CleaningIn(BodyIn):
    """A cleaning done (now by default), and how."""

    at: dt.datetime | None = None
    note: Note = Field("", description="Agents and method, e.g. 70 % IPA then sporicide.")
    changeover: StrictBool = Field(False, description="A changeover cleaning between products or GMO classes.")
    reason: Reason = ""


class CalibrationIn(BodyIn):
    """A calibration result: always accepted, even for an instrument out of calibration."""

    result: Annotated[str, bounded(8)] = Field(description="passed or failed: the result against the tolerance.")
    at: dt.datetime | None = None
    note: Note = Field("", description="The readings against their tolerance.")
    reason: Reason = ""


class MaintenanceIn(BodyIn):
    """A preventive maintenance done (now by default), and what was done."""

    at: dt.datetime | None = None
    note: Note = ""
    reason: Reason = ""


class BreakdownIn(BodyIn):
    """A breakdown: what failed; the equipment goes out of service."""

    note: Note
    at: dt.datetime | None = None
    reason: Reason = ""


class QualificationIn(Schema):
    """An IQ, OQ or PQ: its stage and date (the report is the multipart `file`)."""

    stage: Annotated[str, bounded(2)] = Field(description="iq, oq or pq")
    done_on: dt.date
    note: Note = ""
    reason: Reason = ""


class UsableQuery(Schema):
    on: dt.datetime | None = Field(None, description="When it would be used (default: now).")
    equipment_class: Annotated[str, bounded(40)] | None = None
    product: Annotated[str, bounded(40)] | None = Field(None, description="For a product: changeover checked.")


class UsableOut(Schema):
    usable: bool
    refused: str | None


class LogbookEntryOut(Schema):
    id: int
    record: str
    version: int
    equipment: str
    kind: str
    at: str
    by: str | None
    outcome: str
    purpose: str
    note: str
    report: dict[str, Any] | None
    product: str | None = Field(None, description="The product a use was for.")
    gmo_class: str = ""
    changeover: bool = Field(False, description="A changeover cleaning.")


class CalibrationOut(Schema):
    entry: LogbookEntryOut
    deviation: str | None = Field(description="The deviation a failed calibration opened (its number).")


class EquipmentOut(Schema):
    id: int
    record: str
    version: int
    code: str
    name: str
    equipment_class: str
    site: str
    location: str
    status: str
    qualification: dict[str, Any]
    calibration: dict[str, Any]
    maintenance: dict[str, Any]
    cleaning: dict[str, Any]
    opcua_endpoint: str
    refused: str | None = Field(description="Why it may not be used now (the rule first), null when it may.")


def equipment_of(request: HttpRequest, equipment_id: int) -> Equipment:
    """Return the live equipment of the id the caller may see, or answer 404."""
    found = Equipment.objects.select_related("site").filter(pk=equipment_id, voided=False).first()
    if found is None or not can_see(user_of(request), found):
        raise NotFound(f"there is no equipment {equipment_id}")
    return found


@router.get("/manufacturing/equipment/{equipment_id}", response=answers({200: EquipmentOut}))
@requires("records.view")
def get_equipment(request: HttpRequest, equipment_id: EquipmentId) -> dict[str, Any]:
    """Return the equipment: qualification, calibration and maintenance due, cleaning, whether it may be used now."""
    return equipment_document(equipment_of(request, equipment_id))


@router.post("/manufacturing/equipment", response=answers({201: EquipmentOut}))
@requires("records.write")
def register_equipment(request: HttpRequest, body: EquipmentIn) -> Status[dict[str, Any]]:
    """Register equipment at a site, in commissioning (400 naming a bad field, 409 for a code already there)."""
    values = body.dict()
    values["site"] = accounts.find_site(body.site)
    return Status(201, equipment_document(svc.register_equipment(actor=user_of(request), **values)))


@router.patch("/manufacturing/equipment/{equipment_id}", response=answers({200: EquipmentOut}))
@requires("records.write")
def set_regimes(request: HttpRequest, equipment_id: EquipmentId, body: RegimesIn) -> dict[str, Any]:
    """Change the equipment's name, location, class, intervals or cleaning regime; the due dates follow."""
    values = body.dict(exclude_unset=True)
    reason, version = values.pop("reason"), values.pop("version", None)
    changed = svc.set_regimes(
        actor=user_of(request), equipment=equipment_of(request, equipment_id), reason=reason, version=version, **values
    )
    return equipment_document(changed)


@router.get("/manufacturing/equipment/{equipment_id}/usable", response=answers({200: UsableOut}))
@requires("records.view")
def is_usable(request: HttpRequest, equipment_id: EquipmentId, q: Query[UsableQuery]) -> dict[str, Any]:
    """Say whether the equipment may be used at the time for a step needing the class, and which rule stops it."""
    product = find_product(q.product) if q.product else None
    eq = equipment_of(request, equipment_id)
    refused = svc.usable(eq, on=q.on or clock.now(), equipment_class=q.equipment_class, product=product)
    return {"usable": refused is None, "refused": refused}


@router.get("/manufacturing/equipment/{equipment_id}/logbook", response=answers({200: list[LogbookEntryOut]}))
@requires("records.view")
def get_logbook(request: HttpRequest, equipment_id: EquipmentId) -> list[dict[str, Any]]:
    """Return the equipment's logbook, newest first (the last 500 entries)."""
    eq = equipment_of(request, equipment_id)
    rows = eq.logbook.filter(voided=False).select_related("equipment", "created_by", "report", "product")[:500]
    return [entry_document(x) for x in rows]


@router.post("/manufacturing/equipment/{equipment_id}/uses", response=answers({201: LogbookEntryOut}))
@requires("records.write")
def record_use(request: HttpRequest, equipment_id: EquipmentId, body: EquipmentUseIn) -> Status[dict[str, Any]]:
    """Record a use; 409 naming the rule when the equipment may not be used (nothing is written)."""
    values = body.dict()
    values["product"] = find_product(values["product"]) if values.get("product") else None
    made = logbook.record_use(actor=user_of(request), equipment=equipment_of(request, equipment_id), **values)
    return Status(201, entry_document(made))


@router.post("/manufacturing/equipment/{equipment_id}/cleanings", response=answers({201: LogbookEntryOut}))
@requires("records.write")
def record_cleaning(request: HttpRequest, equipment_id: EquipmentId, body: CleaningIn) -> Status[dict[str, Any]]:
    """Record a cleaning: clean until the clean hold time expires or the next use."""
    made = logbook.record_cleaning(actor=user_of(request), equipment=equipment_of(request, equipment_id), **body.dict())
    return Status(201, entry_document(made))


@router.post("/manufacturing/equipment/{equipment_id}/calibrations", response=answers({201: CalibrationOut}))
@requires("records.write")
def record_calibration(request: HttpRequest, equipment_id: EquipmentId, body: CalibrationIn) -> Status[dict[str, Any]]:
    """Enter a calibration result (always accepted); a failure takes it out of service and opens a deviation."""
    values = body.dict()
    # Chosen, never defaulted: a failed result takes the equipment out of service and opens a deviation.
    passed = edits.choice(values.pop("result"), "result", Outcome.values) == Outcome.PASSED
    entry, deviation = logbook.record_calibration(
        actor=user_of(request), equipment=equipment_of(request, equipment_id), passed=passed, **values
    )
    return Status(201, {"entry": entry_document(entry), "deviation": deviation.number if deviation else None})


@router.post("/manufacturing/equipment/{equipment_id}/maintenance", response=answers({201: LogbookEntryOut}))
@requires("records.write")
def record_maintenance(request: HttpRequest, equipment_id: EquipmentId, body: MaintenanceIn) -> Status[dict[str, Any]]:
    """Record a preventive maintenance: the next one falls due one interval later."""
    made = logbook.record_maintenance(
        actor=user_of(request), equipment=equipment_of(request, equipment_id), **body.dict()
    )
    return Status(201, entry_document(made))


@router.post("/manufacturing/equipment/{equipment_id}/breakdowns", response=answers({201: LogbookEntryOut}))
@requires("records.write")
def record_breakdown(request: HttpRequest, equipment_id: EquipmentId, body: BreakdownIn) -> Status[dict[str, Any]]:
    """Record a breakdown: the equipment goes out of service until QA returns it (signed)."""
    made = logbook.record_breakdown(
        actor=user_of(request), equipment=equipment_of(request, equipment_id), **body.dict()
    )
    return Status(201, entry_document(made))


@router.post("/manufacturing/equipment/{equipment_id}/qualification", response=answers({201: LogbookEntryOut}))
@requires("records.write")
def record_qualification(
    request: HttpRequest,
    equipment_id: EquipmentId,
    form: Form[QualificationIn],
    file: UploadedFile = File(...),  # noqa: B008 - django-ninja's way to declare a file
) -> Status[dict[str, Any]]:
    """Record an IQ, OQ or PQ with its report (multipart `file`, stored and hashed)."""
    made = svc.record_qualification_stage(
        actor=user_of(request),
        equipment=equipment_of(request, equipment_id),
        stage=form.stage,
        done_on=form.done_on,
        report=file,
        report_name=file.name or f"{form.stage}-report",
        note=form.note,
        reason=form.reason,
    )
    return Status(201, entry_document(made))
