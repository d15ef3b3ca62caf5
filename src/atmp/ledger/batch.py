"""Many new records of one model in one audited change: rows in bulk, each record with its own entry.

`Change.create_many` (docs/adr/0016) writes what `Change.save` writes for each create (version 1,
created_at and created_by, the snapshot, one entry with every field, its tree nodes), so that the
ledger cannot tell the two apart, but a batch at a time: the rows in multi-row INSERTs, the entries
in one, the tree nodes in another, the head once (on PostgreSQL each goes by COPY, the rows' new
keys taken from their sequence first). Entries carry consecutive microsecond times from
one reading of the clock, which is what `Change.save` gives when it writes faster than the clock
ticks. A batch ends where a checkpoint falls due, so checkpoints are signed at the sizes one-by-one
saves sign them.

The per-record work is decided once per model (batch_plan.Plan, with the code batch_code.py
compiles for it): which fields the snapshot holds and how each becomes JSON and a database value.
New records are built by new_records.new_record. Django's bulk_create is not used (batch_plan.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, connections

from atmp.ledger import batch_code, clock
from atmp.ledger.batch_plan import Plan
from atmp.ledger.canonical import dumps_text, entry_bytes, entry_bytes_of
from atmp.ledger.new_records import new_record
from atmp.ledger.records import GmpRecord, rfc3339

if TYPE_CHECKING:
    from atmp.ledger.writer import Change, _Head

__all__ = ["DEFAULT_BATCH", "MAX_BATCH", "Plan", "create_many", "new_record"]

# A batch's entries and nodes go in one statement each: 14 values an entry, 3 a node (about two
# nodes an entry), within SQLite's 32 766 bound variables and PostgreSQL's 65 535.
MAX_BATCH = 2000
DEFAULT_BATCH = 1000
POSTGRES_MAX_PARAMS = 65_535
_NODE_PREFIX = b"\x01"
_LEAF_PREFIX = b"\x00"


def create_many(
    ch: Change, records: Iterable[GmpRecord], *, action: str = "create", batch_size: int = DEFAULT_BATCH
) -> int:
    """Create new records of one model, each with its own entry, a batch at a time; return how many."""
    from atmp.ledger import checkpoints

    pending = list(records)
    if not pending:
        return 0
    model = type(pending[0])
    for record in pending:
        if type(record) is not model:
            raise TypeError(f"create_many takes records of one model: {model.__name__} and {type(record).__name__}")
        if not record._state.adding:
            raise ValueError(f"{record.record_key}: create_many creates new records only; save() changes one")
    size = max(1, min(batch_size, MAX_BATCH))
    interval = settings.ATMP_CHECKPOINT_INTERVAL
    plan = Plan.of(model)
    done = 0
    while done < len(pending):
        head = ch._lock()
        # End the batch where a checkpoint falls due: _write signs one after that entry.
        room = interval - head.size % interval
        batch = pending[done : done + min(size, room)]
        _write_batch(ch, head, plan, batch, action)
        done += len(batch)
        if head.size % interval == 0:
            checkpoints.sign_in_change(ch)
    return done


def _times(head: _Head, count: int) -> list[tuple[dt.datetime, str]]:
    """Return `count` distinct, ordered times after the head's, from one reading of the clock."""
    from atmp.ledger.writer import ONE_MICROSECOND, _parse_at

    start = clock.now()
    if head.at:
        start = max(start, _parse_at(head.at) + ONE_MICROSECOND)
    out = []
    moment = start
    prefix = rfc3339(moment)[:-7]  # "2026-12-05T15:00:00.", without the microseconds and Z
    for _ in range(count):
        if moment.microsecond == 0:  # one microsecond at a time: a new second begins
            prefix = rfc3339(moment)[:-7]
        out.append((moment, f"{prefix}{moment.microsecond:06d}Z"))
        moment += ONE_MICROSECOND
    return out


