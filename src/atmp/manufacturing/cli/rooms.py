"""`atmp manufacturing room …`: a room's status and readiness, its cleanings, line clearances and uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, otp_option, setup_django, user_and_password
from atmp.cli.base import your_password_file_option as PASSWORD_FILE
from atmp.cli.output import emit
from atmp.manufacturing.cli import manufacturing
from atmp.trace.cli.common import REASON, actor, reader, write

AT = click.option("--at", default=None, help="When, ISO 8601 with a zone (default: now).")
NOTE = click.option("--note", default="", help="What was done or found.")
SITE_ROOM = (click.argument("site"), click.argument("room"))


def _site_room(func: Any) -> Any:
    for arg in reversed(SITE_ROOM):
        func = arg(func)
    return func


def _find(site: str, room: str, user: Any) -> Any:
    from atmp.environment.services.rooms import find_room

    return find_room(site, room, user=user)


def _product(code: str) -> Any:
    from atmp.manufacturing.services.products import find_product

    return find_product(code)


def _status_text(d: dict[str, Any]) -> str:
    cur = d["current"]
    lines = [
        f"room {d['code']} {d['name']} at {d['site']}: grade {d['grade']}, BSL-{d['biosafety_level']}, {d['status']}"
    ]
    if cur:
        state = "in use since" if cur["ended_at"] is None else f"last used until {cur['ended_at']}, from"
        lines.append(
            f"product: {cur['product']} (GMO class {cur['gmo_class']}), batch {cur['batch']}, {state} "
            f"{cur['started_at']}"
        )
    else:
        lines.append("product: none (never used)")
    if d["changeover_needed"]:
        lines.append("changeover cleaning needed before another product or GMO class")
    c, lc = d["last_cleaning"], d["last_clearance"]
    lines.append(f"last cleaning: {c['kind']} at {c['at']} by {c['by']} ({c['sop']})" if c else "last cleaning: none")
    lines.append(
        f"last line clearance: {lc['product']} at {lc['at']} by {lc['by']}, {lc['status']}"
        if lc
        else "last line clearance: none"
    )
    ready = "yes" if d["refused"] is None else "no, " + d["refused"]
    lines.append(f"ready{' for ' + d['ready_for'] if d['ready_for'] else ''}: {ready}")
    return "\n".join(lines)


@manufacturing.group("room")
def room() -> None:
    """Rooms: cleanings, line clearances, uses, and whether a room may be used for a product.

    \b
    Examples (on the demo database):
      atmp manufacturing room list --as olga
      atmp manufacturing room status LEI PR-C --as olga --json
      atmp manufacturing room ready LEI PR-C --product AAV9-SMN --grade C --as olga
      atmp manufacturing room clean LEI PR-C --kind changeover --sop SOP-CL-002 --as olga
      atmp manufacturing room clear LEI PR-C --product AAV9-SMN --batch AAV-26-101 --as olga --json
      atmp manufacturing room check 7 --as quentin --reason "checked the room"
      atmp manufacturing room use LEI PR-C --product AAV9-SMN --batch AAV-26-101 --grade C --as olga
      atmp manufacturing room end LEI PR-C --as olga
    """


@room.command("list")
@as_option
@json_option
@handled
def list_(username: str, as_json: bool) -> None:
    """List the rooms of your sites with the product and GMO class (last) in each and its readiness."""
    setup_django()
    from atmp.ledger import clock
    from atmp.manufacturing.selectors.rooms import rooms_overview

    rows = rooms_overview(reader(username), on=clock.now())

    def text(d: list[dict[str, Any]]) -> str:
        return (
            "\n".join(
                f"{r['site']} {r['code']}  grade {r['grade']}  "
                + (f"{r['current']['product']} (GMO {r['current']['gmo_class']})" if r["current"] else "—")
                + ("  in use" if r["in_use"] else "")
                + ("  changeover needed" if r["changeover_needed"] else "")
                + f"  {'ready' if r['refused'] is None else r['refused']}"
                for r in d
            )
            or "no rooms"
        )

    emit(rows, as_json=as_json, text=text)


@room.command("status")
@_site_room
@as_option
@json_option
@handled
def status(site: str, room: str, username: str, as_json: bool) -> None:
    """Show a room: the product and GMO class (last) in it, its last cleaning and clearance, and readiness."""
    setup_django()
    from atmp.ledger import clock
    from atmp.manufacturing.selectors.rooms import room_document

    emit(
        room_document(_find(site, room, reader(username)), on=clock.now(), history=as_json),
        as_json=as_json,
        text=_status_text,
    )


@room.command("ready")
@_site_room
@click.option("--product", required=True, help="The product's code.")
@click.option("--grade", "grade_required", default=None, help="The grade the step needs (A-D; a cleaner room serves).")
@click.option("--on", default=None, help="When it would be used, ISO 8601 with a zone (default: now).")
@as_option
@json_option
@handled
def ready(
    site: str, room: str, product: str, grade_required: str | None, on: str | None, username: str, as_json: bool
) -> None:
    """Say whether the room may be used for the product, and which rule stops it (exit 1 when it may not)."""
    setup_django()
    from atmp.manufacturing.services.rooms import checked_required_grade, room_ready
    from atmp.trace.services import checks

    refused = room_ready(
        _find(site, room, reader(username)),
        product=_product(product),
        grade_required=checked_required_grade(grade_required),
        on=checks.moment(on, "on"),
    )
    emit({"ready": refused is None, "refused": refused}, as_json=as_json, text=lambda d: d["refused"] or "ready")
    if refused:
        raise click.exceptions.Exit(1)


@room.command("clean")
@_site_room
@click.option("--kind", type=click.Choice(["routine", "changeover"]), required=True)
@click.option("--sop", required=True, help="The SOP followed, or why it was cleaned.")
@AT
@NOTE
@REASON
@write
@handled
def clean(site: str, room: str, kind: str, sop: str, at: str | None, note: str, reason: str, **auth: Any) -> None:
    """Record a routine or changeover cleaning of the room (refused, exit 2, while it is in use)."""
    setup_django()
    from atmp.manufacturing.selectors.rooms import cleaning_document
    from atmp.manufacturing.services.rooms import record_cleaning

    user = actor(auth)
    made = record_cleaning(
        actor=user, room=_find(site, room, user), kind=kind, sop=sop, at=at, note=note, reason=reason
    )
    emit(cleaning_document(made), as_json=auth["as_json"], text=lambda d: f"{d['kind']} cleaning {d['record']}")


@room.command("clear")
@_site_room
@click.option("--product", required=True, help="The product's code.")
@click.option("--batch", default="", help="The batch the clearance is for.")
@AT
@NOTE
@REASON
@write
@handled
def clear(site: str, room: str, product: str, batch: str, at: str | None, note: str, reason: str, **auth: Any) -> None:
    """Record a line clearance for a product; a second person checks it (`room check ID`) before it counts."""
    setup_django()
    from atmp.manufacturing.selectors.rooms import clearance_document
    from atmp.manufacturing.services.rooms import record_line_clearance

    user = actor(auth)
    made = record_line_clearance(
        actor=user,
        room=_find(site, room, user),
        product=_product(product),
        batch=batch,
        at=at,
        note=note,
        reason=reason,
    )
    emit(
        clearance_document(made),
        as_json=auth["as_json"],
        text=lambda d: f"line clearance {d['id']} ({d['record']}) awaiting a second person's check",
    )


@room.command("check")
@click.argument("clearance_id")
@as_option
@click.option("--reason", default="", help="Why (recorded in the ledger).")
@otp_option
@PASSWORD_FILE
@json_option
@handled
def check(
    clearance_id: str, username: str, reason: str, otp: str | None, password_file: Path | None, as_json: bool
) -> None:
    """Check a line clearance as the second person, with your signature 'verified' (never your own)."""
    setup_django()
    from atmp.manufacturing.selectors.rooms import clearance_document
    from atmp.manufacturing.services.rooms import check_line_clearance, find_clearance

    user, password = user_and_password(username, password_file)
    done = check_line_clearance(
        actor=user, clearance=find_clearance(clearance_id, user=user), password=password, otp=otp, reason=reason
    )
    emit(clearance_document(done), as_json=as_json, text=lambda d: f"line clearance {d['id']}: {d['status']}")


@room.command("use")
@_site_room
@click.option("--product", required=True, help="The product's code.")
@click.option("--batch", required=True, help="The batch number.")
@click.option("--grade", "grade_required", default=None, help="The grade the step needs (A-D).")
@AT
@NOTE
@REASON
@write
@handled
def use(
    site: str,
    room: str,
    product: str,
    batch: str,
    grade_required: str | None,
    at: str | None,
    note: str,
    reason: str,
    **auth: Any,
) -> None:
    """Start a use of the room for a batch; refused (exit 2) naming the rule when the room is not ready."""
    setup_django()
    from atmp.manufacturing.selectors.rooms import use_document
    from atmp.manufacturing.services.rooms import start_use

    user = actor(auth)
    made = start_use(
        actor=user,
        room=_find(site, room, user),
        product=_product(product),
        batch=batch,
        grade_required=grade_required,
        at=at,
        note=note,
        reason=reason,
    )
    emit(use_document(made), as_json=auth["as_json"], text=lambda d: f"room {d['room']} in use for {d['batch']}")


@room.command("end")
@_site_room
@AT
@REASON
@write
@handled
def end(site: str, room: str, at: str | None, reason: str, **auth: Any) -> None:
    """End the room's use in progress."""
    setup_django()
    from atmp.manufacturing.selectors.rooms import use_document
    from atmp.manufacturing.services.rooms import end_use

    user = actor(auth)
    made = end_use(actor=user, room=_find(site, room, user), at=at, reason=reason)
    emit(use_document(made), as_json=auth["as_json"], text=lambda d: f"use of room {d['room']} ended {d['ended_at']}")
