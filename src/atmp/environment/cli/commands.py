"""The environment commands: rooms, points, limits, results and the CSV import."""

from __future__ import annotations

from typing import Any

import click

from atmp.cli.base import handled, json_option, setup_django
from atmp.cli.output import emit
from atmp.environment import limits as annex1
from atmp.environment.cli import environment
from atmp.trace.cli.common import READER, REASON, actor, reader, write

TYPES = ", ".join(annex1.SAMPLE_TYPES)


@environment.group("room")
def room() -> None:
    """Rooms: their grade (A–D) and biosafety level.

    \b
    Examples:
      atmp environment room add LEI CR-01 --name "Cleanroom 1" --grade B --bsl 2 --as quinn
      atmp environment room change LEI CR-01 --grade C --as quinn --reason "downgraded"
      atmp environment room list --json
      atmp environment room show LEI CR-01 --json
    """


@room.command("add")
@click.argument("site")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--grade", required=True, help="A, B, C or D (EU GMP Annex 1).")
@click.option("--bsl", "biosafety_level", default="1", show_default=True, help="Biosafety level 1–4.")
@REASON
@write
@handled
def room_add(site: str, code: str, name: str, grade: str, biosafety_level: str, reason: str, **auth: Any) -> None:
    """Add a room to a site (QA: quality.decide)."""
    setup_django()
    from atmp.accounts.services import find_site
    from atmp.environment.selectors.documents import room_document
    from atmp.environment.services.rooms import add_room

    made = add_room(
        actor=actor(auth),
        site=find_site(site),
        code=code,
        name=name,
        grade=grade,
        biosafety_level=biosafety_level,
        reason=reason,
    )
    emit(room_document(made), as_json=auth["as_json"], text=_room_text)


def _room_text(d: dict[str, Any]) -> str:
    return f"{d['site']}/{d['code']} {d['name']}: grade {d['grade']}, BSL-{d['biosafety_level']}, {d['status']}"


@room.command("change")
@click.argument("site")
@click.argument("code")
@click.option("--name", default=None)
@click.option("--grade", default=None, help="A, B, C or D.")
@click.option("--bsl", "biosafety_level", default=None, help="Biosafety level 1–4.")
@click.option("--reason", required=True, help="Why (recorded in the ledger).")
@write
@handled
def room_change(
    site: str, code: str, name: str | None, grade: str | None, biosafety_level: str | None, reason: str, **auth: Any
) -> None:
    """Change a room's name, grade or biosafety level (QA); its state changes by `atmp workflow do`."""
    setup_django()
    from atmp.environment.selectors.documents import room_document
    from atmp.environment.services.rooms import change_room, find_room

    user = actor(auth)
    changed = change_room(
        actor=user,
        room=find_room(site, code, user=user),
        reason=reason,
        name=name,
        grade=grade,
        biosafety_level=biosafety_level,
    )
    emit(room_document(changed), as_json=auth["as_json"], text=_room_text)


@room.command("list")
@READER
@json_option
@handled
def room_list(username: str | None, as_json: bool) -> None:
    """List the rooms (those of the user's sites with --as)."""
    setup_django()
    from atmp.environment.selectors.documents import room_document, rooms_of

    rows = [room_document(r) for r in rooms_of(reader(username))]
    emit(rows, as_json=as_json, text=lambda rs: "\n".join(_room_text(r) for r in rs) or "no rooms")


@room.command("show")
@click.argument("site")
@click.argument("code")
@READER
@json_option
@handled
def room_show(site: str, code: str, username: str | None, as_json: bool) -> None:
    """Show a room, its sample points and its newest results with their level."""
    setup_django()
    from atmp.environment.selectors import documents as docs
    from atmp.environment.services.rooms import find_room

    found = find_room(site, code, user=reader(username))
    recent = docs.recent_results(room=found)
    numbers = docs.deviation_numbers(recent)
    document = docs.room_document(found) | {
        "points": [docs.point_document(p) for p in docs.points_of(found)],
        "results": [docs.result_document(r, numbers.get(r.pk, [])) for r in recent],
    }
    emit(document, as_json=as_json, text=_room_show_text)


def _room_show_text(d: dict[str, Any]) -> str:
    lines = [_room_text(d)]
    lines += [f"  point {p['code']}: {p['type']} {p['location']}".rstrip() for p in d["points"]]
    lines += [f"  {r['taken_at']} {r['point']} {r['value']} {r['unit']}: {r['level']}" for r in d["results"]]
    return "\n".join(lines)


