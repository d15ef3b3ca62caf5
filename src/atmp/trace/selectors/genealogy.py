"""The trace: every lot reachable forward or backward from a lot or a person, each ONE recursive query.

DESIGN.md principle 5 and docs/adr/0014. A use is an edge input lot → output lot; a forward trace
follows edges from inputs to outputs (what was made with this lot, and who received it), a backward
trace from outputs to inputs (what this lot was made from, and who donated it). One statement walks
the whole genealogy (WITH RECURSIVE … UNION), deduplicates, and answers each reachable lot once at
its shortest distance from the root, together with the people at the far end: the patients given a
reached lot (forward), the donors of a reached lot (backward). It runs on SQLite and PostgreSQL
alike, each step an index-only lookup in trace_use_forward (input, voided, output) or
trace_use_backward (output, voided, input). Never a loop of one query per hop.
"""

from __future__ import annotations

import functools
import operator
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from django.db import connection

from atmp.trace import units
from atmp.trace.models import Lot, Person

Direction = Literal["forward", "backward"]

# A genealogy is a DAG (services.genealogy refuses a cycle), so no walk goes deeper than its longest
# path. The bound is the guard of last resort should a cycle ever be written behind the services'
# back: UNION removes repeated (lot, level) rows only, so a cycle would otherwise never end.
MAX_LEVELS = 1000

# The recursive step of each direction: from the lots reached, along live uses, to the lots at the other end.
_STEP: dict[str, tuple[str, str]] = {"forward": ("input_id", "output_id"), "backward": ("output_id", "input_id")}


@dataclass(frozen=True, order=True)
class Edge:
    """An edge among traced nodes, the way the material went; each end is "lot:<id>" or "person:<id>"."""

    source: str
    target: str


class TracedLot(NamedTuple):
    """A lot a trace reached, at its shortest distance (level) from the root (the root lot: 0).

    A named tuple, not a frozen dataclass: a hub's trace makes tens of thousands, and a frozen
    dataclass costs five times as much to build (docs/performance.md, the trace).
    """

    number: str
    material: str
    type: str
    status: str
    site: str
    site_id: int
    level: int
    id: int = 0  # the lot's primary key (a record page's address); 0 when built by hand


class TracedPerson(NamedTuple):
    """A donor (backward) or patient (forward) a trace reached, one level beyond the nearest lot linking them."""

    coi: str
    kind: str
    site: str
    site_id: int
    level: int
    id: int = 0  # the person's primary key (a record page's address); 0 when built by hand


@dataclass(frozen=True)
class Trace:
    """What a trace from one root reached: every lot once, and the people at the far end."""

    root: str
    direction: Direction
    lots: list[TracedLot]
    persons: list[TracedPerson]

    def visible_to(self, site_ids: Collection[int] | None) -> Trace:
        """Return the trace with only the lots and persons of those sites (None: every site)."""
        if site_ids is None:
            return self
        return Trace(
            root=self.root,
            direction=self.direction,
            lots=[lot for lot in self.lots if lot.site_id in site_ids],
            persons=[p for p in self.persons if p.site_id in site_ids],
        )


def _anchor(direction: Direction, root: Lot | Person) -> tuple[str, list[Any]]:
    """Return the SELECT of the walk's first lots, with its parameters."""
    sql = _anchor_sql(direction, isinstance(root, Lot))
    return sql, [root.pk] if isinstance(root, Lot) else [root.pk, False]


def _anchor_sql(direction: Direction, from_lot: bool) -> str:
    """Return the SELECT of the walk's first lots: the root lot, a donor's donations or a patient's lots."""
    if from_lot:
        return "SELECT id, 0 FROM trace_lot WHERE id = %s"
    if direction == "forward":  # a donor's donations
        return "SELECT id, 1 FROM trace_lot WHERE donor_id = %s AND voided = %s"
    # a patient's administered lots
    return "SELECT lot_id, 1 FROM trace_administration WHERE patient_id = %s AND voided = %s"


_LOT_COLUMNS = "l.id, l.number, l.status, l.site_id, l.material_id"