def _write_batch(ch: Change, head: _Head, plan: Plan, batch: Sequence[GmpRecord], action: str) -> None:
    actor_id = ch.actor.id
    times = _times(head, len(batch))
    batch_code.forget_times()
    for record, (moment, text) in zip(batch, times, strict=True):
        record.check_change(None, action)
        state = record.__dict__
        state["version"] = 1
        state["created_at"] = moment
        if moment.tzinfo is dt.UTC and moment.year >= 1000:
            batch_code.remember_time(moment, text)  # the entry's time is the record's created_at
        cache = state["_state"].__dict__.get("fields_cache")
        if cache and "created_by" in cache:
            record.created_by_id = actor_id  # type: ignore[attr-defined]  # the descriptor drops a stale creator
        else:
            state["created_by_id"] = actor_id
    _insert_rows(plan, batch)
    actor_name = ch.actor.name
    roles = dumps_text(list(ch.actor.roles))
    reason = ch.reason
    record_type = plan.record_type
    sha256 = hashlib.sha256
    frontier = head.frontier
    size = head.size
    prev = head.hash
    entries: list[Any] = []
    nodes: list[Any] = []
    pk_name = plan.pk.attname
    entry_body = entry_bytes_of(actor_id, actor_name, roles, action, record_type, reason)
    for record, (_moment, at_text) in zip(batch, times, strict=True):
        new, snapshot_bytes, changes = plan.snapshot(record)
        record.remember_snapshot(new)
        snap = sha256(snapshot_bytes).hexdigest()
        seq = size + 1
        pk = record.__dict__[pk_name]
        record_id = str(pk)
        if type(pk) is int:  # digits: the bound form writes the id's JSON as it is
            body = entry_body(seq, at_text, record_id, changes, snap, prev)
        else:
            body = entry_bytes(
                seq,
                at_text,
                actor_id,
                actor_name,
                roles,
                action,
                record_type,
                record_id,
                1,
                reason,
                changes,
                snap,
                prev,
            )
        digest = sha256(body).digest()
        entry_hash = digest.hex()
        entries += (seq, at_text, actor_id, actor_name, roles, action, record_type, record_id, 1, reason, changes)
        entries += (snap, prev, entry_hash)
        # The leaf and the subtrees it completes (writer._extend_frontier, inlined: it runs per entry).
        node = sha256(_LEAF_PREFIX + digest).digest()
        level, index = 0, size
        nodes += (0, index, node)
        while index & 1:
            node = sha256(_NODE_PREFIX + frontier.pop() + node).digest()
            level, index = level + 1, index >> 1
            nodes += (level, index, node)
        frontier.append(node)
        size, prev = seq, entry_hash
    head_params = [size, prev, times[-1][1], b"".join(frontier)]
    _insert_entries(len(batch), len(nodes) // 3, entries, nodes, head_params)
    head.size, head.hash, head.at = size, prev, times[-1][1]


def _direct() -> bool:
    """Return True when statements may go to SQLite's driver, Django's cursor wrapper watching nothing."""
    return connection.vendor == "sqlite" and not (connection.queries_logged or connection.execute_wrappers)


def _max_params() -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return POSTGRES_MAX_PARAMS


def _execute(cursor: Any, sql: str, params: Sequence[Any], *, direct: bool) -> None:
    if direct:
        # writer._run's fast path, without its cache of statements (one text per batch length here).
        connection.validate_no_broken_transaction()
        with connection.wrap_database_errors:
            sqlite3.Cursor.execute(cursor.cursor, sql, params)
    else:
        cursor.execute(sql, params)


def _insert_rows(plan: Plan, batch: Sequence[GmpRecord]) -> None:
    """Insert the records' rows, many to a statement, and give each its primary key."""
    quote = connection.ops.quote_name
    direct = _direct()
    mark = "?" if direct else "%s"

    real = connections[connection.alias]  # not the proxy: its every attribute is a thread-local lookup
    row = plan.rows(real)

    pk_name = plan.pk.attname
    if connection.vendor == "postgresql" and _copy_rows(plan, batch, row):
        return
    keyed = [r.__dict__[pk_name] is not None for r in batch]
    groups = {
        False: [r for r, has in zip(batch, keyed, strict=True) if not has],
        True: [r for r, has in zip(batch, keyed, strict=True) if has],
    }
    for with_pk, group in groups.items():
        if not group:
            continue
        fields = [plan.pk, *plan.columns] if with_pk else plan.columns
        names = ", ".join(quote(str(f.column)) for f in fields)
        head = f"INSERT INTO {quote(plan.model._meta.db_table)} ({names}) VALUES "
        row_marks = "(" + ", ".join([mark] * len(fields)) + ")"
        per_statement = max(1, _max_params() // len(fields))
        if connection.vendor == "postgresql":
            # A key with no sequence (_copy_rows): one array per column, as Django's bulk_create
            # does on PostgreSQL, a statement the server parses and plans once.
            head = f"INSERT INTO {quote(plan.model._meta.db_table)} ({names}) " + _unnest(fields, real)
            per_statement = len(group)
        with connection.cursor() as cursor:
            for start in range(0, len(group), per_statement):
                chunk = group[start : start + per_statement]
                params: list[Any] = []
                for record in chunk:
                    if with_pk:
                        params.append(plan.pk.get_db_prep_save(record.pk, real))
                    params += row(record)
                if connection.vendor == "postgresql":
                    sql, params = head, _columns(params, len(fields))
                else:
                    sql = head + ", ".join([row_marks] * len(chunk))
                if with_pk:
                    _execute(cursor, sql, params, direct=direct)
                else:
                    # RETURNING gives the keys in the order of the rows, as Django's bulk_create relies on.
                    _execute(cursor, f"{sql} RETURNING {quote(str(plan.pk.column))}", params, direct=direct)
                    for record, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                        record.__dict__[pk_name] = pk
        for record in group:
            record._state.adding = False
            record._state.db = connection.alias


def _copy_rows(plan: Plan, batch: Sequence[GmpRecord], row: Any) -> bool:
    """Write the records' rows with COPY (PostgreSQL), keys drawn first from the key's sequence; False if it has none.

    A key missing is taken with nextval, one per row in the order of the rows, as the INSERT's
    default would take it: the sequence ends where the INSERT would leave it.
    """
    quote = connection.ops.quote_name
    pk_name = plan.pk.attname
    table = quote(plan.model._meta.db_table)
    rows = [row(record) for record in batch]  # first: an unsaved related record is named before a key is taken
    unkeyed = [record for record in batch if record.__dict__[pk_name] is None]
    with connection.cursor() as cursor:
        if unkeyed:
            cursor.execute(
                "SELECT nextval(s) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass AS s) AS q, "
                "generate_series(1, %s) AS n WHERE s IS NOT NULL ORDER BY 1",
                [table, plan.pk.column, len(unkeyed)],
            )
            keys = cursor.fetchall()
            if len(keys) != len(unkeyed):
                return False  # no sequence (nothing taken): the INSERT's default gives the keys
            for record, (pk,) in zip(unkeyed, keys, strict=True):
                record.__dict__[pk_name] = pk
        names = ", ".join(quote(str(f.column)) for f in (plan.pk, *plan.columns))
        key = plan.pk.get_db_prep_save
        real = connections[connection.alias]
        _copy(
            cursor,
            f"COPY {table} ({names}) FROM STDIN",
            [[key(r.pk, real), *v] for r, v in zip(batch, rows, strict=True)],
        )
    for record in batch:
        record._state.adding = False
        record._state.db = connection.alias
    return True


def _copy(cursor: Any, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """Send rows with psycopg's COPY … FROM STDIN on the change's connection, in its transaction.

    COPY sends each value in PostgreSQL's text form, dumped by psycopg's C adapters: a statement's
    parameters are quoted into its text in Python (Django's client-side binding), arrays element
    by element, which cost more than the rest of the batch (docs/performance.md). A NUL in a text
    is refused by the same adapter as a parameter's.
    """
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        write = copy.write_row
        for values in rows:
            write(values)


def _unnest(fields: Sequence[Any], db: Any) -> str:
    """Return `SELECT * FROM UNNEST(%s::type[], …)` for the fields' columns."""
    return "SELECT * FROM UNNEST(" + ", ".join(f"%s::{f.db_type(db)}[]" for f in fields) + ")"


def _columns(flat: list[Any], width: int) -> list[list[Any]]:
    """Return the values of rows laid end to end (`width` a row) as one list per column."""
    return [flat[i::width] for i in range(width)]


def _insert_entries(count: int, node_count: int, entries: list[Any], nodes: list[Any], head_params: list[Any]) -> None:
    """Insert a batch's entries and tree nodes and move the head, each one statement."""
    from atmp.ledger.writer import ENTRY_COLUMNS, HEAD_UPDATE, _run

    direct = _direct()
    mark = "?" if direct else "%s"
    row = "(" + ", ".join([mark] * len(ENTRY_COLUMNS)) + ")"
    entry_sql = f"INSERT INTO ledger_auditentry ({', '.join(ENTRY_COLUMNS)}) VALUES " + ", ".join([row] * count)
    node_sql = 'INSERT INTO ledger_treenode (level, "index", hash) VALUES ' + ", ".join(
        [f"({mark}, {mark}, {mark})"] * node_count
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY (see _copy), in the change's transaction: all of it or nothing.
            width = len(ENTRY_COLUMNS)
            _copy(
                cursor,
                f"COPY ledger_auditentry ({', '.join(ENTRY_COLUMNS)}) FROM STDIN",
                [entries[i : i + width] for i in range(0, len(entries), width)],
            )
            _copy(
                cursor, 'COPY ledger_treenode (level, "index", hash) FROM STDIN', zip(*[iter(nodes)] * 3, strict=True)
            )
            _run(cursor, HEAD_UPDATE, head_params)
        else:
            _execute(cursor, entry_sql, entries, direct=direct)
            _execute(cursor, node_sql, nodes, direct=direct)
            _run(cursor, HEAD_UPDATE, head_params)
