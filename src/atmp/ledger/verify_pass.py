"""The entry pass of `atmp verify`, over one range of the ledger's positions.

A range is [start, stop) in seq order (positions, not seq values: a deleted entry shifts the
rest). Its pass rehashes every entry, checks seq, prev_hash and time order, builds the range's
complete RFC 6962 subtrees and compares each finished node with the stored `ledger_treenode` row,
and keeps what the later checks need. The whole ledger is one range; `verify_parallel` splits a
large one at power-of-two boundaries and `verify` merges the results (docs/adr/0003).

Entries are taken in chunks of CHUNK (aligned positions). A chunk's tree levels are hashed level
by level and compared with the stored rows in bulk; only when something differs is the chunk
redone leaf by leaf, which reports exactly what the leaf-by-leaf pass always reported.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from atmp.ledger.canonical import ZERO_HASH, entry_bytes
from atmp.ledger.signatures import VERSIONING_ACTIONS as VERSIONING

FAILURES_PER_KIND = 100  # a corrupted million-entry ledger must not print a million lines
BATCH = 5000
CHUNK_BITS = 12  # 4,096 entries per chunk
TOP = 64  # no tree level reaches this: the whole ledger's pass never stops merging

ENTRY_SQL = (
    "SELECT seq, at, actor_id, actor_name, actor_roles, action, record_type, record_id, "
    "record_version, reason, changes, snapshot_hash, prev_hash, hash FROM ledger_auditentry ORDER BY seq"
)
ENTRY_AFTER_SQL = ENTRY_SQL.replace(" ORDER BY", " WHERE seq >= %s ORDER BY") + " LIMIT %s"
# The writer's format, records.rfc3339: the date is checked for real (no 30 February) once per day.
AT_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z"
AT_FORMAT = re.compile(AT_PATTERN)
AT_LINES = re.compile(rf"(?:{AT_PATTERN}\n)*")  # a chunk's times, one per line, checked in one call
VERSIONING_ACTIONS = frozenset(VERSIONING)  # the entries that write a record version
CHECKPOINT_TYPE = "ledger.checkpoint"
END = (math.inf, None)  # ends every stored-node stream: compares greater than any index
# Failures that the entries and the stored tree show by themselves, naming the entry that is bad.
ENTRY_KINDS = frozenset({"seq", "hash", "chain", "time", "tree"})


@dataclass(frozen=True)
class Failure:
    """One thing that does not hold, naming the first entry (seq) or record it concerns."""

    kind: str
    seq: int | None
    record: str | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        """Return the failure as the JSON report shows it."""
        return {"kind": self.kind, "seq": self.seq, "record": self.record, "detail": self.detail}


def _seq_order(failure: Failure) -> float:
    return math.inf if failure.seq is None else failure.seq


class Failures:
    """Collects failures, keeping the FAILURES_PER_KIND with the lowest seq of each kind."""

    def __init__(self, sizes: set[int] | None = None) -> None:
        self.by_kind: dict[str, list[Failure]] = {}
        self.counts: dict[str, int] = {}
        # The first bad entry after each signed size, so that a checkpoint whose root fails can name
        # it; bounded by the number of checkpoints, not of failures.
        self.boundaries: list[int] = sorted((sizes or set()) | {0})
        self.first_bad: dict[int, int] = {}

    def first_bad_between(self, after: int, upto: int) -> int | None:
        """Return the lowest seq in (after, upto] that an entry or tree check found bad."""
        found = [s for b, s in self.first_bad.items() if b >= after and after < s <= upto]
        return min(found, default=None)

    def add(self, kind: str, seq: int | None, record: str | None, detail: str) -> None:
        """Record one failure."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if kind in ENTRY_KINDS and seq is not None:
            boundary = self.boundaries[bisect.bisect_left(self.boundaries, seq) - 1]  # largest size < seq
            if seq < self.first_bad.get(boundary, math.inf):
                self.first_bad[boundary] = seq
        kept = self.by_kind.setdefault(kind, [])
        kept.append(Failure(kind, seq, record, detail))
        if len(kept) > 2 * FAILURES_PER_KIND:
            kept.sort(key=_seq_order)  # stable: equal seqs keep the order they were found in
            del kept[FAILURES_PER_KIND:]

    def merge(self, other: Failures) -> None:
        """Add the failures another range's pass found (ranges are merged in seq order)."""
        for kind, kept in other.by_kind.items():
            mine = self.by_kind.setdefault(kind, [])
            mine.extend(kept)
            if len(mine) > 2 * FAILURES_PER_KIND:
                mine.sort(key=_seq_order)
                del mine[FAILURES_PER_KIND:]
        for kind, n in other.counts.items():
            self.counts[kind] = self.counts.get(kind, 0) + n
        for boundary, seq in other.first_bad.items():
            if seq < self.first_bad.get(boundary, math.inf):
                self.first_bad[boundary] = seq

    def result(self) -> tuple[list[Failure], dict[str, int]]:
        """Return the failures to list, in seq order, and how many of each kind were left out."""
        shown: list[Failure] = []
        omitted: dict[str, int] = {}
        for kind, kept in self.by_kind.items():
            kept.sort(key=_seq_order)
            shown.extend(kept[:FAILURES_PER_KIND])
            if self.counts[kind] > FAILURES_PER_KIND:
                omitted[kind] = self.counts[kind] - FAILURES_PER_KIND
        shown.sort(key=_seq_order)
        return shown, omitted


