"""Import monitoring results from a CSV file (particle counters' and plate readings' exports).

The whole file is checked before anything is written: a bad line refuses the file, naming the line
and the field. A good file is kept (atmp.files, with its SHA-256) and its results, with the
deviations the action-level ones open, are written in one audited change. Format: docs/environment.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.environment import limits
from atmp.environment.models import Result, Room, SamplePoint
from atmp.environment.services import results
from atmp.environment.services.alerts import raise_alerts
from atmp.environment.services.limits import Limits
from atmp.environment.services.limits import in_force as limits_in_force
from atmp.environment.services.rooms import find_point, find_room
from atmp.files.services import store
from atmp.ledger import writer
from atmp.ledger.errors import LedgerError
from atmp.quality.services import edits

COLUMNS = ("room", "point", "taken_at", "state", "value", "unit", "operator", "batch")
REQUIRED = ("room", "point", "taken_at", "state", "value", "operator")
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class ImportReport:
    """What an import wrote (or, dry, would write): counts per level, deviations opened, the file kept."""

    lines: int = 0
    levels: Counter[str] = field(default_factory=Counter)
    deviations: list[str] = field(default_factory=list)
    file_sha256: str = ""
    file_record: str = ""
    dry_run: bool = False
    trend_alerts: list[str] = field(default_factory=list)

    def document(self) -> dict[str, object]:
        """Return the report as the CLI prints it."""
        return {
            "dry_run": self.dry_run,
            "results": self.lines,
            "within": self.levels["within"],
            "alert": self.levels["alert"],
            "action": self.levels["action"],
            "deviations": self.deviations,
            "trend_alerts": self.trend_alerts,
            "file_sha256": self.file_sha256,
            "file": self.file_record,
        }


def moment(text: str) -> dt.datetime:
    """Return an ISO 8601 time (in UTC when it has a zone: the same instant), or refuse naming taken_at."""
    try:
        parsed = dt.datetime.fromisoformat(text.strip())
        # Stored in UTC either way; in UTC the bulk write takes its fast path (ledger.batch_plan).
        return parsed if parsed.tzinfo is None else parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(
            "taken_at", f"{text!r}: give ISO 8601 with its zone, e.g. 2026-12-01T09:30:00+01:00"
        ) from None


def parse(data: bytes, *, site: Site) -> list[Result]:
    """Return every line's result, checked and judged, or refuse the file naming the line and the field."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("file", "not UTF-8 text: export the results as CSV in UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    lines = _rows(reader)
    header = [h.strip() for h in next(lines, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidInput("file", f"line 1: the header lacks {', '.join(missing)} (columns: {', '.join(COLUMNS)})")
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise InvalidInput("file", f"line 1: unknown columns {', '.join(unknown)} (columns: {', '.join(COLUMNS)})")
    # Each column's position (a repeated column: its last, as csv.DictReader would take it).
    at = {name: i for i, name in enumerate(header)}
    width = len(header)
    rooms: dict[str, Room] = {}
    points: dict[tuple[str, str], SamplePoint] = {}
    operators: dict[str, User] = {}
    in_force: dict[tuple[int, str], Limits] = {}  # the limits at a point in a state, looked up once
    made = []
    for row in lines:
        if not row:
            continue  # a blank line, as csv.DictReader skips it
        line = reader.line_num
        if len(row) > width:
            raise InvalidInput("file", f"line {line}: more fields than the header's {width}")
        given = len(row)
        values = {name: row[i].strip() if i < given else "" for name, i in at.items()}
        try:
            for name in REQUIRED:
                if not values[name]:
                    raise InvalidInput(name, "is required")
            room = rooms.get(values["room"]) or find_room(site, values["room"], field="room")
            rooms[room.code] = room
            key = (room.code, values["point"])
            point = points.get(key) or find_point(room, values["point"], field="point")
            points[key] = point
            operator = operators.get(values["operator"]) or operator_named(values["operator"])
            operators[operator.username] = operator
            when = moment(values["taken_at"])
            state = values["state"]
            found = in_force.get((point.pk, state))
            if found is None and state in limits.STATES:  # a wrong state: prepare names it
                found = in_force[point.pk, state] = limits_in_force(point, state)
            made.append(
                results.prepare(
                    point=point,
                    taken_at=when,
                    state=state,
                    value=values["value"],
                    unit_=values.get("unit", ""),
                    operator=operator,
                    batch=values.get("batch", ""),
                    found=found,
                )
            )
        except InvalidInput as exc:
            raise InvalidInput(exc.field, f"line {line}: {str(exc).removeprefix(exc.field + ': ')}") from None
    if not made:
        raise InvalidInput("file", "no results: the file has a header and no lines")
    return made


def _rows(reader: Any) -> Iterator[list[str]]:
    """Yield the reader's rows; a line the csv module cannot read (a field over its size limit) refuses the file."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput("file", f"line {reader.line_num}: not CSV the import reads ({exc})") from None
        yield row


def operator_named(username: str) -> User:
    """Return the user of the username, or refuse naming the operator field."""
    from atmp.accounts.services import find_user

    try:
        return find_user(username)
    except LedgerError:
        raise InvalidInput("operator", f"there is no user {username!r}") from None


def import_results(
    *, actor: User, site: Site, stream: IO[bytes], name: str, dry_run: bool = False, reason: str = ""
) -> ImportReport:
    """Import a CSV file of results at a site: all or nothing; the file is kept with its hash."""
    edits.check_writer(actor, Result, site=site)
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InvalidInput("file", f"larger than {MAX_BYTES} bytes: split the file")
    made = parse(data, site=site)
    report = ImportReport(lines=len(made), levels=Counter(r.level for r in made), dry_run=dry_run)
    if dry_run:
        return report
    why = reason or f"EM results imported from {name}"
    with writer.change(actor=actor, reason=why) as ch:
        kept = store(actor=actor, stream=io.BytesIO(data), name=name, reason=why, media_type="text/csv", site=site)
        for result in made:
            result.source_file_id = kept.pk
        # The results within and at alert level in bulk (each with its own entry, ADR 0016), in the
        # file's order; then each action-level one with the deviation it opens.
        ch.create_many([r for r in made if r.level != limits.ACTION])
        for result in made:
            if result.level == limits.ACTION:
                deviation = results.save(ch, actor, result)
                if deviation is not None:
                    report.deviations.append(deviation.number)
        # Each sample point is evaluated once, after all its lines are in (not once per line).
        report.trend_alerts = [a.record_key for a in raise_alerts(ch, actor, made)]
    report.file_sha256, report.file_record = kept.sha256, kept.record_key
    return report
