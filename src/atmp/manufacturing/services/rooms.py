"""Rooms in manufacturing: cleanings, line clearances, uses, and whether a room may be used for a product.

`room_ready` is the one place the rules live, as `usable` is for equipment; each refusal starts with
the rule's name, in the order they are checked:

- `room out of service`: the environment room is not in use (its workflow state) or is voided.
- `wrong grade`: the room's grade is not the grade the step needs or a cleaner one. Annex 1 (2022)
  grades run A > B > C > D (Chapter 4, Premises; limits in Tables 1, 5 and 6): each grade's particle
  and viable limits are at or below those of every grade after it (atmp.environment.limits, checked
  in test_room_ready.py), so a cleaner room meets a dirtier grade's limits and is accepted. Annex 1
  does not say this in one sentence; it is atmp's reading, and a site that dedicates rooms by grade
  asks for the exact grade by checking `room.grade` itself.
- `changeover missing`: the room was last used for another product, or the same product at
  another GMO class, and no changeover cleaning was done after that use ended (EU GMP Part IV ch. 9
  (Production), 'prevention of cross-contamination in production', and ch. 4 (Premises), 'multi-product facility':
  a room that served one product is cleaned and decontaminated by a validated procedure before
  another is handled in it; a use still open is another product in the room).
- `line clearance missing`: no line clearance for this product, checked by a second person, since
  the room's last use ended and its last cleaning (Part I Ch. 5 §5.35; for ATMPs, Part IV ch. 9, Production).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.environment import limits
from atmp.environment.models import Room
from atmp.ledger import writer
from atmp.ledger.errors import RuleViolation
from atmp.manufacturing.models import CleaningKind, LineClearance, Product, RoomCleaning, RoomUse
from atmp.quality.services import edits
from atmp.trace.services import checks
from atmp.workflow import engine

RULES = ("room out of service", "wrong grade", "changeover missing", "line clearance missing")


def grade_satisfies(room_grade: str, required: str) -> bool:
    """Return True when a room of the grade may serve a step needing the required grade (same or cleaner)."""
    return limits.GRADES.index(room_grade) <= limits.GRADES.index(required)


def checked_required_grade(value: Any) -> str | None:
    """Return the required grade (A-D) or None, or refuse it naming the field."""
    if value in (None, ""):
        return None
    text = edits.text(value, "grade_required", limit=1).upper()
    if text not in limits.GRADES:
        raise InvalidInput("grade_required", f"{value!r} is not an Annex 1 grade: one of {', '.join(limits.GRADES)}")
    return text


def last_use(room: Room, *, on: dt.datetime | None = None) -> RoomUse | None:
    """Return the room's latest use started by the time (any time when None)."""
    rows = RoomUse.objects.filter(room=room, voided=False).select_related("product")
    if on is not None:
        rows = rows.filter(started_at__lte=on)
    return rows.order_by("-started_at", "-pk").first()


def last_cleaning(room: Room, *, on: dt.datetime | None = None, kind: str | None = None) -> RoomCleaning | None:
    """Return the room's latest cleaning (of the kind) done by the time."""
    rows = RoomCleaning.objects.filter(room=room, voided=False)
    if on is not None:
        rows = rows.filter(at__lte=on)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return rows.order_by("-at", "-pk").first()


def _gmo(value: str) -> str:
    return "not a GMO" if value == "none" else f"GMO class {value}"


def _changeover_rule(room: Room, product: Product, use: RoomUse, on: dt.datetime) -> str | None:
    """Return the changeover rule broken after another product's (or GMO class's) use, or None."""
    if use.product_id == product.pk and use.gmo_class == product.gmo_class:
        return None
    before = f"{use.product.code} ({_gmo(use.gmo_class)}, batch {use.batch})"
    if use.ended_at is None or use.ended_at > on:
        return (
            f"changeover missing: room {room.code} is in use for {before} since "
            f"{use.started_at.isoformat(timespec='minutes')}; end that use and clean for changeover first"
        )
    done = RoomCleaning.objects.filter(
        room=room, voided=False, kind=CleaningKind.CHANGEOVER, at__gte=use.ended_at, at__lte=on
    )
    if done.exists():
        return None
    return (
        f"changeover missing: room {room.code} was last used for {before} until "
        f"{use.ended_at.isoformat(timespec='minutes')}; a changeover cleaning is needed before {product.code} "
        f"({_gmo(product.gmo_class)})"
    )


def readiness(
    room: Room, *, product: Product, grade_required: str | None = None, on: dt.datetime
) -> tuple[str | None, LineClearance | None]:
    """Return the first rule broken (or None) and, when ready, the checked line clearance that allows the use."""
    if room.voided or room.status != "in_use":
        state = "voided" if room.voided else room.state_label().lower()
        return f"room out of service: room {room.code} is {state}; only a room in use is used", None
    if grade_required is not None and not grade_satisfies(room.grade, grade_required):
        return (
            f"wrong grade: room {room.code} is grade {room.grade}, the step needs grade {grade_required} (or cleaner)",
            None,
        )
    use = last_use(room, on=on)
    if use is not None:
        broken = _changeover_rule(room, product, use, on)
        if broken:
            return broken, None
        if use.ended_at is None or use.ended_at > on:
            return (
                f"line clearance missing: room {room.code} is in use for batch {use.batch}; "
                "end that use, then clear the line",
                None,
            )
    since = [t for t in (use.ended_at if use else None, getattr(last_cleaning(room, on=on), "at", None)) if t]
    rows = LineClearance.objects.filter(room=room, product=product, voided=False, status="checked", at__lte=on)
    if since:
        rows = rows.filter(at__gte=max(since))
    clearance = rows.order_by("-at", "-pk").first()
    if clearance is None:
        after = " since its last use or cleaning" if since else ""
        return f"line clearance missing: room {room.code} has no checked line clearance for {product.code}{after}", None
    return None, clearance


