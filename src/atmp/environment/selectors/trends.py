"""Reads for trending: a site's trend policy, a point's series and control chart, monthly summaries
and a room's heat map of excursions (the documents the API answers with and the CLI prints)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from atmp.accounts.models import Site, User
from atmp.accounts.visibility import visible_records
from atmp.environment import limits as annex1
from atmp.environment import trending
from atmp.environment.models import Result, Room, SamplePoint, TrendAlert, TrendPolicy
from atmp.environment.services.limits import in_force


def policy_of(site: Site | int) -> trending.Policy:
    """Return the site's trend policy, or atmp's defaults when it has set none."""
    site_id = site if isinstance(site, int) else site.pk
    row = TrendPolicy.objects.filter(site_id=site_id, voided=False).first()
    return trending.DEFAULT if row is None else policy_from(row)


def policy_from(row: TrendPolicy) -> trending.Policy:
    """Return the stored policy as the pure module's dataclass."""
    return trending.Policy(
        rules=tuple(int(r) for r in row.rules.split(",") if r),
        consecutive_alerts=row.consecutive_alerts,
        window_alerts=row.window_alerts,
        window_days=row.window_days,
        baseline_results=row.baseline_results,
    )


def policy_document(site: Site) -> dict[str, Any]:
    """Return a site's trend policy (its own or the defaults) as the API answers it."""
    row = TrendPolicy.objects.filter(site=site, voided=False).first()
    policy = trending.DEFAULT if row is None else policy_from(row)
    return {
        "site": site.code,
        "record": row.record_key if row is not None else None,
        "version": row.version if row is not None else None,
        "default": row is None,
        "rules": list(policy.rules),
        "consecutive_alerts": policy.consecutive_alerts,
        "window_alerts": policy.window_alerts,
        "window_days": policy.window_days,
        "baseline_results": policy.baseline_results,
    }


