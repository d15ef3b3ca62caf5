"""The one write path: every GMP change appends a hash-chained entry in the same transaction.

Usage, from a service:

    with ledger.change(actor=user, reason="typo in the site name") as ch:
        site.name = "Leiden"
        site.save()            # audited: field diff, new version, snapshot hash, entry
        ch.event(action="login", ...)   # an entry that is not a record version
"""

from __future__ import annotations

import contextvars
import datetime as dt
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite's busy timeout alone
    fcntl = None  # type: ignore[assignment]
from django.db import connection, transaction

from atmp.ledger import clock, merkle
from atmp.ledger.actors import SYSTEM, Actor, ActsInLedger, actor_of
from atmp.ledger.canonical import dumps, dumps_text, entry_bytes, sha256_hex
from atmp.ledger.errors import LedgerBypass, NothingChanged, ReasonRequired, RecordVoided, StaleRecord
from atmp.ledger.models import AuditEntry
from atmp.ledger.records import rfc3339

if TYPE_CHECKING:
    from atmp.ledger.records import GmpRecord

_current: contextvars.ContextVar[Change | None] = contextvars.ContextVar("atmp_ledger_change", default=None)
ONE_MICROSECOND = dt.timedelta(microseconds=1)
ENTRY_COLUMNS = (
    "seq", "at", "actor_id", "actor_name", "actor_roles", "action", "record_type", "record_id", "record_version",
    "reason", "changes", "snapshot_hash", "prev_hash", "hash",
)  # fmt: skip
ENTRY_INSERT = (
    f"INSERT INTO ledger_auditentry ({', '.join(ENTRY_COLUMNS)}) VALUES ({', '.join(['%s'] * len(ENTRY_COLUMNS))})"
)
NODE_INSERT = 'INSERT INTO ledger_treenode (level, "index", hash) VALUES '
HEAD_UPDATE = "UPDATE ledger_ledgerhead SET size = %s, hash = %s, at = %s, frontier = %s WHERE id = 1"
HEAD_READ = "SELECT size, hash, at, frontier FROM ledger_ledgerhead WHERE id = 1"
HEAD_LOCK = HEAD_READ + " FOR UPDATE"

VERSION_FIELD = "version"


class _Head:
    """The chain head, locked for the rest of the transaction once read."""

    def __init__(self, size: int, hash_: str, at: str, frontier: list[bytes]) -> None:
        self.size = size
        self.hash = hash_
        self.at = at
        self.frontier = frontier

    @classmethod
    def lock(cls) -> _Head:
        # On PostgreSQL FOR UPDATE serialises appends on this row; on SQLite the IMMEDIATE
        # transaction already holds the database's write lock (atmp.config).
        sql = HEAD_LOCK if connection.vendor == "postgresql" else HEAD_READ
        with connection.cursor() as cursor:
            # A raw read: this runs on every append, and the ORM costs ~25× more here (bench/).
            _run(cursor, sql, ())
            size, hash_, at, frontier = cursor.fetchone()
        return cls(int(size), hash_, at, frontier_from_bytes(bytes(frontier)))


_QMARK: dict[str, str] = {}  # the appends' statements in sqlite3's placeholder style


def _run(cursor: Any, sql: str, params: Sequence[Any]) -> None:
    """Run one statement of an append on the driver's cursor, unless something watches Django's.

    Django's cursor wrapper costs ~13 µs a statement (bench/), four times per audited write. When
    queries are logged (DEBUG, CaptureQueriesContext) or wrapped, it runs them as it runs every
    other; otherwise the driver does, with Django's checks and its database errors kept.
    """
    if connection.queries_logged or connection.execute_wrappers:
        cursor.execute(sql, params)
        return
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors:
        if connection.vendor == "sqlite":
            qmark = _QMARK.get(sql)
            if qmark is None:  # these statements hold no % but their placeholders
                qmark = _QMARK[sql] = sql.replace("%s", "?")
            sqlite3.Cursor.execute(cursor.cursor, qmark, params)
        else:
            cursor.cursor.execute(sql, params)


