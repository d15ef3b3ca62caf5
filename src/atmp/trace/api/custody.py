"""REST operations of the chain of custody: ship, hand over, import a temperature log, administer by scan.

A mismatched scan answers 422 naming the scan field and the rule, and says which blocked hand-over
was recorded and which deviation was opened (both stay: docs/adr/0017).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.schemas import BodyIn, Reason, answers, bounded, segment
from atmp.trace.api.documents import administration_document
from atmp.trace.api.genealogy import AdministrationOut
from atmp.trace.models import Stage
from atmp.trace.selectors import custody as selectors
from atmp.trace.services import custody as svc
from atmp.trace.services.lots import find_lot

router = Router(tags=["trace"])
Identifier = Annotated[str, segment(60)]
Scan = Annotated[str, bounded(400)]
Text = Annotated[str, bounded(200)]
Celsius = Annotated[str, bounded(12)]


class ShipmentIn(BodyIn):
    """A shipment of lots under its shipment identifier and its courier's tracking identifier (each unique)."""

    number: Annotated[str, bounded(60)] = Field(description="The shipment identifier.")
    tracking: Annotated[str, bounded(60)] = Field("", description="The courier's tracking identifier.")
    lots: list[Annotated[str, bounded(60)]] = Field(max_length=200, description="The numbers of the lots it carries.")
    origin: Text
    destination: Text
    destination_stage: Stage
    destination_site: Annotated[str, bounded(20)] | None = Field(
        None, description="The code of the site of ours it goes to, if it does: its users record the receipt."
    )
    patient: Annotated[str, bounded(40)] | None = Field(
        None, description="The COI of the patient an allogeneic product is shipped for (given only to them)."
    )
    courier: Text = ""
    temperature_low: Celsius | None = Field(None, description="°C, a decimal as text; with temperature_high.")
    temperature_high: Celsius | None = None
    shipped_at: dt.datetime | None = None
    reason: Reason = ""


class HandoverScanOut(Schema):
    lot: str | None
    coi: str | None


class HandoverOut(Schema):
    id: int
    record: str
    version: int
    shipment: str | None
    site: str
    stage: str
    at: str
    place: str
    from_party: str
    to_party: str
    condition: str
    giver_scan: HandoverScanOut
    receiver_scan: HandoverScanOut
    expected_coi: str | None
    outcome: str
    rule: str
    deviations: list[str]


class TemperatureLogOut(Schema):
    id: int
    record: str
    version: int
    shipment: str
    file: str
    name: str
    low: str
    high: str
    range_from: str
    readings: int
    first_at: str
    last_at: str
    min: str
    max: str
    seconds_out_of_range: int
    excursion: bool
    deviations: list[str]


class ShipmentOut(Schema):
    id: int
    record: str
    version: int
    number: str
    tracking: str | None
    site: str
    courier: str
    origin: str
    destination: str
    destination_stage: str
    destination_site: str | None
    coi: str | None
    temperature_low: str | None
    temperature_high: str | None
    shipped_at: str
    lots: list[str]
    handovers: list[HandoverOut]
    temperature_logs: list[TemperatureLogOut]


class HandoverIn(BodyIn):
    """A hand-over: where, from whom to whom, and what each side scanned (as the barcode reader typed it)."""

    stage: Stage
    giver_scan: Scan
    receiver_scan: Scan
    place: Text
    from_party: Text
    to_party: Text
    condition: Annotated[str, bounded(500)] = ""
    at: dt.datetime | None = None
    reason: Reason = ""


class TemperatureLogIn(Schema):
    reason: Reason = ""


class BedsideIn(BodyIn):
    """The patient's wristband and the product's label, scanned at the bedside."""

    patient_scan: Scan
    product_scan: Scan
    place: Text
    at: dt.datetime | None = None
    reason: Reason = ""


@router.post("/trace/shipments", response=answers({201: ShipmentOut}))
@requires("records.write")
def ship(request: HttpRequest, body: ShipmentIn) -> Status[dict[str, Any]]:
    """Ship lots; a duplicate shipment or tracking identifier, or a lot that may not go, is refused."""
    user = user_of(request)
    made = svc.ship(
        actor=user,
        number=body.number,
        tracking=body.tracking,
        lots=[find_lot(n, field="lots", user=user) for n in body.lots],
        origin=body.origin,
        destination=body.destination,
        destination_stage=body.destination_stage,
        courier=body.courier,
        temperature_low=body.temperature_low,
        temperature_high=body.temperature_high,
        shipped_at=body.shipped_at,
        destination_site=body.destination_site,
        patient=body.patient,
        reason=body.reason,
    )
    return Status(201, selectors.shipment_document(made))


@router.get("/trace/shipments/{identifier}", response=answers({200: ShipmentOut}))
@requires("records.view")
def get_shipment(request: HttpRequest, identifier: Identifier) -> dict[str, Any]:
    """Return a shipment (by shipment or tracking identifier) with its chain of custody."""
    return selectors.shipment_document(svc.find_shipment(identifier, user=user_of(request)))


@router.post("/trace/shipments/{identifier}/handovers", response=answers({201: HandoverOut}))
@requires("records.write")
def hand_over(request: HttpRequest, identifier: Identifier, body: HandoverIn) -> Status[dict[str, Any]]:
    """Hand the shipment over; a mismatched scan answers 422 and leaves a blocked hand-over and a deviation."""
    user = user_of(request)
    done = svc.record_handover(
        actor=user,
        shipment=svc.find_shipment(identifier, user=user),
        stage=body.stage,
        giver_scan=body.giver_scan,
        receiver_scan=body.receiver_scan,
        place=body.place,
        from_party=body.from_party,
        to_party=body.to_party,
        condition=body.condition,
        at=body.at,
        reason=body.reason,
    )
    return Status(201, selectors.handover_document(done))


@router.post("/trace/shipments/{identifier}/temperature-logs", response=answers({201: TemperatureLogOut}))
@requires("records.write")
def import_temperature_log(
    request: HttpRequest,
    identifier: Identifier,
    form: Form[TemperatureLogIn],
    file: UploadedFile = File(...),  # noqa: B008 - django-ninja's way to declare a file
) -> Status[dict[str, Any]]:
    """Import the shipper's CSV log (multipart `file`); an excursion opens a deviation that holds the shipment."""
    user = user_of(request)
    log = svc.import_temperature_log(
        actor=user,
        shipment=svc.find_shipment(identifier, user=user),
        stream=file,
        name=file.name or "temperature-log.csv",
        reason=form.reason,
    )
    return Status(201, selectors.log_document(log))


@router.post("/trace/administrations/by-scan", response=answers({201: AdministrationOut}))
@requires("records.write")
def administer_by_scan(request: HttpRequest, body: BedsideIn) -> Status[dict[str, Any]]:
    """Administer once the patient's and the product's scans match; a mismatch answers 422 (recorded, deviation)."""
    given = svc.administer_by_scan(
        actor=user_of(request),
        patient_scan=body.patient_scan,
        product_scan=body.product_scan,
        place=body.place,
        at=body.at,
        reason=body.reason,
    )
    return Status(201, administration_document(given))