@environment.group("point")
def point() -> None:
    """Sample points of a room.

    \b
    Example:
      atmp environment point add LEI CR-01 SP-01 --type settle_plate --location "BSC 1" --as quinn
    """


@point.command("add")
@click.argument("site")
@click.argument("room_code", metavar="ROOM")
@click.argument("code")
@click.option("--type", "type_", required=True, help=f"One of: {TYPES}.")
@click.option("--location", default="", help="Where it is in the room.")
@REASON
@write
@handled
def point_add(site: str, room_code: str, code: str, type_: str, location: str, reason: str, **auth: Any) -> None:
    """Add a sample point to a room (QA: quality.decide)."""
    setup_django()
    from atmp.environment.selectors.documents import point_document
    from atmp.environment.services.rooms import add_point, find_room

    user = actor(auth)
    made = add_point(
        actor=user, room=find_room(site, room_code, user=user), code=code, type=type_, location=location, reason=reason
    )
    emit(point_document(made), as_json=auth["as_json"], text=lambda d: f"{d['room']}/{d['code']} {d['type']}")


@environment.command("limits")
@json_option
def limits_command(as_json: bool) -> None:
    """Print Annex 1 (2022)'s action limits: Table 5 particles per m³, Table 6 viable CFU (0: no growth)."""
    from atmp.cli.output import json_text

    table = annex1.table()
    if as_json:
        click.echo(json_text(table))
        return
    click.echo("Total particles per m³ (Annex 1 §9.5 Table 5): at rest ≥0.5/≥5.0 µm, in operation ≥0.5/≥5.0 µm")
    for grade, row in table["particles"].items():
        cells = [row[s][size] for s in annex1.STATES for size in ("0.5", "5.0")]
        click.echo(f"  {grade}: " + "  ".join("set by the manufacturer" if c is None else str(c) for c in cells))
    click.echo("Viable, CFU (Annex 1 §9.29 Table 6): air /m³, settle /4 h, contact /plate, glove /glove; 0 = no growth")
    for grade, row in table["viable"].items():
        click.echo(f"  {grade}: " + "  ".join("–" if v is None else str(v) for v in row.values()))


@environment.group("alert-limit")
def alert_limit() -> None:
    """The site's alert limits, below Annex 1's action limits.

    \b
    Examples:
      atmp environment alert-limit set LEI --grade B --type settle_plate --value 3 --as quinn
      atmp environment alert-limit set LEI --point CR-01/SP-01 --state in_operation --value 2 --as quinn
    """


@alert_limit.command("set")
@click.argument("site")
@click.option("--grade", default="", help="A–D (not with --point).")
@click.option("--type", "type_", default="", help=f"One of: {TYPES}.")
@click.option("--point", "point_ref", default="", metavar="ROOM/POINT", help="One sample point's own limit.")
@click.option("--state", default="", help="at_rest or in_operation (default: both).")
@click.option("--value", required=True)
@REASON
@write
@handled
def alert_limit_set(
    site: str, grade: str, type_: str, point_ref: str, state: str, value: str, reason: str, **auth: Any
) -> None:
    """Set an alert limit (refused unless strictly below the Annex 1 action limit)."""
    setup_django()
    from atmp.accounts.services import find_site
    from atmp.environment.selectors.documents import alert_limit_document
    from atmp.environment.services.limits import set_alert_limit
    from atmp.environment.services.rooms import find_point, find_room

    user, place = actor(auth), find_site(site)
    the_point = None
    if point_ref:
        room_code, _, point_code = point_ref.partition("/")
        the_point = find_point(find_room(place, room_code, user=user), point_code)
    made = set_alert_limit(
        actor=user, site=place, grade=grade, type=type_, point=the_point, state=state, value=value, reason=reason
    )
    emit(alert_limit_document(made), as_json=auth["as_json"], text=lambda d: f"alert limit {d['value']} set")


@environment.command("alert-limits")
@click.option("--site", default=None, help="One site's (default: every site's).")
@json_option
@handled
def alert_limits_list(site: str | None, as_json: bool) -> None:
    """List the sites' alert limits."""
    setup_django()
    from atmp.accounts.services import find_site
    from atmp.environment.selectors.documents import alert_limit_document
    from atmp.environment.services.limits import alert_limits

    rows = [alert_limit_document(a) for a in alert_limits(find_site(site) if site else None)]
    emit(
        rows,
        as_json=as_json,
        text=lambda rs: (
            "\n".join(
                f"{r['site']} {r['point'] or 'grade ' + r['grade']} {r['type']} "
                f"{r['state'] or 'both states'}: {r['value']}"
                for r in rs
            )
            or "no alert limits"
        ),
    )
