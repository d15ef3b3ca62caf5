"""The environment demo: Leiden's fill suite (grade A in a grade B room) and its grade C preparation
room, their sample points, a site alert limit, and a fortnight of results with one alert and one
action-level excursion (which opens its deviation). The year of data and the trends come later."""

from __future__ import annotations

import datetime as dt

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


def load(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Load the rooms, points, an alert limit and two weeks of results at Leiden."""
    from atmp.environment.services.limits import set_alert_limit
    from atmp.environment.services.results import record_result
    from atmp.environment.services.rooms import add_point, add_room

    rita, olga, site = people["rita"], people["olga"], sites["LEI"]
    points = {}
    for code, name, grade, bsl in ROOMS:
        room = add_room(actor=rita, site=site, code=code, name=name, grade=grade, biosafety_level=bsl, reason="EM plan")
        for point_code, kind, where in POINTS[code]:
            points[point_code] = add_point(actor=rita, room=room, code=point_code, type=kind, location=where)
    set_alert_limit(actor=rita, site=site, grade="B", type="active_air", value=5, reason="EM plan: from 2025 trend")
    set_alert_limit(actor=rita, site=site, grade="C", type="contact_plate", value=15, reason="EM plan")
    start = clock.now() - dt.timedelta(days=14)
    for day in range(14):
        at = start + dt.timedelta(days=day, hours=9)
        values = {
            "A-PC1": 800 + 37 * day,
            "A-SP1": 0,
            "A-GL1": 0,
            "B-PC1": 90000 + 1000 * day,
            "B-AA1": 2 if day != 9 else 7,
            "C-CP1": 4 + day % 3,
            "C-SP1": 6,
        }
        if day == 11:
            values["A-SP1"] = 1  # grade A: any growth is action; it opens a deviation
        for code, value in values.items():
            record_result(
                actor=olga,
                point=points[code],
                taken_at=at,
                state="in_operation",
                value=value,
                batch=f"AAV-26-{day:03d}" if code.startswith("A-") else "",
            )
