"""REST operations of rooms in manufacturing: their status, readiness for a product, cleanings, line
clearances and uses. A line clearance is checked by a second person through the generic signed transition
POST /records/manufacturing.lineclearance/{id}/transitions/check (signed 'verified')."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from atmp.accounts.access import requires
from atmp.accounts.services import can_see
from atmp.api.auth import user_of
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded
from atmp.environment.models import Room
from atmp.ledger import clock
from atmp.ledger.errors import NotFound
from atmp.manufacturing.selectors import rooms as docs
from atmp.manufacturing.services import rooms as svc
from atmp.manufacturing.services.products import find_product

router = Router(tags=["manufacturing"])
RoomId = Annotated[int, Field(ge=1, le=MAX_INT)]
Note = Annotated[str, bounded(20000)]
ProductCode = Annotated[str, bounded(40)]


class RoomCleaningIn(BodyIn):
    """A cleaning of the room: routine, or a changeover between products or GMO classes."""

    kind: Annotated[str, bounded(12)] = Field(description="routine or changeover")
    sop: Annotated[str, bounded(200)] = Field(description="The SOP followed, or why it was cleaned.")
    at: dt.datetime | None = None
    note: Note = ""
    reason: Reason = ""


class LineClearanceIn(BodyIn):
    """A line clearance of the room for a product; a second person checks it (signed) before it counts."""

    product: ProductCode
    batch: Annotated[str, bounded(60)] = ""
    at: dt.datetime | None = None
    note: Note = ""
    reason: Reason = ""


class RoomUseIn(BodyIn):
    """A use of the room for a product's batch, from now (or `at`); refused naming the rule when not ready."""

    product: ProductCode
    batch: Annotated[str, bounded(60)]
    grade_required: Annotated[str, bounded(1)] | None = Field(None, description="A, B, C or D (a cleaner room serves).")
    at: dt.datetime | None = None
    note: Note = ""
    reason: Reason = ""


class RoomUseEndIn(BodyIn):
    """The end of the room's use in progress (now, or `at`)."""

    at: dt.datetime | None = None
    reason: Reason = ""


class RoomReadyQuery(Schema):
    product: ProductCode
    grade_required: Annotated[str, bounded(1)] | None = None
    on: dt.datetime | None = Field(None, description="When it would be used (default: now).")


class RoomReadyOut(Schema):
    ready: bool
    refused: str | None


class RoomUseOut(Schema):
    id: int
    record: str
    version: int
    room: str
    product: str
    gmo_class: str
    batch: str
    started_at: str
    ended_at: str | None
    by: str | None
    note: str


class RoomCleaningOut(Schema):
    id: int
    record: str
    version: int
    room: str
    kind: str
    at: str
    sop: str
    by: str | None
    note: str


class LineClearanceOut(Schema):
    id: int
    record: str
    version: int
    room: str
    product: str
    batch: str
    at: str
    status: str = Field(description="awaiting_check, checked (signed by a second person) or withdrawn")
    by: str | None
    note: str


class RoomStatusOut(Schema):
    id: int
    record: str
    site: str
    code: str
    name: str
    grade: str
    biosafety_level: int
    status: str
    in_use: bool
    current: RoomUseOut | None = Field(description="The room's last use: the product and GMO class (last) in it.")
    changeover_needed: bool = Field(description="Another product or GMO class needs a changeover cleaning first.")
    last_cleaning: RoomCleaningOut | None
    last_clearance: LineClearanceOut | None
    ready_for: str | None = Field(
        description="The product readiness is judged for (last cleared for since the last use, else last used)."
    )
    refused: str | None = Field(description="Why the room may not be used now for that product; null when it may.")
    uses: list[RoomUseOut] | None = None
    cleanings: list[RoomCleaningOut] | None = None
    clearances: list[LineClearanceOut] | None = None


def room_of(request: HttpRequest, room_id: int) -> Room:
    """Return the live room of the id the caller may see, or answer 404."""
    found = Room.objects.select_related("site").filter(pk=room_id, voided=False).first()
    if found is None or not can_see(user_of(request), found):
        raise NotFound(f"there is no room {room_id}")
    return found


@router.get("/manufacturing/rooms", response=answers({200: list[RoomStatusOut]}))
@requires("records.view")
def list_room_status(request: HttpRequest) -> list[dict[str, Any]]:
    """Return the rooms of your sites with the product and GMO class (last) in each and its readiness."""
    return docs.rooms_overview(user_of(request), on=clock.now())


@router.get("/manufacturing/rooms/{room_id}", response=answers({200: RoomStatusOut}))
@requires("records.view")
def get_room_status(request: HttpRequest, room_id: RoomId) -> dict[str, Any]:
    """Return a room's status with its recent uses, cleanings and line clearances."""
    return docs.room_document(room_of(request, room_id), on=clock.now(), history=True)


@router.get("/manufacturing/rooms/{room_id}/ready", response=answers({200: RoomReadyOut}))
@requires("records.view")
def is_room_ready(request: HttpRequest, room_id: RoomId, q: Query[RoomReadyQuery]) -> dict[str, Any]:
    """Say whether the room may be used for the product (at the grade), and which rule stops it."""
    room = room_of(request, room_id)
    refused = svc.room_ready(
        room,
        product=find_product(q.product),
        grade_required=svc.checked_required_grade(q.grade_required),
        on=q.on or clock.now(),
    )
    return {"ready": refused is None, "refused": refused}


@router.post("/manufacturing/rooms/{room_id}/cleanings", response=answers({201: RoomCleaningOut}))
@requires("records.write")
def record_room_cleaning(request: HttpRequest, room_id: RoomId, body: RoomCleaningIn) -> Status[dict[str, Any]]:
    """Record a routine or changeover cleaning (422 naming the rule while the room is in use)."""
    made = svc.record_cleaning(actor=user_of(request), room=room_of(request, room_id), **body.dict())
    return Status(201, docs.cleaning_document(made))


@router.post("/manufacturing/rooms/{room_id}/line-clearances", response=answers({201: LineClearanceOut}))
@requires("records.write")
def record_room_line_clearance(request: HttpRequest, room_id: RoomId, body: LineClearanceIn) -> Status[dict[str, Any]]:
    """Record a line clearance for a product, awaiting a second person's check (signed 'verified')."""
    values = body.dict()
    values["product"] = find_product(values["product"])
    made = svc.record_line_clearance(actor=user_of(request), room=room_of(request, room_id), **values)
    return Status(201, docs.clearance_document(made))


@router.post("/manufacturing/rooms/{room_id}/uses", response=answers({201: RoomUseOut}))
@requires("records.write")
def start_room_use(request: HttpRequest, room_id: RoomId, body: RoomUseIn) -> Status[dict[str, Any]]:
    """Start a use of the room for a batch; 422 naming the rule when it is not ready (nothing is written)."""
    values = body.dict()
    values["product"] = find_product(values["product"])
    made = svc.start_use(actor=user_of(request), room=room_of(request, room_id), **values)
    return Status(201, docs.use_document(made))


@router.post("/manufacturing/rooms/{room_id}/uses/end", response=answers({200: RoomUseOut}))
@requires("records.write")
def end_room_use(request: HttpRequest, room_id: RoomId, body: RoomUseEndIn) -> dict[str, Any]:
    """End the room's use in progress (400 when none is)."""
    return docs.use_document(svc.end_use(actor=user_of(request), room=room_of(request, room_id), **body.dict()))