Run = list[Any]  # [first leaf, last leaf, nodes, first description]


class TreeRuns:
    """Merges stored-node discrepancies over adjacent leaves into one failure per run.

    A deleted entry shifts every later leaf, and one edited leaf changes every node above it:
    reporting each node would bury the first bad entry under consequences. A range's pass holds
    back its first run (the range before may continue it) and leaves its last one open.
    """

    def __init__(self, failures: Failures, *, hold_first: bool = False) -> None:
        self.failures = failures
        self.run: Run | None = None
        self.hold_first = hold_first
        self.first: Run | None = None

    def add(self, level: int, index: int, what: str) -> None:
        """Record that stored node level/index differs, is missing, or belongs to no entry."""
        lo, hi = index << level, ((index + 1) << level) - 1
        self.absorb([lo, hi, 1, f"node {level}/{index} {what}"])

    def absorb(self, run: Run) -> None:
        """Continue the open run with another one if adjacent, else close it and open this one."""
        current = self.run
        if current is not None and run[0] <= current[1] + 1:
            # Adjacent, or an ancestor of a node already reported: the run keeps its first leaf,
            # since an ancestor differs because of it.
            current[1], current[2] = max(current[1], run[1]), current[2] + run[2]
            return
        self.flush()
        self.run = list(run)

    def flush(self) -> None:
        """Report the open run."""
        if self.run is None:
            return
        if self.hold_first and self.first is None:
            self.first, self.run = self.run, None
            return
        lo, hi, nodes, first = self.run
        span = f"entry {lo + 1}" if lo == hi else f"entries {lo + 1}..{hi + 1}"
        more = f" ({nodes} stored nodes disagree; the first: {first})" if nodes > 1 else f" ({first})"
        self.failures.add(
            "tree", lo + 1, None, f"the stored Merkle tree over {span} is not the tree of the entries{more}"
        )
        self.run = None


@dataclass
class Start:
    """The pass's state after the entry before the range (for the first range: before entry 1)."""

    expected: int = 1
    prev_hash: str = ZERO_HASH
    prev_at: str = ""
    day: str = ""


class CannotSplit(Exception):
    """The entry before a range is too broken to start a range from it: verify in one pass."""