def _parse_at(text: str) -> dt.datetime:
    """Return the time of an entry's `at`, which records.rfc3339 wrote."""
    if len(text) == 27 and text[10] == "T" and text[-1] == "Z":
        return dt.datetime.fromisoformat(text)  # ~20× faster than strptime, on every write
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)  # or its error


def frontier_from_bytes(blob: bytes) -> list[bytes]:
    """Split the stored right edge of the tree into its 32-byte subtree hashes."""
    return [blob[i : i + 32] for i in range(0, len(blob), 32)]


class Change:
    """One unit of audited work: an actor, a reason, and the entries it appends."""

    def __init__(self, actor: Actor, reason: str) -> None:
        self.actor = actor
        self.reason = reason.strip()
        self._head: _Head | None = None
        self.entries: list[AuditEntry] = []

    def save(self, record: GmpRecord, *, action: str | None = None) -> AuditEntry:
        """Write the record and append its entry: a create, or a versioned change with a reason."""
        head = self._lock()
        at = self._next_at(head)
        if record._state.adding:
            record.check_change(None, action or "create")
            record.version = 1
            record.created_at = at
            record.created_by_id = self.actor.id  # type: ignore[attr-defined]
            record._save_unaudited(force_insert=True)
            new = record.snapshot()
            record.remember_snapshot(new)
            changes = {k: [None, v] for k, v in new.items() if v is not None and k != VERSION_FIELD}
            return self._append(head, at, action or "create", record, changes, sha256_hex_of(new), self.reason)
        if not self.reason:
            raise ReasonRequired(
                f"{record.record_key}: a reason is required for every change after creation (Annex 11 §9)"
            )
        old = record.loaded_snapshot()
        if old is None:  # not loaded from the database by this instance: read the stored row
            old = type(record)._base_manager.get(pk=record.pk).snapshot()
        read_version = old[VERSION_FIELD]
        if old.get("voided"):
            # A voided record stays as it was voided: no edit, no un-voiding (DESIGN principle 1).
            raise RecordVoided(
                f"{record.record_key} is voided (version {read_version}): a voided record cannot be changed"
            )
        record.check_change(old, action or ("void" if record.voided and not old.get("voided") else "update"))
        if read_version != record.version:
            # The caller says which version its user saw (the web form, the API's `version`).
            raise StaleRecord(
                f"{record.record_key}: changed by someone else since it was read "
                f"(version {record.version} read, {read_version} stored); reload and try again"
            )
        record.version = read_version + 1
        new = record.snapshot()
        changes = {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v and k != VERSION_FIELD}
        if not changes:
            record.version = read_version
            raise NothingChanged(f"{record.record_key}: no field changed, so there is nothing to record")
        if action is None:
            action = "void" if changes.get("voided") == [False, True] else "update"
        # Optimistic concurrency in one statement: the row is written only if nobody changed it
        # since it was read; the UPDATE also locks it until the transaction ends.
        fields = {f.attname: getattr(record, f.attname) for f in record._meta.concrete_fields if not f.primary_key}
        if type(record)._base_manager.filter(pk=record.pk, version=read_version).update(**fields) != 1:
            record.version = read_version
            raise StaleRecord(
                f"{record.record_key}: changed by someone else since it was read "
                f"(version {read_version} read); reload and try again"
            )
        record.remember_snapshot(new)
        return self._append(head, at, action, record, changes, sha256_hex_of(new), self.reason)

    def create_many(self, records: Iterable[GmpRecord], *, action: str = "create", batch_size: int = 1000) -> int:
        """Create many new records of one model, each with the entry save() would write, in batches (ADR 0016).

        The entries are not kept in `entries` (a million AuditEntry objects); returns how many records.
        """
        from atmp.ledger import batch

        return batch.create_many(self, records, action=action, batch_size=batch_size)

    def event(
        self,
        *,
        action: str,
        record_type: str,
        record_id: str | None,
        changes: Mapping[str, Any] | None = None,
        record_version: int | None = None,
        snapshot_hash: str = "",
        reason: str | None = None,
        checkpoint: bool = True,
    ) -> AuditEntry:
        """Append an entry that is not a record save (a login, a signature, a checkpoint)."""
        head = self._lock()
        at = self._next_at(head)
        return self._write(
            head,
            at=at,
            action=action,
            record_type=record_type,
            record_id=record_id,
            record_version=record_version,
            reason=self.reason if reason is None else reason,
            changes=dict(changes or {}),
            snapshot_hash=snapshot_hash,
            checkpoint=checkpoint,
        )

    @contextmanager
    def by_atmp(self, reason: str) -> Iterator[Change]:
        """Write what the block saves as atmp itself (the system actor), with its own reason, in this change.

        A record atmp opens for a person's signed decision (a batch's disposition, ADR 0028) is written
        in that decision's transaction, so a refused signature leaves neither; nobody authors it.
        """
        actor, why = self.actor, self.reason
        self.actor, self.reason = SYSTEM, reason.strip()
        try:
            yield self
        finally:
            self.actor, self.reason = actor, why

    def hold(self) -> None:
        """Take the ledger's append lock now: every other writer waits until this change ends.

        A service that derives a value from what is stored (the next record number) takes it
        first, so that no concurrent change derives the same value.
        """
        self._lock()

    def cut_off(self) -> dt.datetime:
        """Return an instant after every entry written so far and not after any written from now on.

        It takes the ledger's append lock (as `hold`), so no concurrent change can append an entry
        before it: what is computed "as of" it now stays the same when computed again later.
        """
        head = self._lock()
        now = clock.now()
        return max(now, _parse_at(head.at) + ONE_MICROSECOND) if head.at else now

    def _lock(self) -> _Head:
        if self._head is None:
            self._head = _Head.lock()
        return self._head

    @staticmethod
    def _next_at(head: _Head) -> dt.datetime:
        # Distinct, ordered, server-generated times: never equal to or before the previous entry.
        now = clock.now()
        if head.at:
            floor = _parse_at(head.at) + ONE_MICROSECOND
            now = max(now, floor)
        head.at = rfc3339(now)
        return now

    def _append(
        self,
        head: _Head,
        at: dt.datetime,
        action: str,
        record: GmpRecord,
        changes: dict[str, Any],
        snap: str,
        reason: str,
    ) -> AuditEntry:
        return self._write(
            head,
            at=at,
            action=action,
            record_type=record.record_type(),
            record_id=str(record.pk),
            record_version=record.version,
            reason=reason,
            changes=changes,
            snapshot_hash=snap,
            checkpoint=True,
        )

    def _write(
        self,
        head: _Head,
        *,
        at: dt.datetime,
        action: str,
        record_type: str,
        record_id: str | None,
        record_version: int | None,
        reason: str,
        changes: dict[str, Any],
        snapshot_hash: str,
        checkpoint: bool,
    ) -> AuditEntry:
        seq = head.size + 1
        at_text = rfc3339(at)
        roles = dumps_text(list(self.actor.roles))
        changes_text = dumps_text(changes)
        body = entry_bytes(
            seq,
            at_text,
            self.actor.id,
            self.actor.name,
            roles,
            action,
            record_type,
            record_id,
            record_version,
            reason,
            changes_text,
            snapshot_hash,
            head.hash,
        )
        entry_hash = sha256_hex(body)
        columns: list[Any] = [
            seq, at_text, self.actor.id, self.actor.name, roles, action, record_type, record_id, record_version,
            reason, changes_text, snapshot_hash, head.hash, entry_hash,
        ]  # fmt: skip
        # Positional, in ENTRY_COLUMNS order (the model's field order): Model.__init__ with
        # keywords costs several times more, on every write.
        entry = AuditEntry(*columns)  # type: ignore[misc]  # django-stubs type the fields one by one
        nodes = _extend_frontier(head.frontier, head.size, bytes.fromhex(entry_hash))
        node_insert = NODE_INSERT + ", ".join(["(%s, %s, %s)"] * len(nodes))
        node_params: list[Any] = [v for node in nodes for v in node]
        head_params: list[Any] = [seq, entry_hash, at_text, b"".join(head.frontier)]
        with connection.cursor() as cursor:
            # Raw statements: this is the hot path of every GMP write (ORM save ~6× slower, bench/).
            if connection.vendor == "postgresql":
                # One statement, one round trip to the server instead of three (data-modifying CTEs
                # run in the same transaction, all or none).
                _run(
                    cursor,
                    f"WITH entry AS ({ENTRY_INSERT}), nodes AS ({node_insert}) {HEAD_UPDATE}",
                    [*columns, *node_params, *head_params],
                )
            else:  # SQLite runs in this process: a statement costs no round trip
                _run(cursor, ENTRY_INSERT, columns)
                _run(cursor, node_insert, node_params)
                _run(cursor, HEAD_UPDATE, head_params)
        entry._state.adding = False
        entry._state.db = connection.alias
        head.size, head.hash = seq, entry_hash
        self.entries.append(entry)
        if checkpoint and seq % settings.ATMP_CHECKPOINT_INTERVAL == 0:
            from atmp.ledger import checkpoints

            checkpoints.sign_in_change(self)
        return entry


