"""REST operations of lots: list, one, receive, release (signed); other transitions are the generic
/records/trace.lot/{id}/transitions/{name} (reject, expire, consume, recall)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from atmp.accounts import services as accounts
from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.api.auth import user_of
from atmp.api.lists import add_list_operation
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded, segment
from atmp.quality.models.suppliers import Supplier
from atmp.trace.api.documents import QuantityIn, lot_document
from atmp.trace.selectors import lists
from atmp.trace.selectors.lookups import lot_named
from atmp.trace.services import lots as svc
from atmp.trace.services.materials import find_material
from atmp.trace.services.persons import find_person

router = Router(tags=["trace"])
add_list_operation(router, "/trace/lots", lists.LOTS, permission="records.view", tags=["trace"])

Number = Annotated[str, segment(60)]


class LotIn(BodyIn):
    """A lot received (or made, or donated) into a site's stock: in quarantine until QA releases it."""

    number: Annotated[str, bounded(60)]
    material: Annotated[str, bounded(40)]
    site: Annotated[str, bounded(20)]
    quantity: QuantityIn
    unit: Annotated[str, bounded(20)] | None = Field(None, description="A UCUM code; the material's by default.")
    expiry_date: dt.date | None = None
    supplier: Annotated[str, bounded(20)] | None = Field(None, description="The supplier's number, SUP-2026-0001.")
    supplier_lot: Annotated[str, bounded(60)] = ""
    donor: Annotated[str, bounded(40)] | None = Field(None, description="The donor's COI, for a donation.")
    location: Annotated[str, bounded(200)] = ""
    received_at: dt.datetime | None = None
    reason: Reason = ""


class ReleaseIn(BodyIn):
    """QA's release: why, the version seen, and the password (and code) that sign it 'Released'."""

    reason: Reason
    password: Annotated[str, bounded(1024)]
    otp: Annotated[str, bounded(16)] | None = None
    version: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None


class LotOut(Schema):
    id: int
    record: str
    version: int
    status: str
    status_label: str
    number: str
    material: str
    material_type: str
    site: str
    supplier: str | None
    supplier_lot: str
    donor: str | None
    expiry_date: str | None
    quantity: str
    remaining: str
    unit: str
    location: str
    received_at: str
    retention_end: str | None = Field(
        None, description="30 years after the last expiry it leads to (null: not yet known)."
    )


def supplier_numbered(number: str | None) -> Supplier | None:
    """Return the live supplier of the number, or None for none; refuse an unknown one."""
    if not number:
        return None
    found = Supplier.objects.filter(number=number.strip(), voided=False).first()
    if found is None:
        raise InvalidInput("supplier", f"there is no supplier {number!r}")
    return found


@router.get("/trace/lots/{number}", response=answers({200: LotOut}))
@requires("records.view")
def get_lot(request: HttpRequest, number: Number) -> dict[str, Any]:
    """Return the lot of the number, with what remains of it."""
    return lot_document(lot_named(number, user_of(request)))


@router.post("/trace/lots", response=answers({201: LotOut}))
@requires("records.write")
def receive_lot(request: HttpRequest, body: LotIn) -> Status[dict[str, Any]]:
    """Receive a lot in quarantine (422 when quality does not approve the supplier for the material)."""
    user = user_of(request)
    made = svc.receive_lot(
        actor=user,
        number=body.number,
        material=find_material(body.material),
        site=accounts.find_site(body.site),
        quantity=body.quantity,
        unit=body.unit,
        expiry_date=body.expiry_date,
        supplier=supplier_numbered(body.supplier),
        supplier_lot=body.supplier_lot,
        donor=find_person(body.donor, field="donor", user=user) if body.donor else None,
        location=body.location,
        received_at=body.received_at,
        reason=body.reason,
    )
    return Status(201, lot_document(made))


@router.post("/trace/lots/{number}/release", response=answers({200: LotOut}))
@requires("quality.decide")
def release_lot(request: HttpRequest, number: Number, body: ReleaseIn) -> dict[str, Any]:
    """Release the lot with your signature 'Released' (422 once it has expired, or for its receiver)."""
    user = user_of(request)
    lot = svc.release_lot(
        actor=user,
        lot=lot_named(number, user),
        password=body.password,
        otp=body.otp,
        reason=body.reason,
        version=body.version,
    )
    return lot_document(lot)
