"""Reads about rooms in manufacturing: what is in a room now, its last cleaning and clearance, readiness.

The JSON documents here are shared by the API, `--json` of the CLI, the pages and the panel that the
environment's room page shows (environment does not import manufacturing: the panel is offered
through the shell, atmp.modules.Module.panels).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.models import User
from atmp.environment.models import Room
from atmp.environment.selectors.documents import rooms_of
from atmp.manufacturing.models import CleaningKind, LineClearance, RoomCleaning, RoomUse
from atmp.manufacturing.services import rooms as svc

HISTORY_ROWS = 50


def _at(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _by(record: Any) -> str | None:
    return record.created_by.username if record.created_by_id else None


def use_document(u: RoomUse) -> dict[str, Any]:
    """Return a room use as RoomUseOut."""
    return {
        "id": u.pk,
        "record": u.record_key,
        "version": u.version,
        "room": u.room.code,
        "product": u.product.code,
        "gmo_class": u.gmo_class,
        "batch": u.batch,
        "started_at": _at(u.started_at),
        "ended_at": _at(u.ended_at),
        "by": _by(u),
        "note": u.note,
    }


def cleaning_document(c: RoomCleaning) -> dict[str, Any]:
    """Return a room cleaning as RoomCleaningOut."""
    return {
        "id": c.pk,
        "record": c.record_key,
        "version": c.version,
        "room": c.room.code,
        "kind": c.kind,
        "at": _at(c.at),
        "sop": c.sop,
        "by": _by(c),
        "note": c.note,
    }


def clearance_document(c: LineClearance) -> dict[str, Any]:
    """Return a line clearance as LineClearanceOut (checked: its second person's check is signed)."""
    return {
        "id": c.pk,
        "record": c.record_key,
        "version": c.version,
        "room": c.room.code,
        "product": c.product.code,
        "batch": c.batch,
        "at": _at(c.at),
        "status": c.status,
        "by": _by(c),
        "note": c.note,
    }


def _refused(room: Room, product: Any, on: dt.datetime) -> str | None:
    """Return why the room may not be used now for the product; a room never cleared misses its clearance."""
    if product is not None:
        return svc.room_ready(room, product=product, on=on)
    if room.voided or room.status != "in_use":
        return f"room out of service: room {room.code} is {'voided' if room.voided else room.state_label().lower()}"
    return f"line clearance missing: room {room.code} has never been cleared for a product"


def room_document(room: Room, *, on: dt.datetime, history: bool = False) -> dict[str, Any]:
    """Return a room's manufacturing status: what is (last) in it, its last cleaning and clearance, readiness."""
    use = svc.last_use(room)
    cleaning = svc.last_cleaning(room)
    clearance = LineClearance.objects.filter(room=room, voided=False).select_related("product", "created_by")
    last_clearance = clearance.order_by("-at", "-pk").first()
    changeover_done = (
        use is not None
        and use.ended_at is not None
        and (
            RoomCleaning.objects.filter(
                room=room, voided=False, kind=CleaningKind.CHANGEOVER, at__gte=use.ended_at
            ).exists()
        )
    )
    # The product readiness is judged for: the one last cleared for since the last use, else the one last in it.
    ready_for = use.product if use is not None else None
    if last_clearance is not None and (use is None or (use.ended_at is not None and last_clearance.at >= use.ended_at)):
        ready_for = last_clearance.product
    doc: dict[str, Any] = {
        "id": room.pk,
        "record": room.record_key,
        "site": room.site.code,
        "code": room.code,
        "name": room.name,
        "grade": room.grade,
        "biosafety_level": room.biosafety_level,
        "status": room.status,
        "in_use": use is not None and use.ended_at is None,
        "current": use_document(use) if use is not None else None,
        # A room last used for a product needs a changeover cleaning before another product (or GMO class).
        "changeover_needed": use is not None and not changeover_done,
        "last_cleaning": cleaning_document(cleaning) if cleaning is not None else None,
        "last_clearance": clearance_document(last_clearance) if last_clearance is not None else None,
        "ready_for": ready_for.code if ready_for is not None else None,
        # Why it may not be used now for that product, null when it may (another product may also
        # need the changeover above).
        "refused": _refused(room, ready_for, on),
    }
    if history:
        doc["uses"] = [
            use_document(u)
            for u in RoomUse.objects.filter(room=room, voided=False)
            .select_related("room", "product", "created_by")
            .order_by("-started_at", "-pk")[:HISTORY_ROWS]
        ]
        doc["cleanings"] = [
            cleaning_document(c)
            for c in RoomCleaning.objects.filter(room=room, voided=False)
            .select_related("room", "created_by")
            .order_by("-at", "-pk")[:HISTORY_ROWS]
        ]
        doc["clearances"] = [
            clearance_document(c) for c in clearance.select_related("room").order_by("-at", "-pk")[:HISTORY_ROWS]
        ]
    return doc


def rooms_overview(user: User | None, *, on: dt.datetime) -> list[dict[str, Any]]:
    """Return the manufacturing status of every live room the user may see."""
    return [room_document(r, on=on) for r in rooms_of(user)]
