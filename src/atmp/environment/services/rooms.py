"""Rooms and sample points: set up by QA and validation (quality.decide), each through the ledger."""

from __future__ import annotations

from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see
from atmp.environment import limits
from atmp.environment.models import Room, SamplePoint
from atmp.ledger import writer
from atmp.ledger.errors import Conflict
from atmp.quality.services import edits
from atmp.trace.services import checks


def checked_grade(value: Any) -> str:
    """Return an Annex 1 grade (A–D), or refuse it naming the field."""
    text = edits.text(value, "grade", required=True, limit=1).upper()
    if text not in limits.GRADES:
        raise InvalidInput("grade", f"{value!r} is not an Annex 1 grade: one of {', '.join(limits.GRADES)}")
    return text


def checked_biosafety_level(value: Any) -> int:
    """Return a biosafety level 1–4, or refuse it naming the field."""
    try:
        level = int(str(value).strip().upper().removeprefix("BSL-"))
    except ValueError:
        raise InvalidInput("biosafety_level", f"{value!r}: give 1, 2, 3 or 4") from None
    if level not in (1, 2, 3, 4):
        raise InvalidInput("biosafety_level", f"{value!r}: give 1, 2, 3 or 4")
    return level


def add_room(
    *, actor: User, site: Site, code: str, name: str, grade: str, biosafety_level: Any = 1, reason: str = ""
) -> Room:
    """Add a room to a site, with its grade and biosafety level; its code is unique at the site."""
    edits.check_writer(actor, Room, site=site)
    room = Room(
        site=site,
        code=checks.code(code, "code", limit=40),
        name=edits.text(name, "name", required=True, limit=200),
        grade=checked_grade(grade),
        biosafety_level=checked_biosafety_level(biosafety_level),
    )
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()  # two people adding the same code at once: the second is refused by name
        if Room.objects.filter(site=site, code=room.code).exists():
            raise Conflict(f"code: site {site.code} already has a room {room.code}")
        ch.save(room)
    return room


def change_room(*, actor: User, room: Room, reason: str, version: int | None = None, **values: Any) -> Room:
    """Change a room's name, grade or biosafety level (an audited edit with a reason)."""
    edits.check_may_edit(actor, room, version=version)
    checked = edits.check_fields(
        {k: v for k, v in values.items() if v is not None},
        {
            "name": lambda v: edits.text(v, "name", required=True, limit=200),
            "grade": checked_grade,
            "biosafety_level": checked_biosafety_level,
        },
    )
    return edits.apply(actor=actor, record=room, values=checked, reason=reason)


def find_room(site: Site | str, code: str, *, user: User | None = None, field: str = "room") -> Room:
    """Return the live room of the code at the site (one the user may see), or refuse naming the field."""
    rows = Room.objects.filter(code=str(code).strip(), voided=False).select_related("site")
    rows = rows.filter(site=site) if isinstance(site, Site) else rows.filter(site__code=str(site).strip())
    room = rows.first()
    if room is None or (user is not None and not can_see(user, room)):
        raise InvalidInput(field, f"there is no room {code!r} at site {getattr(site, 'code', site)}")
    return room


def add_point(*, actor: User, room: Room, code: str, type: str, location: str = "", reason: str = "") -> SamplePoint:
    """Add a sample point to a room: its code (unique in the room), what is sampled there, and where."""
    edits.check_writer(actor, SamplePoint, site=room.site)
    if room.voided or room.status == "retired":
        raise InvalidInput("room", f"room {room.code} is {room.state_label().lower()}: it takes no new points")
    point = SamplePoint(
        room=room,
        code=checks.code(code, "code", limit=40),
        type=edits.choice(type, "type", limits.SAMPLE_TYPES),
        location=edits.text(location, "location", limit=200),
    )
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()
        if SamplePoint.objects.filter(room=room, code=point.code).exists():
            raise Conflict(f"code: room {room.code} already has a sample point {point.code}")
        ch.save(point)
    return point


def change_point(
    *, actor: User, point: SamplePoint, reason: str, version: int | None = None, **values: Any
) -> SamplePoint:
    """Change where a sample point is (its location text); its type is what its results mean, so it stays."""
    edits.check_may_edit(actor, point, version=version)
    checked = edits.check_fields(
        {k: v for k, v in values.items() if v is not None},
        {"location": lambda v: edits.text(v, "location", limit=200)},
    )
    return edits.apply(actor=actor, record=point, values=checked, reason=reason)


def find_point(room: Room, code: str, *, field: str = "point") -> SamplePoint:
    """Return the live sample point of the code in the room, or refuse naming the field."""
    point = (
        SamplePoint.objects.filter(room=room, code=str(code).strip(), voided=False).select_related("room__site").first()
    )
    if point is None:
        raise InvalidInput(field, f"room {room.code} has no sample point {code!r}")
    return point
