"""The environment demo: Leiden's fill suite (grade A in a grade B room) and its grade C preparation
room, their sample points, the site's alert limits, and a year of monitoring results.

The year is 52 weeks of working days ending on the last Friday before the demo is loaded, on the
schedule of a typical EM plan (Annex 1 (2022) §9.4–9.30): the grade A particle counter three times
a session and the grade B one twice, settle plates in grade A for each half-day session, glove
prints at the end of the session, active air and the grade C plates once a session, every point at
rest on Monday mornings. Counts are drawn from a seeded generator (the same every time), with a
few alert-level excursions, three action-level ones (each opens its deviation), and a rising
particle count in the grade B room over two weeks before its filters were changed (six rising
points and nine above the centre line: Nelson rules 3 and 2). The results go in month by month,
as the EM system's exports would, through `atmp environment import`'s service: each file is kept
with its hash, each result has its ledger entry.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any
from zoneinfo import ZoneInfo

from atmp.accounts.models import Site, User
from atmp.ledger import clock

POINTS = {
    "FS-A": [
        ("A-PC1", "particles_0_5", "BSC 1 work zone"),
        ("A-SP1", "settle_plate", "BSC 1 left"),
        ("A-GL1", "glove_print", "Operator gloves"),
    ],
    "FS-B": [("B-PC1", "particles_0_5", "Centre of the room"), ("B-AA1", "active_air", "Beside BSC 1")],
    "PR-C": [("C-CP1", "contact_plate", "Bench surface"), ("C-SP1", "settle_plate", "By the pass box")],
}
ROOMS = [
    ("FS-A", "Fill suite BSC (grade A)", "A", 2),
    ("FS-B", "Fill suite background", "B", 2),
    ("PR-C", "Preparation room", "C", 2),
]
SEED = 13  # a seed whose noise alone makes no six-point run at the trend's point (tests/test_demo_year.py)
WEEKS = 52
# A working day in operation: (point, local time) of each sample; settle plates by their start.
SESSION = [
    ("C-SP1", "08:30"), ("A-SP1", "08:45"), ("A-PC1", "09:00"), ("B-PC1", "09:15"), ("B-AA1", "10:00"),
    ("A-PC1", "11:30"), ("A-SP1", "13:00"), ("A-PC1", "14:00"), ("B-PC1", "14:15"), ("A-GL1", "16:30"),
    ("C-CP1", "16:45"),
]  # fmt: skip
AT_REST = "07:00"  # Mondays, before the first session, every point
# Excursions: (week, weekday, point, session sample of that point that day) -> count.
EXCURSIONS: dict[tuple[int, int, str, int], int] = {
    (51, 2, "A-SP1", 0): 1,  # grade A, any growth: action
    (30, 1, "A-GL1", 0): 1,  # grade A glove print: action
    (36, 3, "B-AA1", 0): 12,  # above grade B's 10 CFU/m³: action
    (10, 2, "B-AA1", 0): 6,  # above the site's alert limit of 5
    (22, 4, "B-AA1", 0): 7,
    (44, 0, "B-AA1", 0): 6,
    (18, 4, "A-PC1", 1): 2400,  # above the site's grade A alert limit of 2 000 /m³
    (40, 0, "A-PC1", 2): 2900,
    (14, 3, "C-CP1", 0): 17,  # above the site's alert limit of 15
    (47, 1, "C-CP1", 0): 19,
}
TREND_WEEKS = (46, 47)  # B-PC1 rises through these two weeks; the filters are changed after
TREND_POINT = "B-PC1"


def load(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Load the rooms, points, alert limits and a year of results at Leiden."""
    from atmp.environment.services.imports import import_results
    from atmp.environment.services.limits import set_alert_limit
    from atmp.environment.services.rooms import add_point, add_room

    rita, olga, site = people["rita"], people["olga"], sites["LEI"]
    for code, name, grade, bsl in ROOMS:
        room = add_room(actor=rita, site=site, code=code, name=name, grade=grade, biosafety_level=bsl, reason="EM plan")
        for point_code, kind, where in POINTS[code]:
            add_point(actor=rita, room=room, code=point_code, type=kind, location=where)
    set_alert_limit(actor=rita, site=site, grade="A", type="particles_0_5", value=2000, reason="EM plan")
    set_alert_limit(
        actor=rita, site=site, grade="B", type="particles_0_5", state="in_operation", value=150000, reason="EM plan"
    )
    set_alert_limit(actor=rita, site=site, grade="B", type="active_air", value=5, reason="EM plan: from 2025 trend")
    set_alert_limit(actor=rita, site=site, grade="C", type="contact_plate", value=15, reason="EM plan")
    header = "room,point,taken_at,state,value,unit,operator,batch\n"
    for month, lines in year(site.timezone or "UTC").items():
        import_results(
            actor=olga,
            site=site,
            stream=io.BytesIO((header + "".join(lines)).encode()),
            name=f"em-LEI-{month}.csv",
            reason=f"EM results of {month}: monthly export of the EM system",
        )