def _extend_frontier(frontier: list[bytes], size: int, leaf_input: bytes) -> list[tuple[int, int, bytes]]:
    """Append one leaf to the right edge in place; return the complete subtrees it finished."""
    node = merkle.leaf_hash(leaf_input)
    level, index = 0, size
    finished = [(0, index, node)]
    while index & 1:
        node = merkle.node_hash(frontier.pop(), node)
        level, index = level + 1, index >> 1
        finished.append((level, index, node))
    frontier.append(node)
    return finished


def sha256_hex_of(snapshot: dict[str, Any]) -> str:
    """Return the snapshot hash of a record snapshot."""
    return sha256_hex(dumps(snapshot))


@contextmanager
def change(*, actor: ActsInLedger | None, reason: str = "") -> Iterator[Change]:
    """Open an audited change: records saved inside it are written with their ledger entries, atomically."""
    outer = _current.get()
    if outer is not None:
        # A service called from another service joins the outer change (one transaction, one lock).
        yield outer
        return
    ch = Change(actor_of(actor), reason)
    with appends_in_turn(), transaction.atomic():
        token = _current.set(ch)
        try:
            yield ch
        finally:
            _current.reset(token)


_lock_files = threading.local()


@contextmanager
def appends_in_turn() -> Iterator[None]:
    """On a SQLite file, queue appenders on a kernel file lock so that they take turns.

    SQLite's busy handler polls with growing sleeps (up to 100 ms) while the writer holding the
    lock commits and begins its next transaction within microseconds, so under sustained load a
    waiting writer could starve for seconds (measured: single waits of 2.5 to 10 s with 4 to 6
    writers, 0.3 to 0.7 s with this lock; docs/performance.md). A blocking flock wakes the next
    waiter as soon as the lock is released. Each thread opens its own descriptor, because flock
    does not exclude holders of the same open file. PostgreSQL queues lock waiters itself, so nothing is needed there.
    """
    path = _append_lock_path()
    if path is None or fcntl is None:
        yield
        return
    fd = getattr(_lock_files, path, None)
    if fd is None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        setattr(_lock_files, path, fd)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _append_lock_path() -> str | None:
    if connection.vendor != "sqlite" or not settings.ATMP_SQLITE_APPEND_LOCK:
        return None
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None  # an in-memory database (the test suite's) has one connection at a time
    return name + "-append.lock"


def save_record(record: GmpRecord, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Route GmpRecord.save() into the current change, or refuse it."""
    ch = _current.get()
    if ch is None:
        raise LedgerBypass(
            f"{record.record_type()}:{record.pk}: GMP records are saved only inside ledger.change(actor, reason)"
        )
    if args or set(kwargs) - {"force_insert", "force_update", "using"}:
        raise LedgerBypass(f"{record.record_type()}: partial saves (update_fields) bypass the audited snapshot")
    ch.save(record)
