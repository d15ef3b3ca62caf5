"""`atmp environment result add`, `results` and `import FILE.csv`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import handled, json_option, setup_django
from atmp.cli.output import emit
from atmp.environment.cli import environment
from atmp.trace.cli.common import READER, REASON, actor, reader, write


@environment.group("result")
def result() -> None:
    """Monitoring results, each judged within, alert or action.

    \b
    Example:
      atmp environment result add LEI CR-01 SP-01 --value 3 --state in_operation \\
          --taken-at 2026-12-01T09:30:00+01:00 --as olga
    """


@result.command("add")
@click.argument("site")
@click.argument("room_code", metavar="ROOM")
@click.argument("point_code", metavar="POINT")
@click.option("--value", required=True, help="The count: particles per m³ or CFU.")
@click.option("--unit", default="", help="The point's unit (/m3, CFU/m3, CFU/4h, CFU/plate, CFU/glove); default it.")
@click.option("--state", required=True, help="at_rest or in_operation.")
@click.option("--taken-at", required=True, help="ISO 8601 with its zone.")
@click.option("--operator", default="", help="Who took the sample (username; default: you).")
@click.option("--batch", default="", help="The batch in process, if any.")
@REASON
@write
@handled
def result_add(
    site: str,
    room_code: str,
    point_code: str,
    value: str,
    unit: str,
    state: str,
    taken_at: str,
    operator: str,
    batch: str,
    reason: str,
    **auth: Any,
) -> None:
    """Record a result; an action-level one opens a deviation linked to it."""
    setup_django()
    from atmp.environment.selectors.documents import result_document
    from atmp.environment.services.imports import moment, operator_named
    from atmp.environment.services.results import record_result
    from atmp.environment.services.rooms import find_point, find_room

    user = actor(auth)
    made, deviation = record_result(
        actor=user,
        point=find_point(find_room(site, room_code, user=user), point_code),
        taken_at=moment(taken_at),
        state=state,
        value=value,
        unit=unit,
        operator=operator_named(operator) if operator else user,
        batch=batch,
        reason=reason,
    )
    emit(result_document(made, [deviation.number] if deviation else []), as_json=auth["as_json"], text=_text)


def _text(d: dict[str, Any]) -> str:
    opened = f"; deviation {', '.join(d['deviations'])} opened" if d["deviations"] else ""
    return f"{d['room']}/{d['point']} {d['value']} {d['unit']} ({d['state']}): {d['level']}{opened}"


@environment.command("results")
@click.argument("site")
@click.argument("room_code", metavar="ROOM")
@click.option("--point", "point_code", default="", help="One point's results only.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@READER
@json_option
@handled
def results_list(site: str, room_code: str, point_code: str, limit: int, username: str | None, as_json: bool) -> None:
    """List a room's newest results with their level."""
    setup_django()
    from atmp.environment.selectors import documents as docs
    from atmp.environment.services.rooms import find_point, find_room

    room = find_room(site, room_code, user=reader(username))
    point = find_point(room, point_code) if point_code else None
    rows = docs.recent_results(room=room, point=point, limit=limit)
    numbers = docs.deviation_numbers(rows)
    emit(
        [docs.result_document(r, numbers.get(r.pk, [])) for r in rows],
        as_json=as_json,
        text=lambda rs: "\n".join(_text(r) for r in rs) or "no results",
    )


@environment.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", required=True, help="The site's code: the rooms are looked up there.")
@click.option("--dry-run", is_flag=True, help="Check every line and print the counts; write nothing.")
@REASON
@write
@handled
def import_(file: Path, site: str, dry_run: bool, reason: str, **auth: Any) -> None:
    """Import results from a CSV file: all lines or none; the file is kept with its SHA-256.

    \b
    Header and columns (docs/environment.md):
      room,point,taken_at,state,value,unit,operator,batch
      CR-01,SP-01,2026-12-01T09:30:00+01:00,in_operation,0,CFU/4h,olga,B-001
    unit and batch may be left empty (unit: the point's). A bad line refuses the whole
    file, naming its line and field (exit 2); action-level results open deviations, and the
    trends the results complete raise QA trend alerts (each point evaluated once).

    \b
    Examples:
      atmp environment import em.csv --site LEI --dry-run --as olga
      atmp environment import em.csv --site LEI --as olga --json
    """
    setup_django()
    from atmp.accounts.services import find_site
    from atmp.environment.services.imports import import_results

    user = actor(auth)
    with file.open("rb") as stream:
        report = import_results(
            actor=user, site=find_site(site), stream=stream, name=file.name, dry_run=dry_run, reason=reason
        )
    emit(report.document(), as_json=auth["as_json"], text=_report_text)


def _report_text(d: dict[str, Any]) -> str:
    done = "would import" if d["dry_run"] else "imported"
    opened = f"; deviations {', '.join(d['deviations'])}" if d["deviations"] else ""
    opened += f"; trend alerts {', '.join(d['trend_alerts'])}" if d.get("trend_alerts") else ""
    kept = f"; file {d['file']} sha256 {d['file_sha256']}" if d["file"] else ""
    return (
        f"{done} {d['results']} results: {d['within']} within, {d['alert']} alert, {d['action']} action{opened}{kept}"
    )