def each(alias: str, table: str, columns: str, condition: str, vendor: str | None = None) -> str:
    """Return a join that looks rows of the table up by index for each row before it, in that order.

    A trace's lots and people must be found from the ids it reached, one index lookup each, never
    by scanning every lot, administration, donation or person. Neither database can estimate how
    many lots a recursive walk reaches, so neither is left to choose: SQLite (no table statistics
    here: atmp does not run ANALYZE) keeps the order of a CROSS JOIN, as its documentation
    promises; on PostgreSQL, whose guess (200 rows) made it hash-join sequential scans of the lots,
    administrations and persons (docs/performance.md, the trace), a LATERAL subquery with OFFSET 0
    (which keeps the planner from flattening it) runs once per row before it. The vendor is the
    connection's unless given.
    """
    if (vendor or connection.vendor) == "sqlite":
        return f"CROSS JOIN {table} {alias} ON {condition}"
    return f"CROSS JOIN LATERAL (SELECT {columns} FROM {table} {alias} WHERE {condition} OFFSET 0) {alias}"


def _people(direction: Direction, vendor: str) -> str:
    """Return the SELECT of the persons at the far end of the reached lots (one row each), looked up from them."""
    if direction == "forward":
        ends = (
            "SELECT a.patient_id AS person_id, MIN(b.level) AS level FROM best b "
            f"{each('a', 'trace_administration', 'a.patient_id', 'a.lot_id = b.id AND a.voided = %s', vendor)} "
            "GROUP BY a.patient_id"
        )
    else:
        ends = (
            "SELECT d.donor_id AS person_id, MIN(b.level) AS level FROM best b "
            f"{each('d', 'trace_lot', 'd.donor_id', 'd.id = b.id AND d.donor_id IS NOT NULL', vendor)} "
            "GROUP BY d.donor_id"
        )
    person = each("p", "trace_person", "p.coi, p.kind, p.site_id, p.id", "p.id = e.person_id", vendor)
    return f"""
        SELECT 'person', p.coi, p.kind, NULL, NULL, s.code, p.site_id, e.level + 1, p.id
        FROM ({ends}) e {person} JOIN accounts_site s ON s.id = p.site_id"""


def reach(root: Lot | Person, direction: Direction, *, max_levels: int = MAX_LEVELS) -> tuple[str, list[Any]]:
    """Return the recursive walk as a WITH clause naming `best(id, level)`: each lot reached once, and its parameters.

    The trace below and other reads over the same reach (the recall impact) select from `best`, so
    every one of them walks the genealogy with this one recursive query.
    """
    _, params = _anchor(direction, root)
    return _walk(direction, isinstance(root, Lot)), [*params, False, max_levels]


def _walk(direction: Direction, from_lot: bool) -> str:
    """Return the WITH clause of reach(), for a root lot or a root person."""
    here, there = _STEP[direction]
    return f"""
        WITH RECURSIVE reach(id, level) AS (
            {_anchor_sql(direction, from_lot)}
            UNION
            SELECT u.{there}, r.level + 1
            FROM reach r JOIN trace_use u ON u.{here} = r.id
            WHERE u.voided = %s AND r.level < %s
        ),
        best(id, level) AS (SELECT id, MIN(level) FROM reach GROUP BY id)"""


@functools.cache
def _statement(vendor: str, direction: Direction, from_lot: bool) -> str:
    """Return the trace's statement, built once per database, direction and kind of root (a lot or a person).

    Built on every call it cost each trace tens of microseconds in Python, with more text for Django
    to scan for placeholders (docs/performance.md, the trace). The whitespace is folded (no literal
    in it holds two spaces). SQLite's rows are sorted by trace() (see there); PostgreSQL's by its collation.
    """
    sql = f"""{_walk(direction, from_lot)}
        SELECT 'lot', l.number, m.code, m.type, l.status, s.code, l.site_id, b.level, l.id
        FROM best b {each("l", "trace_lot", _LOT_COLUMNS, "l.id = b.id", vendor)}
        JOIN trace_material m ON m.id = l.material_id JOIN accounts_site s ON s.id = l.site_id
        UNION ALL {_people(direction, vendor)}
        {"" if vendor == "sqlite" else "ORDER BY 1, 8, 2"}"""
    return " ".join(sql.split())


