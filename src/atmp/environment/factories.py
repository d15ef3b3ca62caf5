"""Factories of environmental monitoring records for tests and benchmarks (each through its service)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from atmp.accounts.models import Site, User
from atmp.ledger import clock
from atmp.testing import make_site, make_user

_n = itertools.count(1)


def _qa(actor: User | None) -> User:
    return actor if actor is not None and actor.can("quality.decide") else make_user("qa_reviewer")


def make_room(*, actor: User | None = None, site: Site | None = None, **fields: Any) -> Any:
    """Add a grade B room (BSL-2) at a site."""
    from atmp.environment.services.rooms import add_room

    qa = _qa(actor)
    n = next(_n)
    return add_room(
        actor=qa,
        site=site or make_site(actor=qa),
        code=fields.pop("code", f"R{n:04d}"),
        name=fields.pop("name", f"Cleanroom {n}"),
        grade=fields.pop("grade", "B"),
        biosafety_level=fields.pop("biosafety_level", 2),
        **fields,
    )


def make_point(*, actor: User | None = None, room: Any = None, **fields: Any) -> Any:
    """Add a sample point (settle plate unless told) to a room (a new grade B room unless given)."""
    from atmp.environment.services.rooms import add_point

    qa = _qa(actor)
    room = room or make_room(actor=qa, grade=fields.pop("grade", "B"))
    return add_point(
        actor=qa,
        room=room,
        code=fields.pop("code", f"P{next(_n):04d}"),
        type=fields.pop("type", "settle_plate"),
        location=fields.pop("location", "Beside the BSC"),
        **fields,
    )


def make_alert_limit(*, actor: User | None = None, **fields: Any) -> Any:
    """Set a site's grade B settle-plate alert limit of 3 CFU/4 h."""
    from atmp.environment.services.limits import set_alert_limit

    qa = _qa(actor)
    return set_alert_limit(
        actor=qa,
        site=fields.pop("site", None) or make_site(actor=qa),
        grade=fields.pop("grade", "B"),
        type=fields.pop("type", "settle_plate"),
        value=fields.pop("value", 3),
        **fields,
    )


def make_result(*, actor: User | None = None, point: Any = None, **fields: Any) -> Any:
    """Record a result (within limits unless told) at a point, taken an hour ago in operation."""
    from atmp.environment.services.results import record_result

    point = point or make_point(actor=actor)
    operator = actor if actor is not None and actor.can("records.write") else make_user("operator")
    result, _ = record_result(
        actor=operator,
        point=point,
        taken_at=fields.pop("taken_at", clock.now() - dt.timedelta(hours=1)),
        state=fields.pop("state", "in_operation"),
        value=fields.pop("value", 0),
        **fields,
    )
    return result


def make_trend_alert(*, actor: User | None = None, point: Any = None) -> Any:
    """Raise a QA trend alert: two alert-level settle plates in a row (grade B, alert limit 3) at a point."""
    from atmp.environment.models import TrendAlert

    point = point or make_point(actor=actor, type="settle_plate")
    from atmp.environment.services.limits import in_force

    if in_force(point, "in_operation").alert is None:
        make_alert_limit(site=point.room.site, grade=point.room.grade, type=point.type, value=3)
    start = clock.now() - dt.timedelta(days=2)
    make_result(actor=actor, point=point, value=4, taken_at=start)
    make_result(actor=actor, point=point, value=4, taken_at=start + dt.timedelta(hours=4))
    return TrendAlert.objects.filter(point=point).latest("pk")


def make_trend_policy(*, actor: User | None = None, site: Site | None = None, **values: Any) -> Any:
    """Set a site's trend policy (a new site unless given): atmp's defaults, or the values given."""
    from atmp.environment.services.alerts import set_policy

    qa = _qa(actor)
    return set_policy(actor=qa, site=site or make_site(actor=qa), reason="EM plan", **values)


def make_trend_alert_with_assessment(*, actor: User | None = None) -> Any:
    """Raise a trend alert and write QA's assessment into it, unsaved: the signed 'assess' step saves it."""
    alert = make_trend_alert(actor=actor)
    alert.assessment = "Within the trend of the season; the HVAC filter was changed."
    return alert