@dataclass
class RangeResult:
    """What one range's pass found, for the merge (picklable: it crosses processes)."""

    start: int
    top: int
    count: int = 0
    last_at: str = ""
    last_hash: str = ZERO_HASH
    stack: list[bytes] = field(default_factory=list)  # the range's complete subtrees, largest first
    stacks_at: dict[int, list[bytes]] = field(default_factory=dict)  # the same at each signed size
    failures: Failures = field(default_factory=Failures)
    first_run: Run | None = None
    last_run: Run | None = None
    last_snapshot: dict[tuple[str, str | None], tuple[str, int, int]] = field(default_factory=dict)
    version_snapshots: dict[tuple[str, str | None, int], str] = field(default_factory=dict)
    sign_entries: dict[int, tuple[str, str | None, int | None, int | None, str]] = field(default_factory=dict)
    checkpoint_entries: dict[str | None, tuple[int, str]] = field(default_factory=dict)


class NodeStream:
    """The stored nodes of one level, in index order, read in batches."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.rows: list[Any] = []
        self.pos = 0
        self.done = False

    def _fill(self, k: int) -> None:
        if len(self.rows) - self.pos >= k or self.done:
            return
        rows = self.rows[self.pos :]
        while len(rows) < k and not self.done:
            more = self.cursor.fetchmany(max(BATCH, k - len(rows)))
            self.done = not more
            rows.extend(more)
        self.rows, self.pos = rows, 0

    @classmethod
    def of(cls, rows: list[Any]) -> NodeStream:
        """Return a stream over rows already read."""
        stream = cls(None)
        stream.rows, stream.done = rows, True
        return stream

    def peek(self) -> Any:
        """Return the next row, or END."""
        self._fill(1)
        return self.rows[self.pos] if self.pos < len(self.rows) else END

    def advance(self) -> None:
        """Consume the row peek() returned."""
        self.pos += 1


class RangePass:
    """One range's entry pass: the checks of every entry and of the stored nodes over it."""

    def __init__(
        self,
        *,
        connection: Any,
        dense: bool,
        start: int,
        stop: int,
        top: int,
        sizes: set[int],
        signed_versions: set[tuple[str, str, int]],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.connection = connection
        self.dense = dense
        self.start, self.stop, self.top = start, stop, top
        self.sizes = sizes
        self.signed_versions = signed_versions
        self.progress = progress
        self.result = RangeResult(start=start, top=top, failures=Failures(sizes))
        self.fail = self.result.failures.add
        self.runs = TreeRuns(self.result.failures, hold_first=start > 0)
        self.stack: list[bytes] = []
        self.streams: dict[int, NodeStream] = {}  # the levels above a chunk, over the whole range
        self.chunk_rows: dict[int, NodeStream] = {}
        # SQLite keeps any value in any column: an index must also be checked to be an integer.
        # group_concat concatenates in the order the primary key's range scan gives, index order
        # (and any other order could only make the bytes differ, never match falsely).
        self.aggregates = (
            "count(*) FILTER (WHERE length(hash) <> 32), string_agg(hash, ''::bytea ORDER BY \"index\")"
            if connection.vendor == "postgresql"
            else "total(typeof(\"index\") <> 'integer' OR coalesce(length(hash), 0) <> 32), "
            "CAST(group_concat(hash, '') AS BLOB)"
        )
        self.cursors: list[Any] = []
        self.chunk = min(1 << CHUNK_BITS, 1 << top)

    def execute(self) -> RangeResult:
        """Run the pass; return what it found."""
        try:
            self._entries()
        finally:
            for cursor in self.cursors:
                cursor.close()
        result = self.result
        result.stack = self.stack
        result.first_run = self.runs.first
        result.last_run = self.runs.run
        return result

    def _cursor(self, sql: str, params: list[Any]) -> Any:
        cursor = self.connection.chunked_cursor()
        self.cursors.append(cursor)
        cursor.execute(sql, params)
        return cursor

    def _entries(self) -> None:
        start, stop = self.start, self.stop
        if start == 0:
            cursor = self._cursor(ENTRY_SQL + " LIMIT %s", [stop])
            state = Start()
        elif self.dense:  # seq n is at position n - 1: start at the entry before the range, by seq
            cursor = self._cursor(ENTRY_AFTER_SQL, [start, stop - start + 1])
            before = cursor.fetchone()
            if before is None or before[0] != start:
                raise CannotSplit(f"entry {start} is not where the seqs 1..n put it")
            state = self._start_after(before)
        else:  # OFFSET walks every row before the range: only the tests split such a ledger
            cursor = self._cursor(ENTRY_SQL + " LIMIT %s OFFSET %s", [stop - start + 1, start - 1])
            state = self._start_after(cursor.fetchone())
        pos = start
        while pos < stop:
            rows = cursor.fetchmany(min(self.chunk, stop - pos))
            if not rows:
                break
            leaves, state = self._check(rows, state)
            self._tree(leaves, pos)
            pos += len(rows)
            if self.progress is not None:
                self.progress(pos - start)
        self.result.count = pos - start
        self.result.last_at, self.result.last_hash = state.prev_at, state.prev_hash

    @staticmethod
    def _start_after(row: Any) -> Start:
        if row is None or type(row[0]) is not int:
            # The leaf-by-leaf pass would carry its expected seq over a non-numeric one: no range
            # can start after it without having read everything before.
            raise CannotSplit("the entry before the range has no numeric seq")
        seq, at, stored = row[0], row[1], row[13]
        return Start(expected=seq + 1, prev_hash=stored, prev_at=at, day=at[:10] if isinstance(at, str) else "")

    def _check(self, rows: list[Any], state: Start) -> tuple[list[bytes], Start]:
        """Check each entry of a chunk; return the leaf inputs and the state after it.

        The loop body is kept flat because it runs for every entry.
        """
        fail = self.fail
        sha256 = hashlib.sha256
        body_of = entry_bytes
        at_ok = AT_FORMAT.fullmatch
        result = self.result
        last_snapshot = result.last_snapshot
        version_snapshots = result.version_snapshots
        sign_entries = result.sign_entries
        checkpoint_entries = result.checkpoint_entries
        signed_versions = self.signed_versions
        versioning = VERSIONING_ACTIONS
        expected, prev_hash, prev_at, day = state.expected, state.prev_hash, state.prev_at, state.day
        try:
            # One regular-expression call for the whole chunk; per entry only if it fails.
            formats_ok = AT_LINES.fullmatch("".join([r[1] + "\n" for r in rows])) is not None
        except TypeError:
            formats_ok = False
        leaves: list[bytes] = []
        append = leaves.append
        for seq, at, aid, aname, roles, action, rtype, rid, rver, reason, changes, snap, prev, stored in rows:
            if seq != expected:
                self._seq_break(seq, expected)
                expected = seq + 1 if type(seq) is int else expected + 1
            else:
                expected += 1
            digest = sha256(
                body_of(seq, at, aid, aname, roles, action, rtype, rid, rver, reason, changes, snap, prev)
            ).digest()
            if digest.hex() != stored:
                digest = self._hash_mismatch(seq, rtype, rid, action, digest, stored)
            if prev != prev_hash:
                fail(
                    "chain",
                    seq,
                    None,
                    f"entry {seq}: prev_hash {prev[:16]}… is not the hash of the entry before ({prev_hash[:16]}…)",
                )
            if not (prev_at < at and (formats_ok or at_ok(at))):
                self._time_failure(seq, at, prev_at)
            if at[:10] != day:
                day = self._check_day(seq, at)
            prev_hash, prev_at = stored, at
            if snap and rver is not None:
                last_snapshot[rtype, rid] = (snap, rver, seq)
                if action in versioning and (rtype, rid, rver) in signed_versions:
                    version_snapshots[rtype, rid, rver] = snap
            if action == "sign":
                sign_entries[seq] = (rtype, rid, rver, aid, snap)
            elif action == "checkpoint" and rtype == CHECKPOINT_TYPE:
                checkpoint_entries[rid] = (seq, snap)
            append(digest)
        return leaves, Start(expected, prev_hash, prev_at, day)

    def _seq_break(self, seq: Any, expected: int) -> None:
        if type(seq) is not int:
            self.fail("seq", expected, None, f"the entry after {expected - 1} has seq {seq!r}, not a number")
        elif seq > expected:
            missing = f"entry {expected} is" if seq == expected + 1 else f"entries {expected}..{seq - 1} are"
            self.fail("seq", expected, None, f"{missing} missing: the next stored entry is {seq}")
        else:
            self.fail("seq", seq, None, f"entry {seq} comes after entry {expected - 1}: duplicated or out of order")

    def _hash_mismatch(self, seq: int, rtype: str, rid: str | None, action: str, digest: bytes, stored: str) -> bytes:
        self.fail(
            "hash", seq, None,
            f"entry {seq} ({action} {rtype}:{rid}) was changed: its fields hash to {digest.hex()[:16]}…, "
            f"its stored hash is {str(stored)[:16]}…",
        )  # fmt: skip
        # The tree is built over the stored hashes, which are what was chained and signed; the
        # changed content is this failure. A stored hash that is not even hex cannot be a leaf.
        try:
            leaf = bytes.fromhex(stored)
        except (TypeError, ValueError):
            return digest
        return leaf if len(leaf) == 32 else digest

    def _time_failure(self, seq: int, at: Any, prev_at: str) -> None:
        if not isinstance(at, str) or not AT_FORMAT.fullmatch(at):
            self.fail("time", seq, None, f"entry {seq}: at {at!r} is not a UTC time like 2026-01-31T12:00:00.000000Z")
        else:
            self.fail("time", seq, None, f"entry {seq}: at {at} is not after the entry before it ({prev_at})")

    def _check_day(self, seq: int, at: Any) -> str:
        day = at[:10] if isinstance(at, str) else ""
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            if AT_FORMAT.fullmatch(str(at)):  # a malformed one was reported by _time_failure
                self.fail("time", seq, None, f"entry {seq}: at {at} is not a real date")
        return day

    # --- the tree -----------------------------------------------------------------------------------

    def _stream(self, level: int) -> NodeStream:
        if level in self.chunk_rows:  # a level inside the chunk being compared leaf by leaf
            return self.chunk_rows[level]
        if level not in self.streams:
            self.streams[level] = self._open_level(level)
        return self.streams[level]

    def _bounds(self, level: int, pos: int, n: int) -> tuple[str, list[int]]:
        """Return the WHERE clause for the stored nodes of level inside the chunk of n leaves at pos."""
        if pos == 0:  # the first chunk also meets stray rows below index 0
            return 'level = %s AND "index" < %s', [level, (pos + n) >> level]
        return 'level = %s AND "index" >= %s AND "index" < %s', [level, pos >> level, (pos + n) >> level]

    def _open_level(self, level: int) -> NodeStream:
        # Only the nodes complete within this range: the merge compares the ones above it, and the
        # nodes past the end of the ledger (belonging to no entry) are reported after the passes.
        lo, hi = self.start >> level, self.stop >> level
        if self.start == 0:  # the first range also meets stray rows below index 0
            sql, params = 'WHERE level = %s AND "index" < %s', [level, hi]
        else:
            sql, params = 'WHERE level = %s AND "index" >= %s AND "index" < %s', [level, lo, hi]
        return NodeStream(self._cursor(f'SELECT "index", hash FROM ledger_treenode {sql} ORDER BY "index"', params))

    def _tree(self, leaves: list[bytes], pos: int) -> None:
        """Add a chunk's leaves to the tree, comparing every node it finishes with its stored row."""
        stack_before = list(self.stack)
        levels = self._levels(leaves)
        if self._stored_match(levels, pos):
            n = len(leaves)
            self._roots_in(levels, pos, n, stack_before)
            top_level = len(levels) - 1
            if n == 1 << top_level == self.chunk:  # a complete chunk: merge its root upwards
                self._merge_up(levels[top_level][0], top_level, pos >> top_level)
            else:  # the last, partial chunk: its complete subtrees join the right edge
                self.stack.extend(levels[lvl][-1] for lvl in reversed(range(len(levels))) if (n >> lvl) & 1)
            return
        # Something differs: redo the chunk leaf by leaf against its stored rows, which names each
        # discrepancy in the order the leaf-by-leaf pass always did.
        self.stack[:] = stack_before
        for level in range(len(levels)):
            where, params = self._bounds(level, pos, len(leaves))
            with self.connection.cursor() as cursor:
                cursor.execute(f'SELECT "index", hash FROM ledger_treenode WHERE {where} ORDER BY "index"', params)
                self.chunk_rows[level] = NodeStream.of(cursor.fetchall())
        sha256 = hashlib.sha256
        sizes = self.sizes
        try:
            for i, leaf_input in enumerate(leaves):
                node = sha256(b"\x00" + leaf_input).digest()
                self._compare(0, pos + i, node)
                self._merge_up(node, 0, pos + i)
                if pos + i + 1 in sizes:
                    self.result.stacks_at[pos + i + 1] = list(self.stack)
        finally:
            self.chunk_rows.clear()

    @staticmethod
    def _levels(leaves: list[bytes]) -> list[list[bytes]]:
        """Return the chunk's complete subtrees' hashes, level by level (the chunk is aligned)."""
        sha256 = hashlib.sha256
        level = [sha256(b"\x00" + x).digest() for x in leaves]
        levels = [level]
        while len(level) > 1:
            level = [sha256(b"\x01" + a + b).digest() for a, b in zip(level[0::2], level[1::2], strict=False)]
            levels.append(level)
        return levels

    def _stored_match(self, levels: list[list[bytes]], pos: int) -> bool:
        """Return True if the stored rows of the chunk's levels are exactly its nodes, in index order.

        One statement for all levels: per level the number of rows, how many have a non-integer
        index or a hash that is not 32 bytes, and every hash concatenated in index order. Equal
        counts of 32-byte hashes at integer indexes inside the bounds, concatenated to the same
        bytes, are the same nodes; anything else is compared leaf by leaf.
        """
        n = len(levels[0])
        parts, params = [], []
        for level in range(len(levels)):
            where, bounds = self._bounds(level, pos, n)
            parts.append(f"SELECT %s, count(*), {self.aggregates} FROM ledger_treenode WHERE {where}")
            params += [level, *bounds]
        with self.connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            found = {int(level): (count, bad, blob) for level, count, bad, blob in cursor.fetchall()}
        for level, hashes in enumerate(levels):
            count, bad, blob = found[level]
            if count != len(hashes) or bad or blob is None or bytes(blob) != b"".join(hashes):
                return False
        return True

    def _roots_in(self, levels: list[list[bytes]], pos: int, n: int, stack_before: list[bytes]) -> None:
        """Keep the right edge at every signed size inside the chunk (for the checkpoint roots)."""
        for size in self.sizes:
            m = size - pos
            if 0 < m <= n:
                edge = [levels[lvl][(m >> lvl) - 1] for lvl in reversed(range(len(levels))) if (m >> lvl) & 1]
                self.result.stacks_at[size] = stack_before + edge

    def _merge_up(self, node: bytes, level: int, index: int) -> None:
        """Push a finished subtree; merge it with its left sibling while it is a right child."""
        stack = self.stack
        sha256 = hashlib.sha256
        while level < self.top and index & 1:
            node = sha256(b"\x01" + stack.pop() + node).digest()
            level, index = level + 1, index >> 1
            self._compare(level, index, node)
        stack.append(node)

    def _compare(self, level: int, index: int, node: bytes) -> None:
        compare_node(self._stream(level), self.runs, level, index, node)


def compare_node(stream: NodeStream, runs: TreeRuns, level: int, index: int, node: bytes) -> None:
    """Compare a node the entries give with the next stored row of its level; report what differs."""
    row = stream.peek()
    if row[0] == index and row[1] == node:
        stream.advance()
        return
    while row[0] < index:  # a stored node no leaf produced (stored rows come in index order)
        runs.add(level, int(row[0]), "is stored but belongs to no entry")
        stream.advance()
        row = stream.peek()
    if row[0] == index:
        if bytes(row[1]) != node:
            runs.add(level, index, "differs")
        stream.advance()
    else:
        runs.add(level, index, "is missing")