# What a trace's lots and persons are sorted by: nearest first, then by number or COI (both unique).
_ORDER = operator.attrgetter("level", "number")
_PERSON_ORDER = operator.attrgetter("level", "coi")


def trace(root: Lot | Person, direction: Direction, *, max_levels: int = MAX_LEVELS) -> Trace:
    """Return every lot reachable from the root in the direction, once, with the persons at the far end."""
    from_lot = isinstance(root, Lot)
    vendor = connection.vendor
    sql = _statement(vendor, direction, from_lot)
    params: list[Any] = [root.pk, False, max_levels] if from_lot else [root.pk, False, False, max_levels]
    if direction == "forward":
        params.append(False)  # the administrations' voided
    rows = _fetch_prepared(sql, params) if vendor == "postgresql" else _fetch(sql, params)
    # The columns are the fields, in order (ids and levels are integers on both databases).
    lots = [TracedLot._make(r[1:]) for r in rows if r[0] == "lot"]
    persons = [TracedPerson(r[1], r[2], r[5], r[6], r[7], r[8]) for r in rows if r[0] == "person"]
    if vendor == "sqlite":
        # Sorted here, not by an ORDER BY: SQLite sorts with two temporary B-trees, a tenth of a
        # small trace's time. The order is the same: SQLite compares text as bytes (BINARY), and
        # UTF-8's byte order is Python's code-point order; numbers and COIs are unique (no ties).
        lots.sort(key=_ORDER)
        persons.sort(key=_PERSON_ORDER)
    name = root.number if isinstance(root, Lot) else root.coi
    return Trace(root=name, direction=direction, lots=lots, persons=persons)


def _fetch(sql: str, params: list[Any]) -> Sequence[tuple[Any, ...]]:
    """Run the statement through Django's cursor; return its rows."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _fetch_prepared(sql: str, params: list[Any]) -> Sequence[tuple[Any, ...]]:
    """Run the statement on PostgreSQL prepared from its second run on a connection; return its rows.

    Planning this statement took 0.5–0.9 ms, most of a small trace's time (docs/performance.md, the
    trace). Django's cursors bind parameters client-side, which psycopg never prepares, and Django
    turns preparing off on the connection (prepare_threshold None, for transaction-pooling
    PgBouncers) unless OPTIONS set prepare_threshold. Here, for this one statement: a server-binding
    cursor, and, when OPTIONS say nothing, a threshold of 1 on the connection: psycopg prepares the
    statement the second time the connection runs it (a connection that traces once pays no extra
    round trip), and PostgreSQL plans it generically from its sixth run. No other statement is
    affected: Django's client-binding cursors are never prepared, whatever the threshold. An
    installation that sets OPTIONS prepare_threshold (None: never prepare), or that binds
    server-side without it, keeps its choice. Integers are sent as bigint, so that roots of every
    size share one prepared statement rather than one per integer width.
    """
    from psycopg.types.numeric import Int8

    connection.ensure_connection()
    raw = connection.connection
    options = connection.settings_dict.get("OPTIONS") or {}
    if raw.prepare_threshold is None and not ("prepare_threshold" in options or options.get("server_side_binding")):
        raw.prepare_threshold = 1
    connection.validate_thread_sharing()
    inner = _server_binding_cursor()(raw)
    cursor = connection.make_debug_cursor(inner) if connection.queries_logged else connection.make_cursor(inner)
    with cursor:
        cursor.execute(sql, [Int8(p) if type(p) is int else p for p in params])
        return cursor.fetchall()


@functools.cache
def _server_binding_cursor() -> type:
    """Return Django's server-binding psycopg cursor, its query kept for Django's query log when prepared."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class Cursor(ServerBindingCursor):  # type: ignore[misc,valid-type]
        """Django's server-binding cursor; psycopg keeps no query for the log when it runs a prepared one."""

        def _send_query_prepared(self, name: bytes, pgq: Any, *args: Any, **kwargs: Any) -> None:
            self._query = pgq  # what Django's last_executed_query reads (DEBUG, the tests' query capture)
            super()._send_query_prepared(name, pgq, *args, **kwargs)  # type: ignore[misc]

    return Cursor


