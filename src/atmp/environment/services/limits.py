"""The site's alert limits, always below Annex 1's action limits, and the limits in force at a point.

Annex 1 (2022) §9.26–9.27: alert levels are set from trend data and below the action limits; the
action limits are Annex 1's own (atmp.environment.limits).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.environment import limits
from atmp.environment.models import AlertLimit, SamplePoint
from atmp.environment.services.rooms import checked_grade
from atmp.ledger import writer
from atmp.quality.services import edits

MAX_VALUE = Decimal("99999999999.999")


def count(value: Any, field: str = "value") -> Decimal:
    """Return a count (particles or CFU) as a decimal ≥ 0 with at most 3 decimals, or refuse it."""
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(field, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise InvalidInput(field, f"{value!r} is not a number")
    if number < 0:
        raise InvalidInput(field, f"{number} is negative: a count is 0 or more")
    if number > MAX_VALUE or number != number.quantize(Decimal("0.001")):
        raise InvalidInput(field, f"{number}: at most 11 digits and 3 decimals")
    return number


def checked_state(value: Any, *, blank: bool = False) -> str:
    """Return at_rest or in_operation (or blank for both, where allowed), or refuse naming the field."""
    return edits.choice(value, "state", limits.STATES, blank=blank)


@dataclass(frozen=True)
class Limits:
    """The limits in force for a point and state, and where they came from."""

    action: Decimal | None
    alert: Decimal | None
    source: str


def _check_below(value: Decimal, grade: str, sample_type: str, state_: str) -> None:
    states = [state_] if state_ else list(limits.STATES)
    for each in states:
        action = limits.action_limit(grade, sample_type, each)
        if action is not None and value >= action:
            raise InvalidInput(
                "value",
                f"an alert limit is below the action limit: {value} is not below {action} "
                f"({limits.source_of(sample_type)}, grade {grade} {each.replace('_', ' ')})",
            )


def set_alert_limit(
    *,
    actor: User,
    site: Site,
    type: str,
    value: Any,
    grade: str = "",
    state: str = "",
    point: SamplePoint | None = None,
    reason: str = "",
) -> AlertLimit:
    """Set the site's alert limit for a grade and sample type, or for one point (a new one, or an edit)."""
    edits.check_writer(actor, AlertLimit, site=site)
    state_ = checked_state(state, blank=True)
    number = count(value)
    if point is not None:
        if point.room.site_id != site.pk:
            raise InvalidInput("point", f"sample point {point.code} is not at site {site.code}")
        if grade and checked_grade(grade) != point.room.grade:
            raise InvalidInput("grade", f"point {point.code} is in a grade {point.room.grade} room")
        the_grade, the_type = point.room.grade, point.type
        if type and type != point.type:
            raise InvalidInput("type", f"point {point.code} samples {point.type}, not {type}")
    else:
        the_grade = checked_grade(grade)
        the_type = edits.choice(type, "type", limits.SAMPLE_TYPES)
    _check_below(number, the_grade, the_type, state_)
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()
        rows = AlertLimit.objects.filter(site=site, voided=False, state=state_)
        rows = (
            rows.filter(point=point) if point is not None else rows.filter(point=None, grade=the_grade, type=the_type)
        )
        existing = rows.first()
        if existing is not None:
            if not reason:
                raise InvalidInput("reason", "changing an alert limit needs a reason")
            existing.value = number
            ch.save(existing)
            return existing
        made = AlertLimit(site=site, grade=the_grade, type=the_type, state=state_, point=point, value=number)
        ch.save(made)
    return made


def in_force(point: SamplePoint, state_: str) -> Limits:
    """Return the limits in force at a point in a state: Annex 1's action limit, the site's alert limit.

    The alert limit is the most specific one: the point's for the state, the point's for both
    states, the site's for the grade, type and state, then for the grade and type in both states.
    """
    room = point.room
    action = limits.action_limit(room.grade, point.type, state_)
    rows = list(AlertLimit.objects.filter(site_id=room.site_id, voided=False, state__in=[state_, ""], type=point.type))
    ranked = sorted(
        (r for r in rows if r.point_id == point.pk or (r.point_id is None and r.grade == room.grade)),
        key=lambda r: (r.point_id is None, r.state == ""),
    )
    alert = ranked[0] if ranked else None
    source = f"action: {limits.source_of(point.type)} grade {room.grade}" if action is not None else "action: none set"
    source += f"; alert: {alert.record_key}" if alert is not None else "; alert: none set"
    return Limits(action, alert.value if alert is not None else None, source)


def alert_limits(site: Site | None = None, *, user: User | None = None) -> list[AlertLimit]:
    """Return the live alert limits (of a site, or of every site), those of the user's sites when given."""
    from atmp.accounts.visibility import visible_records

    rows = AlertLimit.objects.filter(voided=False).select_related("site", "point")
    rows = rows.filter(site=site) if site is not None else rows
    return list(rows if user is None else visible_records(user, rows))
