"""The documents the API answers with and the CLI prints (one shape for both)."""

from __future__ import annotations

from typing import Any

from atmp.accounts.models import User
from atmp.accounts.visibility import visible_records
from atmp.environment.models import AlertLimit, Result, Room, SamplePoint


def _number(value: Any) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def room_document(room: Room) -> dict[str, Any]:
    """Return a room as the API answers it."""
    return {
        "id": room.pk,
        "record": room.record_key,
        "version": room.version,
        "site": room.site.code,
        "code": room.code,
        "name": room.name,
        "grade": room.grade,
        "biosafety_level": room.biosafety_level,
        "status": room.status,
    }


def point_document(point: SamplePoint) -> dict[str, Any]:
    """Return a sample point as the API answers it."""
    return {
        "id": point.pk,
        "record": point.record_key,
        "version": point.version,
        "site": point.room.site.code,
        "room": point.room.code,
        "code": point.code,
        "type": point.type,
        "location": point.location,
    }


def result_document(result: Result, deviations: list[str] | None = None) -> dict[str, Any]:
    """Return a result, its level and the limits it was judged against."""
    point = result.point
    return {
        "id": result.pk,
        "record": result.record_key,
        "site": point.room.site.code,
        "room": point.room.code,
        "point": point.code,
        "type": point.type,
        "taken_at": result.taken_at.isoformat(),
        "state": result.state,
        "value": _number(result.value),
        "unit": result.unit,
        "operator": result.operator.username,
        "batch": result.batch,
        "level": result.level,
        "action_limit": _number(result.action_limit),
        "alert_limit": _number(result.alert_limit),
        "limits_from": result.limits_from,
        "deviations": deviations if deviations is not None else [],
    }


def alert_limit_document(limit: AlertLimit) -> dict[str, Any]:
    """Return a site's alert limit."""
    return {
        "id": limit.pk,
        "record": limit.record_key,
        "version": limit.version,
        "site": limit.site.code,
        "grade": limit.grade,
        "type": limit.type,
        "state": limit.state,
        "point": limit.point.code if limit.point is not None else None,
        "value": _number(limit.value),
    }


def rooms_of(user: User | None) -> list[Room]:
    """Return the live rooms the user may see (every room for None, the database's owner)."""
    rows = Room.objects.filter(voided=False).select_related("site").order_by("site__code", "code")
    return list(rows if user is None else visible_records(user, rows))


def points_of(room: Room) -> list[SamplePoint]:
    """Return a room's live sample points."""
    return list(SamplePoint.objects.filter(room=room, voided=False).select_related("room__site").order_by("code"))


def recent_results(*, room: Room | None = None, point: SamplePoint | None = None, limit: int = 50) -> list[Result]:
    """Return the newest results of a room or a point, newest first."""
    rows = Result.objects.filter(voided=False).select_related("point__room__site", "operator")
    if room is not None:
        rows = rows.filter(point__room=room)
    if point is not None:
        rows = rows.filter(point=point)
    return list(rows.order_by("-taken_at", "-pk")[:limit])


def deviation_numbers(results: list[Result]) -> dict[int, list[str]]:
    """Return, per result id, the numbers of the deviations it opened (two queries for the list)."""
    from atmp.quality.models.deviations import Deviation
    from atmp.workflow.models import Link

    links = Link.objects.filter(
        voided=False,
        source_type=Deviation.record_type(),
        target_type=Result.record_type(),
        target_id__in=[str(r.pk) for r in results],
    ).values_list("target_id", "source_id")
    pairs = list(links)
    numbers = dict(Deviation.objects.filter(pk__in=[int(s) for _, s in pairs]).values_list("pk", "number"))
    found: dict[int, list[str]] = {}
    for target, source in pairs:
        found.setdefault(int(target), []).append(numbers[int(source)])
    return found