def last_friday(today: dt.date) -> dt.date:
    """Return the last Friday before the day (a week before when the day is a Friday)."""
    return today - dt.timedelta(days=(today.weekday() - 4) % 7 or 7)


def year(zone: str) -> dict[str, list[str]]:
    """Return the year's CSV lines (without the header) by month (YYYY-MM): the same counts on any day it runs."""
    tz = ZoneInfo(zone)
    rng = random.Random(SEED)  # noqa: S311 - demo counts, seeded to be the same every time: no secret
    room_of = {code: room for room, points in POINTS.items() for code, _kind, _where in points}
    end = last_friday(clock.now().astimezone(tz).date())
    monday = end - dt.timedelta(days=4 + 7 * (WEEKS - 1))
    months: dict[str, list[str]] = {}
    trend = 0
    for week in range(WEEKS):
        for weekday in range(5):
            day = monday + dt.timedelta(days=7 * week + weekday)
            lines = months.setdefault(f"{day:%Y-%m}", [])
            if weekday == 0:
                for code in room_of:
                    lines.append(line(day, AT_REST, tz, room_of[code], code, "at_rest", at_rest(rng, code), "quentin"))
            batch = f"AAV-{day:%y}-{day.isocalendar().week:03d}"
            seen: dict[str, int] = {}
            for code, at in SESSION:
                n = seen[code] = seen.get(code, -1) + 1
                value = in_operation(rng, code)
                if code == TREND_POINT and week in TREND_WEEKS:
                    trend += 1
                    value = 70_000 + 6_000 * trend + rng.randrange(0, 4_000)  # filters loading: rising
                value = EXCURSIONS.get((week, weekday, code, n), value)
                room = room_of[code]
                lines.append(
                    line(day, at, tz, room, code, "in_operation", value, "olga", batch if room != "PR-C" else "")
                )
    return months


def line(
    day: dt.date, at: str, tz: ZoneInfo, room: str, code: str, state: str, value: int, operator: str, batch: str = ""
) -> str:
    """Return one CSV line: a result at the point, taken that day at the local time."""
    hour, minute = (int(x) for x in at.split(":"))
    when = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).isoformat()
    return f"{room},{code},{when},{state},{value},,{operator},{batch}\n"


def in_operation(rng: random.Random, code: str) -> int:
    """Return a usual count in operation at the point."""
    kind = code[2:4]
    if code.startswith("A-") and kind != "PC":
        return 0  # grade A viable: no growth
    if code == "A-PC1":
        return max(0, int(rng.gauss(600, 180)))
    if code == "B-PC1":
        return max(0, int(rng.gauss(60_000, 9_000)))
    if code == "B-AA1":
        return rng.choices((0, 1, 2, 3), weights=(50, 30, 15, 5))[0]
    if code == "C-CP1":
        return rng.randint(1, 9)
    return rng.randint(2, 12)  # C-SP1


def at_rest(rng: random.Random, code: str) -> int:
    """Return a usual count at rest at the point."""
    if code == "A-PC1":
        return rng.randint(80, 400)
    if code == "B-PC1":
        return rng.randint(400, 1_600)
    if code.startswith("A-"):
        return 0
    return rng.choice((0, 0, 1, 2))


def summary() -> dict[str, Any]:
    """Return what the environment demo holds: results by level, and the deviations they opened."""
    from django.db.models import Count

    from atmp.environment.models import Result

    levels = dict(Result.objects.values_list("level").annotate(n=Count("pk")).order_by())
    return {
        "results": sum(levels.values()),
        "levels": {k: levels.get(k, 0) for k in ("within", "alert", "action")},
        "trend_point": f"FS-B/{TREND_POINT}",
    }


def describe(data: dict[str, Any]) -> list[str]:
    """Return the environment demo's lines of the printed summary: what to try."""
    levels = data["levels"]
    return [
        f"environment: {data['results']} EM results over a year at Leiden ({levels['alert']} alert, "
        f"{levels['action']} action, each action with its deviation), a rising trend at {data['trend_point']}",
        "  try: atmp environment results LEI FS-B --point B-PC1 --as rita",
        "       /environment/ (the rooms), /environment/rooms/LEI/FS-A/results/new/ (the tablet form)",
    ]