def edges(root: Lot | Person, direction: Direction, *, max_levels: int = MAX_LEVELS) -> list[Edge]:
    """Return the genealogy's edges among what the trace from the root reaches, in one recursive query.

    Each edge points the way the material went: input lot → output lot (a use), donor → donated
    lot, lot → patient (an administration). A root person's own edges are included: a donor's
    donations (forward), a patient's administered lots (backward).
    """
    walk, params = reach(root, direction, max_levels=max_levels)
    here = _STEP[direction][0]
    if direction == "forward":
        given = each("a", "trace_administration", "a.lot_id, a.patient_id", "a.lot_id = b.id AND a.voided = %s")
        people = f"SELECT 'lot', a.lot_id, 'person', a.patient_id FROM best b {given}"
        params += [False, False]  # the uses' voided, the administrations' voided
    else:
        donated = each("l", "trace_lot", "l.id, l.donor_id", "l.id = b.id AND l.donor_id IS NOT NULL")
        people = f"SELECT 'person', l.donor_id, 'lot', l.id FROM best b {donated}"
        params += [False]  # the uses' voided
    own = ""
    if isinstance(root, Person):  # the root person's own edges, to the lots the walk starts from
        own = (
            "UNION ALL SELECT 'person', donor_id, 'lot', id FROM trace_lot WHERE donor_id = %s AND voided = %s"
            if direction == "forward"
            else "UNION ALL SELECT 'lot', lot_id, 'person', patient_id FROM trace_administration "
            "WHERE patient_id = %s AND voided = %s"
        )
        params += [root.pk, False]
    sql = f"""{walk}
        SELECT 'lot', u.input_id, 'lot', u.output_id FROM best b
        {each("u", "trace_use", "u.input_id, u.output_id", f"u.{here} = b.id AND u.voided = %s")}
        UNION ALL {people} {own}"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: Sequence[tuple[Any, ...]] = cursor.fetchall()
    return sorted({Edge(f"{r[0]}:{r[1]}", f"{r[2]}:{r[3]}") for r in rows})


def timed(root: Lot | Person, direction: Direction) -> tuple[Trace, float]:
    """Return the trace and how long its query took, in milliseconds (what `elapsed_ms` reports)."""
    start = time.perf_counter()
    found = trace(root, direction)
    return found, round((time.perf_counter() - start) * 1000, 3)


def forward(root: Lot | Person) -> Trace:
    """Return what was made with the lot (or a donor's donations), down to the patients given any of it."""
    return trace(root, "forward")


def backward(root: Lot | Person) -> Trace:
    """Return what the lot (or a patient's administered lots) was made from, back to the donors."""
    return trace(root, "backward")


def is_ancestor(candidate_id: int, of_id: int) -> bool:
    """Return True when the candidate lot is the lot itself or any lot it was made from (one recursive query)."""
    sql = """
        WITH RECURSIVE up(id) AS (
            SELECT id FROM trace_lot WHERE id = %s
            UNION
            SELECT u.input_id FROM up JOIN trace_use u ON u.output_id = up.id WHERE u.voided = %s
        )
        SELECT 1 FROM up WHERE id = %s LIMIT 1"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [of_id, False, candidate_id])
        return cursor.fetchone() is not None


def used(lot: Lot) -> Decimal:
    """Return how much of the lot its live uses and administrations took, in the lot's unit (exact)."""
    # Summed per unit as whole thousandths (the columns' precision): exact on SQLite too, which
    # would otherwise add the decimals as doubles. An administration with no quantity takes nothing.
    sql = """
        SELECT unit, SUM(CAST(ROUND(quantity * 1000) AS BIGINT)) FROM (
            SELECT unit, quantity FROM trace_use WHERE input_id = %s AND voided = %s
            UNION ALL
            SELECT unit, quantity FROM trace_administration
            WHERE lot_id = %s AND voided = %s AND quantity IS NOT NULL
        ) taken GROUP BY unit"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [lot.pk, False, lot.pk, False])
        rows = cursor.fetchall()
    return sum((units.convert(Decimal(int(total)).scaleb(-3), unit, lot.unit) for unit, total in rows), Decimal(0))


def remaining(lot: Lot) -> Decimal:
    """Return what is left of the lot to use, in its unit: its quantity less its live uses and administrations."""
    return lot.quantity - used(lot)
