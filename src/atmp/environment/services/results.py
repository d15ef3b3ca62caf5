"""Monitoring results: entered one by one or imported from a CSV file, each judged against the
limits in force (services.limits); an action-level result opens a deviation linked to it, in the
same audited change as the result (as trace's blocked hand-over does, services/custody.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.environment import limits
from atmp.environment.models import Result, SamplePoint
from atmp.environment.services.alerts import raise_alerts
from atmp.environment.services.limits import Limits, checked_state, count, in_force
from atmp.ledger import writer
from atmp.ledger.new_records import new_record
from atmp.quality.models.deviations import Deviation
from atmp.quality.services import edits
from atmp.quality.services.deviations import open_deviation


def unit(point: SamplePoint, value: Any) -> str:
    """Return the unit, which must be the one the point's sample type is counted in (never converted)."""
    expected = limits.UNITS[point.type]
    given = edits.text(value, "unit", limit=20) or expected
    if given.replace("³", "3").replace(" ", "") != expected:
        raise InvalidInput(
            "unit", f"{given!r}: a {point.get_type_display().lower()} result is in {expected} (no conversion is made)"
        )
    return expected


_POINT, _OPERATOR = Result._meta.get_field("point"), Result._meta.get_field("operator")


def prepare(
    *,
    point: SamplePoint,
    taken_at: dt.datetime | None,
    state: str,
    value: Any,
    unit_: Any = "",
    operator: User,
    batch: str = "",
    found: Limits | None = None,
) -> Result:
    """Check a result's fields and judge it; return it unsaved (the import checks every line first).

    `found`: the limits in force at the point in the result's state, when the caller has them
    (the import looks them up once per point and state); otherwise they are looked up here.
    """
    if point.voided:
        raise InvalidInput("point", f"sample point {point.code} is voided")
    if point.room.status != "in_use":
        raise InvalidInput("point", f"room {point.room.code} is {point.room.state_label().lower()}: no results")
    if not operator.is_active:
        raise InvalidInput("operator", f"{operator.username} is not an active user")
    when = edits.past_moment(taken_at, "taken_at")
    state_ = checked_state(state)
    number = count(value)
    unit_text = unit(point, unit_)
    batch_text = edits.text(batch, "batch", limit=60)
    if found is None:
        found = in_force(point, state_)
    judged = limits.evaluate(number, action=found.action, alert=found.alert)
    # Built as Result(...) would be, without Model.__init__'s cost per line of a large import
    # (atmp.ledger.new_records), the status default as its text (what create_many's fast path takes).
    result = new_record(
        Result,
        {
            "point_id": point.pk,
            "site_id": point.room.site_id,
            "taken_at": when,
            "state": state_,
            "value": number,
            "unit": unit_text,
            "operator_id": operator.pk,
            "batch": batch_text,
            "level": judged.level,
            "action_limit": found.action,
            "alert_limit": found.alert,
            "limits_from": found.source[:300],
        },
    )
    # The records at hand, kept as the descriptors would keep them (result.point is not read again).
    _POINT.set_cached_value(result, point)
    _OPERATOR.set_cached_value(result, operator)
    return result


def save(ch: writer.Change, actor: User, result: Result) -> Deviation | None:
    """Save a judged result in the change; an action-level one opens its deviation there too."""
    ch.save(result)
    if result.level != limits.ACTION:
        return None
    point, room = result.point, result.point.room
    return open_deviation(
        actor=actor,
        site=room.site,
        title=f"EM action level: {point.get_type_display()} at {room.code}/{point.code}",
        description=(
            f"{point.get_type_display()} at sample point {point.code} in room {room.code} (grade {room.grade}), "
            f"{result.get_state_display().lower()}: {result.value} {result.unit} is above the action limit "
            f"{result.action_limit} ({result.limits_from}). Result {result.record_key}"
            + (f", batch {result.batch}." if result.batch else ".")
        ),
        occurred_at=result.taken_at,
        area=f"{room.code} {room.name}"[:200],
        immediate_actions="Opened by atmp when the result was recorded; QA assesses the impact on batches in the room.",
        source=result,
        reason=ch.reason,
    )


def record_result(
    *,
    actor: User,
    point: SamplePoint,
    taken_at: dt.datetime | None,
    state: str,
    value: Any,
    unit: Any = "",
    operator: User | None = None,
    batch: str = "",
    reason: str = "",
) -> tuple[Result, Deviation | None]:
    """Record a result at a point, judged within, alert or action; action opens a linked deviation."""
    edits.check_writer(actor, Result, site=point.room.site)
    result = prepare(
        point=point, taken_at=taken_at, state=state, value=value, unit_=unit, operator=operator or actor, batch=batch
    )
    with writer.change(actor=actor, reason=reason) as ch:
        deviation = save(ch, actor, result)
        # A trend it completes is raised for QA in the same change (services.alerts).
        raise_alerts(ch, actor, [result])
    return result, deviation


def deviations_of(result: Result) -> list[Deviation]:
    """Return the deviations a result opened."""
    from atmp.quality.selectors.deviations import linked_deviations

    return linked_deviations(result)