def _number(value: Any) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _float(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


@dataclass(frozen=True)
class PointTrend:
    """A point's newest results in one state, their chart, the limits in force, and the violations."""

    point: SamplePoint
    state: str
    results: list[Result]
    chart: trending.Chart
    alert_limit: str | None
    action_limit: str | None
    policy: trending.Policy

    def document(self) -> dict[str, Any]:
        """Return the trend as `atmp environment trend --json` prints it."""
        c = self.chart
        by_index: dict[int, list[int]] = {}
        for v in c.violations:
            by_index.setdefault(v.index, []).append(v.rule)
        return {
            "site": self.point.room.site.code,
            "room": self.point.room.code,
            "point": self.point.code,
            "type": self.point.type,
            "unit": annex1.UNITS[self.point.type],
            "state": self.state,
            "n": len(self.results),
            "baseline_results": self.policy.baseline_results,
            "rules": list(self.policy.rules),
            "centre": _float(c.centre),
            "sigma": _float(c.sigma),
            "limits": {
                "lcl": _float(None if c.centre is None or c.sigma is None else c.centre - 3 * c.sigma),
                "ucl": _float(None if c.centre is None or c.sigma is None else c.centre + 3 * c.sigma),
                "alert": self.alert_limit,
                "action": self.action_limit,
            },
            "note": c.note,
            "values": [
                {
                    "index": i,
                    "record": r.record_key,
                    "taken_at": r.taken_at.isoformat(),
                    "value": _number(r.value),
                    "level": r.level,
                    "rules": by_index.get(i, []),
                }
                for i, r in enumerate(self.results)
            ],
            "violations": [
                {
                    "rule": v.rule,
                    "index": v.index,
                    "record": self.results[v.index].record_key,
                    "taken_at": self.results[v.index].taken_at.isoformat(),
                }
                for v in c.violations
            ],
        }


def point_trend(point: SamplePoint, state: str) -> PointTrend:
    """Return the chart of the point's newest results in the state (the site's baseline window)."""
    if state not in annex1.STATES:
        from atmp.accounts.errors import InvalidInput

        raise InvalidInput("state", f"{state!r}: at_rest or in_operation")
    policy = policy_of(point.room.site_id)
    newest = Result.objects.filter(point=point, state=state, voided=False).order_by("-taken_at", "-pk")
    rows = list(reversed(newest[: policy.baseline_results]))
    drawn = trending.chart([float(r.value) for r in rows], policy.rules)
    found = in_force(point, state)
    return PointTrend(point, state, rows, drawn, _number(found.alert), _number(found.action), policy)


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """Return the first day of the month 'YYYY-MM' and of the next, or refuse naming the month."""
    from atmp.accounts.errors import InvalidInput

    try:
        first = dt.datetime.strptime(month.strip(), "%Y-%m").date()
    except ValueError:
        raise InvalidInput("month", f"{month!r}: give the month as YYYY-MM, e.g. 2026-11") from None
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following


def _utc(day: dt.date, site: Site) -> dt.datetime:
    import zoneinfo

    return dt.datetime.combine(day, dt.time(), tzinfo=zoneinfo.ZoneInfo(site.timezone or "UTC"))


def monthly_summary(site: Site, month: str, *, room: Room | None = None) -> dict[str, Any]:
    """Return a month's counts (results, within, alert, action) per room and point type, and per point.

    The month is the site's local calendar month. One grouped query.
    """
    first, following = month_bounds(month)
    rows = Result.objects.filter(
        site=site, voided=False, taken_at__gte=_utc(first, site), taken_at__lt=_utc(following, site)
    )
    if room is not None:
        rows = rows.filter(point__room=room)
    counted: Counter[tuple[str, str, str, str]] = Counter()
    for room_code, type_, point_code, level in rows.values_list(
        "point__room__code", "point__type", "point__code", "level"
    ):
        counted[(room_code, type_, point_code, level)] += 1
    by_type: dict[tuple[str, str], Counter[str]] = {}
    by_point: dict[tuple[str, str, str], Counter[str]] = {}
    for (room_code, type_, point_code, level), n in counted.items():
        by_type.setdefault((room_code, type_), Counter())[level] += n
        by_point.setdefault((room_code, point_code, type_), Counter())[level] += n

    def counts(c: Counter[str]) -> dict[str, int]:
        return {
            "results": sum(c.values()),
            "within": c[annex1.WITHIN],
            "alert": c[annex1.ALERT],
            "action": c[annex1.ACTION],
        }

    alerts = TrendAlert.objects.filter(
        site=site, voided=False, result__taken_at__gte=_utc(first, site), result__taken_at__lt=_utc(following, site)
    )
    if room is not None:
        alerts = alerts.filter(point__room=room)
    total: Counter[str] = Counter()
    for c in by_type.values():
        total.update(c)
    return {
        "site": site.code,
        "room": room.code if room is not None else None,
        "month": first.strftime("%Y-%m"),
        "totals": counts(total),
        "trend_alerts": alerts.count(),
        "by_type": [{"room": r, "type": t, **counts(c)} for (r, t), c in sorted(by_type.items())],
        "by_point": [{"room": r, "point": p, "type": t, **counts(c)} for (r, p, t), c in sorted(by_point.items())],
    }


def months_ending(month: str, count: int) -> list[str]:
    """Return `count` months 'YYYY-MM' ending with the given one, oldest first."""
    first, _ = month_bounds(month)
    found = []
    for _ in range(count):
        found.append(first.strftime("%Y-%m"))
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return list(reversed(found))


def heat_map(room: Room, *, month: str, months: int = 12) -> dict[str, Any]:
    """Return a room's excursions per sample point and month (alert and action counts), for the heat map."""
    names = months_ending(month, months)
    site = room.site
    start, _ = month_bounds(names[0])
    _, end = month_bounds(names[-1])
    rows = Result.objects.filter(
        point__room=room, voided=False, taken_at__gte=_utc(start, site), taken_at__lt=_utc(end, site)
    ).values_list("point__code", "taken_at", "level")
    import zoneinfo

    zone = zoneinfo.ZoneInfo(site.timezone or "UTC")
    cells: dict[tuple[str, str], Counter[str]] = {}
    for code, taken, level in rows:
        cells.setdefault((code, taken.astimezone(zone).strftime("%Y-%m")), Counter())[level] += 1
    points = [p.code for p in SamplePoint.objects.filter(room=room, voided=False).order_by("code")]
    return {
        "site": site.code,
        "room": room.code,
        "months": names,
        "points": points,
        "cells": [
            {
                "point": p,
                "month": m,
                "results": sum(cells.get((p, m), Counter()).values()),
                "alert": cells.get((p, m), Counter())[annex1.ALERT],
                "action": cells.get((p, m), Counter())[annex1.ACTION],
            }
            for p in points
            for m in names
        ],
    }


def alerts_of(
    user: User | None, *, open_only: bool = False, site: Site | None = None, point: SamplePoint | None = None
) -> list[TrendAlert]:
    """Return the trend alerts the user may see (every site's for None), newest first."""
    rows = TrendAlert.objects.filter(voided=False).select_related("site", "point__room", "result", "deviation", "capa")
    if open_only:
        rows = rows.filter(status="open")
    if site is not None:
        rows = rows.filter(site=site)
    if point is not None:
        rows = rows.filter(point=point)
    return list((rows if user is None else visible_records(user, rows)).order_by("-pk")[:1000])


def find_alert(pk: Any, *, user: User | None = None) -> TrendAlert:
    """Return the trend alert of the id (one the user may see), or refuse naming it."""
    from atmp.accounts.errors import InvalidInput
    from atmp.accounts.services import can_see

    try:
        key = int(str(pk).strip().rsplit(":", 1)[-1])
    except ValueError:
        raise InvalidInput("alert", f"{pk!r} is not an alert's id") from None
    found = TrendAlert.objects.select_related("site", "point__room__site", "result").filter(pk=key).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput("alert", f"there is no trend alert {pk}")
    return found


def alert_document(alert: TrendAlert) -> dict[str, Any]:
    """Return a trend alert as the API answers it."""
    return {
        "id": alert.pk,
        "record": alert.record_key,
        "version": alert.version,
        "site": alert.site.code,
        "room": alert.point.room.code,
        "point": alert.point.code,
        "state": alert.state,
        "rule": alert.rule,
        "rule_label": alert.rule_label(),
        "result": alert.result.record_key,
        "taken_at": alert.result.taken_at.isoformat(),
        "detail": alert.detail,
        "status": alert.status,
        "raised_at": alert.created_at.isoformat() if alert.created_at else None,
        "assessment": alert.assessment,
        "deviation": alert.deviation.number if alert.deviation_id and alert.deviation else None,
        "capa": alert.capa.number if alert.capa_id and alert.capa else None,
    }
