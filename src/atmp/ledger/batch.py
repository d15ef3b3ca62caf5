"""Many new records of one model in one audited change: rows in bulk, each record with its own entry.

`Change.create_many` (docs/adr/0016) writes what `Change.save` writes for each create (version 1,
created_at and created_by, the snapshot, one entry with every field, its tree nodes), so that the
ledger cannot tell the two apart, but a batch at a time: the rows in one bulk INSERT, the entries
in one multi-row INSERT, the tree nodes in another, the head once. Entries carry consecutive
microsecond times from one reading of the clock, as `Change.save` gives when it writes faster than
the clock ticks. A batch ends where a checkpoint falls due, so checkpoints are signed at the same
sizes as one-by-one saves sign them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, models

from atmp.ledger import clock
from atmp.ledger.canonical import dumps, dumps_text, entry_bytes
from atmp.ledger.records import GmpRecord, rfc3339, to_json

if TYPE_CHECKING:
    from atmp.ledger.writer import Change, _Head

# A batch's entries and nodes go in one statement each: 14 values an entry, 3 a node (about two
# nodes an entry), within SQLite's 32 766 bound variables and PostgreSQL's 65 535.
MAX_BATCH = 2000
DEFAULT_BATCH = 1000
_NODE_PREFIX = b"\x01"
_LEAF_PREFIX = b"\x00"


def create_many(ch: Change, records: Iterable[GmpRecord], *, action: str = "create", batch_size: int = DEFAULT_BATCH) -> int:
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
    snapshot = snapshot_function(model)
    done = 0
    while done < len(pending):
        head = ch._lock()
        # End the batch where a checkpoint falls due, as _write signs one after that entry.
        room = interval - head.size % interval
        batch = pending[done : done + min(size, room)]
        _write_batch(ch, head, model, batch, action, snapshot)
        done += len(batch)
        if head.size % interval == 0:
            checkpoints.sign_in_change(ch)
    return done


def snapshot_function(model: type[GmpRecord]) -> Callable[[GmpRecord], dict[str, Any]]:
    """Return a function that gives what `record.snapshot()` gives, with the per-field work decided once."""
    plan: list[tuple[str, Any]] = []
    for field in model._meta.concrete_fields:
        if field.attname in model.unaudited_fields:
            continue
        if isinstance(field, models.DecimalField):
            plan.append((field.attname, Decimal(1).scaleb(-(field.decimal_places or 0))))
        else:
            plan.append((field.attname, None))
    simple = (str, int, bool, type(None))

    def snapshot(record: GmpRecord) -> dict[str, Any]:
        values = record.__dict__
        out: dict[str, Any] = {}
        for name, places in plan:
            value = values[name]
            if places is not None and value is not None:
                out[name] = str(Decimal(value).quantize(places))
            elif type(value) in simple:
                out[name] = value
            else:
                out[name] = to_json(value)
        return out

    return snapshot


def _times(head: _Head, count: int) -> list[tuple[dt.datetime, str]]:
    """Return `count` distinct, ordered times after the head's, from one reading of the clock."""
    from atmp.ledger.writer import ONE_MICROSECOND, _parse_at

    start = clock.now()
    if head.at:
        start = max(start, _parse_at(head.at) + ONE_MICROSECOND)
    out = []
    moment = start
    second = moment.replace(microsecond=0)
    prefix = rfc3339(second)[:-7]  # "2026-12-05T15:00:00.", without the microseconds and Z
    for _ in range(count):
        if moment.replace(microsecond=0) != second:
            second = moment.replace(microsecond=0)
            prefix = rfc3339(second)[:-7]
        out.append((moment, f"{prefix}{moment.microsecond:06d}Z"))
        moment += ONE_MICROSECOND
    return out


def _write_batch(
    ch: Change,
    head: _Head,
    model: type[GmpRecord],
    batch: Sequence[GmpRecord],
    action: str,
    snapshot: Callable[[GmpRecord], dict[str, Any]],
) -> None:
    actor_id = ch.actor.id
    times = _times(head, len(batch))
    for record, (moment, _text) in zip(batch, times, strict=True):
        record.check_change(None, action)
        record.version = 1
        record.created_at = moment
        record.created_by_id = actor_id  # type: ignore[attr-defined]
    # The rows: Django's own bulk INSERT (GmpQuerySet refuses it to everyone else), which gives
    # back the primary keys that the snapshots and entries name.
    models.QuerySet(model=model).bulk_create(batch)
    actor_name = ch.actor.name
    roles = dumps_text(list(ch.actor.roles))
    reason = ch.reason
    record_type = model.record_type()
    sha256 = hashlib.sha256
    frontier = head.frontier
    size = head.size
    prev = head.hash
    entries: list[Any] = []
    nodes: list[Any] = []
    for record, (_moment, at_text) in zip(batch, times, strict=True):
        new = snapshot(record)
        record.remember_snapshot(new)
        snap = sha256(dumps(new)).hexdigest()
        changes = dumps_text({k: [None, v] for k, v in new.items() if v is not None and k != "version"})
        seq = size + 1
        record_id = str(record.pk)
        body = entry_bytes(
            seq, at_text, actor_id, actor_name, roles, action, record_type, record_id, 1, reason, changes, snap, prev
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
    _insert(len(batch), len(nodes) // 3, entries, nodes, head_params)
    head.size, head.hash, head.at = size, prev, times[-1][1]


def _insert(count: int, node_count: int, entries: list[Any], nodes: list[Any], head_params: list[Any]) -> None:
    """Insert a batch's entries and tree nodes and move the head, each one statement."""
    from atmp.ledger.writer import ENTRY_COLUMNS, HEAD_UPDATE, _run

    direct = connection.vendor == "sqlite" and not (connection.queries_logged or connection.execute_wrappers)
    mark = "?" if direct else "%s"
    row = "(" + ", ".join([mark] * len(ENTRY_COLUMNS)) + ")"
    entry_sql = f"INSERT INTO ledger_auditentry ({', '.join(ENTRY_COLUMNS)}) VALUES " + ", ".join([row] * count)
    node_sql = 'INSERT INTO ledger_treenode (level, "index", hash) VALUES ' + ", ".join(
        [f"({mark}, {mark}, {mark})"] * node_count
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement, one round trip (as writer._write): all of it or nothing.
            _run(cursor, f"WITH e AS ({entry_sql}), n AS ({node_sql}) {HEAD_UPDATE}", [*entries, *nodes, *head_params])
        elif direct:
            # SQLite in this process, nothing watching Django's cursor: the driver runs them (writer._run),
            # without writer's cache of statements, which would keep one text per batch length.
            connection.validate_no_broken_transaction()
            with connection.wrap_database_errors:
                sqlite3.Cursor.execute(cursor.cursor, entry_sql, entries)
                sqlite3.Cursor.execute(cursor.cursor, node_sql, nodes)
            _run(cursor, HEAD_UPDATE, head_params)
        else:
            cursor.execute(entry_sql, entries)
            cursor.execute(node_sql, nodes)
            cursor.execute(HEAD_UPDATE, head_params)