def room_ready(room: Room, *, product: Product, grade_required: str | None = None, on: dt.datetime) -> str | None:
    """Return why the room may not be used for the product at the time (the rule named first), or None."""
    return readiness(room, product=product, grade_required=grade_required, on=on)[0]


def _check(actor: User, room: Room, model: type[Any]) -> None:
    """Refuse an actor who may not write at the room's site, and a room voided or retired."""
    edits.check_writer(actor, model, site=room.site)
    if room.voided or room.status == "retired":
        raise RuleViolation(f"room out of service: room {room.code} is {'voided' if room.voided else 'retired'}")


def _not_in_use(room: Room, at: dt.datetime, what: str) -> None:
    """Refuse a cleaning or clearance while a use of the room is open (it would not be after that use)."""
    use = last_use(room, on=at)
    if use is not None and (use.ended_at is None or use.ended_at > at):
        raise RuleViolation(
            f"room in use: room {room.code} is in use for {use.product.code} batch {use.batch}; "
            f"end that use before recording a {what}"
        )


def record_cleaning(
    *,
    actor: User,
    room: Room,
    kind: str,
    sop: str,
    at: dt.datetime | str | None = None,
    note: str = "",
    reason: str = "",
) -> RoomCleaning:
    """Record a routine or changeover cleaning of the room, to an SOP (or for a reason named)."""
    _check(actor, room, RoomCleaning)
    cleaning = RoomCleaning(
        room=room,
        kind=edits.choice(str(kind).lower(), "kind", CleaningKind.values),
        at=checks.moment(at, "at"),
        sop=edits.text(sop, "sop", required=True, limit=200),
        note=edits.text(note, "note"),
    )
    _not_in_use(room, cleaning.at, "cleaning")
    with writer.change(actor=actor, reason=reason or f"{cleaning.kind} cleaning of room {room.code}") as ch:
        ch.save(cleaning)
    return cleaning


def record_line_clearance(
    *,
    actor: User,
    room: Room,
    product: Product,
    at: dt.datetime | str | None = None,
    batch: str = "",
    note: str = "",
    reason: str = "",
) -> LineClearance:
    """Record a line clearance of the room for a product; it counts once a second person checks it."""
    _check(actor, room, LineClearance)
    if room.status != "in_use":
        raise RuleViolation(f"room out of service: room {room.code} is {room.state_label().lower()}")
    if product.voided:
        raise InvalidInput("product", f"product {product.code} is voided")
    clearance = LineClearance(
        room=room,
        product=product,
        at=checks.moment(at, "at"),
        batch=edits.text(batch, "batch", limit=60),
        note=edits.text(note, "note"),
    )
    _not_in_use(room, clearance.at, "line clearance")
    with writer.change(actor=actor, reason=reason or f"line clearance of room {room.code} for {product.code}") as ch:
        ch.save(clearance)
    return clearance


def check_line_clearance(
    *, actor: User, clearance: LineClearance, password: str, reason: str = "", otp: str | None = None
) -> LineClearance:
    """Check a line clearance as the second person (signed 'verified'; never by whoever did it)."""
    engine.transition(
        actor,
        clearance,
        "check",
        reason=reason or f"line clearance of room {clearance.room.code} checked",
        password=password,
        otp=otp,
    )
    return clearance


def start_use(
    *,
    actor: User,
    room: Room,
    product: Product,
    batch: str,
    at: dt.datetime | str | None = None,
    grade_required: Any = None,
    note: str = "",
    reason: str = "",
) -> RoomUse:
    """Start a use of the room for a product's batch; refused with the rule's name when the room is not ready."""
    _check(actor, room, RoomUse)
    use = RoomUse(
        room=room,
        product=product,
        gmo_class=product.gmo_class,
        batch=edits.text(batch, "batch", required=True, limit=60),
        started_at=checks.moment(at, "at"),
        note=edits.text(note, "note"),
    )
    refused, clearance = readiness(
        room, product=product, grade_required=checked_required_grade(grade_required), on=use.started_at
    )
    if refused:
        raise RuleViolation(refused)
    use.clearance = clearance
    with writer.change(actor=actor, reason=reason or f"room {room.code} used for {product.code} {use.batch}") as ch:
        ch.save(use)
    return use


def end_use(*, actor: User, room: Room, at: dt.datetime | str | None = None, reason: str = "") -> RoomUse:
    """End the room's use in progress: from then the room needs cleaning or clearance again before the next."""
    _check(actor, room, RoomUse)
    ended = checks.moment(at, "at")
    use = last_use(room)
    if use is None or use.ended_at is not None:
        raise InvalidInput("room", f"room {room.code} has no use in progress")
    if ended < use.started_at:
        raise InvalidInput("at", f"the use started at {use.started_at.isoformat(timespec='minutes')}: it ends after")
    use.ended_at = ended
    with writer.change(actor=actor, reason=reason or f"end of use of room {room.code} for {use.batch}") as ch:
        ch.save(use)
    return use


def find_clearance(clearance_id: Any, *, user: User | None = None) -> LineClearance:
    """Return the live line clearance of the id (one the user may see), or refuse naming the field."""
    from atmp.accounts.services import can_see

    try:
        pk = int(str(clearance_id).strip())
    except ValueError:
        raise InvalidInput("clearance", f"{clearance_id!r} is not a line clearance's id") from None
    found = LineClearance.objects.select_related("room__site", "product").filter(pk=pk, voided=False).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput("clearance", f"there is no line clearance {clearance_id!r}")
    return found
