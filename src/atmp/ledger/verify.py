"""`atmp verify`: recompute the chain, the Merkle tree, the checkpoints, record snapshots and signatures.

One streaming pass over the audit entries (a raw cursor, no model instances) rehashes every entry,
checks seq, prev_hash and time order, rebuilds the RFC 6962 tree as a stack of complete-subtree
hashes and compares every node it finishes with the stored `ledger_treenode` row, and keeps what
the later checks need: each record's last snapshot, the signed versions' snapshots, the `sign` and
`checkpoint` entries, and the tree root at every checkpoint size. Then the head, the checkpoints
(stored, and exported ones kept elsewhere), the record rows and the signatures are checked
against what the pass found. docs/tamper-evidence.md says which tampering each check catches.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from atmp.ledger import keys, note, signatures
from atmp.ledger.canonical import ZERO_HASH, entry_bytes
from atmp.ledger.errors import LedgerError
from atmp.ledger.merkle import EMPTY_ROOT, hash_from_perfect
from atmp.ledger.models import Checkpoint, Signature
from atmp.ledger.records import GmpRecord, gmp_models, to_json

FAILURES_PER_KIND = 100  # a corrupted million-entry ledger must not print a million lines
BATCH = 5000

ENTRY_SQL = (
    "SELECT seq, at, actor_id, actor_name, actor_roles, action, record_type, record_id, "
    "record_version, reason, changes, snapshot_hash, prev_hash, hash FROM ledger_auditentry ORDER BY seq"
)
LEVEL_SQL = 'SELECT "index", hash FROM ledger_treenode WHERE level = %s ORDER BY "index"'
HIGHER_LEVELS_SQL = 'SELECT level, "index" FROM ledger_treenode WHERE level >= %s ORDER BY level, "index"'

# The writer's format, records.rfc3339: the date is checked for real (no 30 February) once per day.
AT_FORMAT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z")
AUTHORING_ACTIONS = frozenset(signatures.AUTHORING_ACTIONS)
CHECKPOINT_TYPE = "ledger.checkpoint"
_END = (math.inf, None)  # ends every stored-node stream: compares greater than any index
# Failures that the entries and the stored tree show by themselves, naming the entry that is bad.
ENTRY_KINDS = frozenset({"seq", "hash", "chain", "time", "tree"})


class VerifyInputError(LedgerError):
    """The verification was asked for something unusable (a missing checkpoint directory)."""


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


@dataclass
class Report:
    """The outcome of a verification: what was checked and every failure (capped per kind)."""

    entries: int = 0
    records: int = 0
    signatures: int = 0
    checkpoints: int = 0
    checkpoint_files: int = 0
    failures: list[Failure] = field(default_factory=list)
    omitted: dict[str, int] = field(default_factory=dict)  # failures left out of the list, by kind

    @property
    def ok(self) -> bool:
        """Return True when nothing failed."""
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        """Return the report as `atmp verify --json` prints it."""
        return {
            "ok": self.ok,
            "entries": self.entries,
            "records": self.records,
            "signatures": self.signatures,
            "checkpoints": self.checkpoints,
            "checkpoint_files": self.checkpoint_files,
            "failures": [f.as_dict() for f in self.failures],
            "omitted": dict(self.omitted),
        }


def _seq_order(failure: Failure) -> float:
    return math.inf if failure.seq is None else failure.seq


class _Failures:
    """Collects failures, keeping the FAILURES_PER_KIND with the lowest seq of each kind."""

    def __init__(self) -> None:
        self.by_kind: dict[str, list[Failure]] = {}
        self.counts: dict[str, int] = {}
        # The first bad entry after each signed size, so that a checkpoint whose root fails can name
        # it (set_boundaries gives the sizes); bounded by the number of checkpoints, not of failures.
        self.boundaries: list[int] = [0]
        self.first_bad: dict[int, int] = {}

    def set_boundaries(self, sizes: set[int]) -> None:
        self.boundaries = sorted(sizes | {0})

    def first_bad_between(self, after: int, upto: int) -> int | None:
        """Return the lowest seq in (after, upto] that an entry or tree check found bad."""
        found = [s for b, s in self.first_bad.items() if b >= after and after < s <= upto]
        return min(found, default=None)

    def add(self, kind: str, seq: int | None, record: str | None, detail: str) -> None:
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

    def result(self) -> tuple[list[Failure], dict[str, int]]:
        shown: list[Failure] = []
        omitted: dict[str, int] = {}
        for kind, kept in self.by_kind.items():
            kept.sort(key=_seq_order)
            shown.extend(kept[:FAILURES_PER_KIND])
            if self.counts[kind] > FAILURES_PER_KIND:
                omitted[kind] = self.counts[kind] - FAILURES_PER_KIND
        shown.sort(key=_seq_order)
        return shown, omitted


@dataclass
class _Pinned:
    """A signed tree head to check the ledger against: a stored checkpoint or an exported file."""

    source: str  # "stored checkpoint 1000" or the file's path
    size: int
    root: bytes
    stored: Checkpoint | None = None


class _TreeRuns:
    """Merges stored-node discrepancies over adjacent leaves into one failure per run.

    A deleted entry shifts every later leaf, and one edited leaf changes every node above it:
    reporting each node would bury the first bad entry under consequences.
    """

    def __init__(self, failures: _Failures) -> None:
        self.failures = failures
        self.run: list[Any] | None = None  # [first leaf, last leaf, nodes, first description]

    def add(self, level: int, index: int, what: str) -> None:
        lo, hi = index << level, ((index + 1) << level) - 1
        run = self.run
        if run is not None and lo <= run[1] + 1:
            # Adjacent, or an ancestor of a node already reported: the run keeps its first leaf,
            # since an ancestor differs because of it.
            run[1], run[2] = max(run[1], hi), run[2] + 1
            return
        self.flush()
        self.run = [lo, hi, 1, f"node {level}/{index} {what}"]

    def flush(self) -> None:
        if self.run is None:
            return
        lo, hi, nodes, first = self.run
        span = f"entry {lo + 1}" if lo == hi else f"entries {lo + 1}..{hi + 1}"
        more = f" ({nodes} stored nodes disagree; the first: {first})" if nodes > 1 else f" ({first})"
        self.failures.add(
            "tree", lo + 1, None, f"the stored Merkle tree over {span} is not the tree of the entries{more}"
        )
        self.run = None


def run(*, checkpoint_dir: Path | None = None, progress: Callable[[int, int], None] | None = None) -> Report:
    """Verify the whole ledger; with checkpoint_dir, also that it extends every checkpoint exported there."""
    files = read_checkpoint_files(checkpoint_dir) if checkpoint_dir is not None else []
    verifier = keys.verifier()
    public_key = keys.public_key()
    with _read_snapshot():
        return _Verification(verifier, public_key, files, progress).run()


def read_checkpoint_files(directory: Path) -> list[tuple[str, bytes]]:
    """Return (path, bytes) of every *.checkpoint file in directory, refusing a missing or empty one."""
    if not directory.exists():
        raise VerifyInputError(f"checkpoint directory {directory} does not exist")
    if not directory.is_dir():
        raise VerifyInputError(f"checkpoint directory {directory} is not a directory")
    paths = sorted(directory.glob("*.checkpoint"), key=lambda p: (len(p.name), p.name))
    if not paths:
        raise VerifyInputError(f"checkpoint directory {directory} holds no *.checkpoint files")
    return [(str(p), p.read_bytes()) for p in paths]


@contextmanager
def _read_snapshot() -> Iterator[None]:
    """Read the whole ledger as of one moment, so appends made meanwhile do not look like tampering."""
    if connection.in_atomic_block:
        # The caller's transaction (a test, a service) already gives one view of the data.
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    # SQLite: Django's atomic() begins IMMEDIATE (the write lock) and would stall every writer for
    # the whole run; a deferred read transaction is a WAL snapshot that blocks no one.
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK")


class _Verification:
    """One run of the checks; the state the entry pass leaves for the later checks lives here."""

    def __init__(
        self,
        verifier: note.Verifier,
        public_key: Any,
        files: list[tuple[str, bytes]],
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.verifier = verifier
        self.public_key = public_key
        self.files = files
        self.progress = progress
        self.failures = _Failures()
        self.tree_runs = _TreeRuns(self.failures)
        self.report = Report(checkpoint_files=len(files))
        # Stored-node streams, one per tree level, opened as the pass first reaches that level.
        self.cursors: list[Any] = []
        self.pending: list[tuple[Any, Any]] = []
        self.advance: list[Callable[[], tuple[Any, Any]]] = []
        # Filled by the entry pass.
        self.count = 0
        self.last_at = ""
        self.last_hash = ZERO_HASH
        self.frontier: list[bytes] = []
        self.roots: dict[int, bytes] = {0: EMPTY_ROOT}
        self.last_snapshot: dict[tuple[str, str | None], tuple[str, int, int]] = {}
        self.version_snapshots: dict[tuple[str, str | None, int], str] = {}
        self.sign_entries: dict[int, tuple[str, str | None, int | None, int | None, str]] = {}
        self.checkpoint_entries: dict[str | None, tuple[int, str]] = {}
        self.stored_checkpoints: list[Checkpoint] = []

    def run(self) -> Report:
        pinned = self._pinned()
        self.failures.set_boundaries({p.size for p in pinned})
        signed_records = self._signed_records()
        head = self._head()
        try:
            self._entries({p.size for p in pinned}, signed_records, head[0] if head else 0)
            self._leftover_nodes()
        finally:
            for cursor in self.cursors:
                cursor.close()
        self._check_head(head)
        self._check_pinned(pinned)
        self._check_records()
        self._check_signatures()
        self.report.entries = self.count
        self.report.failures, self.report.omitted = self.failures.result()
        return self.report

    # --- what the pass needs to know beforehand -------------------------------------------------

    def _pinned(self) -> list[_Pinned]:
        """Open every stored checkpoint and every exported file; return the tree heads they sign."""
        fail = self.failures.add
        pinned: list[_Pinned] = []
        self.stored_checkpoints = list(Checkpoint.objects.order_by("size"))
        self.report.checkpoints = len(self.stored_checkpoints)
        for cp in self.stored_checkpoints:
            name = f"{CHECKPOINT_TYPE}:{cp.size}"
            try:
                opened = note.open_checkpoint(cp.note, self.verifier)
            except note.NoteError as exc:
                # open_checkpoint also refuses a checkpoint whose origin is not our log's.
                fail("checkpoint", None, name, f"stored checkpoint {cp.size} does not verify: {exc}")
                continue
            if opened.size != cp.size or opened.root.hex() != cp.root:
                fail(
                    "checkpoint",
                    None,
                    name,
                    f"stored checkpoint {cp.size}: its row (size {cp.size}, root {cp.root}) "
                    f"is not what its signed note says (size {opened.size}, root {opened.root.hex()})",
                )
            pinned.append(_Pinned(f"stored checkpoint {opened.size}", opened.size, opened.root, cp))
        for path, data in self.files:
            try:
                opened = note.open_checkpoint(data, self.verifier)
            except note.NoteError as exc:
                fail("checkpoint_file", None, None, f"{path}: {exc}")
                continue
            pinned.append(_Pinned(path, opened.size, opened.root))
        return pinned

    def _signed_records(self) -> set[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT record_type, record_id FROM ledger_signature")
            return {(t, i) for t, i in cursor.fetchall()}

    def _head(self) -> tuple[int, str, str, bytes] | None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, size, hash, at, frontier FROM ledger_ledgerhead ORDER BY id")
            rows = cursor.fetchall()
        if [r[0] for r in rows] != [1]:
            self.failures.add(
                "head", None, None, f"the ledger head must be one row with id 1, found ids {[r[0] for r in rows]}"
            )
        for row in rows:
            if row[0] == 1:
                return int(row[1]), row[2], row[3], bytes(row[4])
        return None

    # --- the entry pass ---------------------------------------------------------------------------

    def _entries(self, root_sizes: set[int], signed_records: set[tuple[str, str]], total: int) -> None:
        """Stream every entry once; the loop body is kept flat because it runs for every entry."""
        fail = self.failures.add
        sha256 = hashlib.sha256
        body_of = entry_bytes
        at_ok = AT_FORMAT.fullmatch
        leaf_prefix, node_prefix = b"\x00", b"\x01"
        pending, advance = self.pending, self.advance
        stack = self.frontier
        roots = self.roots
        last_snapshot = self.last_snapshot
        version_snapshots = self.version_snapshots
        sign_entries = self.sign_entries
        checkpoint_entries = self.checkpoint_entries
        authoring = AUTHORING_ACTIONS
        progress = self.progress
        count = 0
        expected = 1
        prev_hash, prev_at, day = ZERO_HASH, "", ""

        cursor = connection.chunked_cursor()
        self.cursors.append(cursor)
        cursor.execute(ENTRY_SQL)
        fetch = cursor.fetchmany
        while rows := fetch(BATCH):
            for seq, at, aid, aname, roles, action, rtype, rid, rver, reason, changes, snap, prev, stored in rows:
                if seq != expected:
                    self._seq_break(seq, expected)
                    expected = seq + 1 if type(seq) is int else expected + 1
                    prev_hash = prev  # the entries before it are missing: nothing to link to
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
                if not (prev_at < at and at_ok(at)):
                    self._time_failure(seq, at, prev_at)
                if at[:10] != day:
                    day = self._check_day(seq, at)
                prev_hash, prev_at = stored, at

                if snap and rver is not None:
                    last_snapshot[rtype, rid] = (snap, rver, seq)
                    if action in authoring and (rtype, rid) in signed_records:
                        version_snapshots[rtype, rid, rver] = snap
                if action == "sign":
                    sign_entries[seq] = (rtype, rid, rver, aid, snap)
                elif action == "checkpoint" and rtype == CHECKPOINT_TYPE:
                    checkpoint_entries[rid] = (seq, snap)

                # RFC 6962 tree: push the leaf, merge complete subtrees (the writer's
                # _extend_frontier), and compare each finished node with its stored row.
                node = sha256(leaf_prefix + digest).digest()
                level, index = 0, count
                while True:
                    try:
                        row = pending[level]
                    except IndexError:
                        row = self._open_level(level)
                    if row[0] == index and row[1] == node:
                        pending[level] = advance[level]()
                    else:
                        self._node_mismatch(level, index, node)
                    if not index & 1:
                        break
                    node = sha256(node_prefix + stack.pop() + node).digest()
                    level += 1
                    index >>= 1
                stack.append(node)
                count += 1
                if count in root_sizes:
                    roots[count] = hash_from_perfect(stack)
            if progress is not None:
                progress(count, max(total, count))
        self.count, self.last_at, self.last_hash = count, prev_at, prev_hash

    def _seq_break(self, seq: Any, expected: int) -> None:
        if type(seq) is not int:
            self.failures.add("seq", expected, None, f"the entry after {expected - 1} has seq {seq!r}, not a number")
        elif seq > expected:
            missing = f"entry {expected} is" if seq == expected + 1 else f"entries {expected}..{seq - 1} are"
            self.failures.add("seq", expected, None, f"{missing} missing: the next stored entry is {seq}")
        else:
            self.failures.add(
                "seq", seq, None, f"entry {seq} comes after entry {expected - 1}: duplicated or out of order"
            )

    def _hash_mismatch(self, seq: int, rtype: str, rid: str | None, action: str, digest: bytes, stored: str) -> bytes:
        self.failures.add(
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
            self.failures.add(
                "time", seq, None, f"entry {seq}: at {at!r} is not a UTC time like 2026-01-31T12:00:00.000000Z"
            )
        else:
            self.failures.add("time", seq, None, f"entry {seq}: at {at} is not after the entry before it ({prev_at})")

    def _check_day(self, seq: int, at: Any) -> str:
        day = at[:10] if isinstance(at, str) else ""
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            if AT_FORMAT.fullmatch(str(at)):  # a malformed one was reported by _time_failure
                self.failures.add("time", seq, None, f"entry {seq}: at {at} is not a real date")
        return day

    def _open_level(self, level: int) -> tuple[Any, Any]:
        cursor = connection.chunked_cursor()
        self.cursors.append(cursor)
        cursor.execute(LEVEL_SQL, [level])

        def rows() -> Iterator[tuple[Any, Any]]:
            while batch := cursor.fetchmany(BATCH):
                yield from batch
            while True:
                yield _END

        stream = rows()
        self.advance.append(stream.__next__)
        self.pending.append(next(stream))
        return self.pending[level]

    def _node_mismatch(self, level: int, index: int, node: bytes) -> None:
        row, advance = self.pending[level], self.advance[level]
        while row[0] < index:  # a stored node no leaf produced (stored rows come in index order)
            self.tree_runs.add(level, int(row[0]), "is stored but belongs to no entry")
            row = advance()
        if row[0] == index:
            if bytes(row[1]) != node:
                self.tree_runs.add(level, index, "differs")
            row = advance()
        else:
            self.tree_runs.add(level, index, "is missing")
        self.pending[level] = row

    def _leftover_nodes(self) -> None:
        for level, row in enumerate(self.pending):
            while row[0] != math.inf:
                self.tree_runs.add(level, int(row[0]), "is stored but belongs to no entry")
                row = self.advance[level]()
        cursor = connection.chunked_cursor()
        self.cursors.append(cursor)
        cursor.execute(HIGHER_LEVELS_SQL, [len(self.pending)])
        while batch := cursor.fetchmany(BATCH):
            for level, index in batch:
                self.tree_runs.add(int(level), int(index), "is stored but belongs to no entry")
        self.tree_runs.flush()

    # --- the checks after the pass ------------------------------------------------------------------

    def _check_head(self, head: tuple[int, str, str, bytes] | None) -> None:
        if head is None:
            self.failures.add("head", None, None, "the ledger head row is missing")
            return
        size, hash_, at, frontier = head
        fail, count = self.failures.add, self.count
        if size != count:
            fail("head", min(size, count) + 1, None, f"the head says the ledger has {size} entries; it has {count}")
        if hash_ != self.last_hash:
            fail(
                "head",
                count or None,
                None,
                f"the head's hash {hash_[:16]}… is not the last entry's ({self.last_hash[:16]}…)",
            )
        if at != self.last_at:
            fail("head", count or None, None, f"the head's time {at!r} is not the last entry's ({self.last_at!r})")
        if frontier != b"".join(self.frontier):
            fail(
                "head",
                count or None,
                None,
                "the head's frontier (the right edge of the tree) is not the tree of the entries",
            )

    def _check_pinned(self, pinned: list[_Pinned]) -> None:
        """Check each signed tree head: the ledger must have its size and give its root there."""
        # Every checkpoint that holds has its root recomputed from one and the same sequence of
        # entries, so any two that hold are consistent by construction: no consistency proofs needed.
        fail, count = self.failures.add, self.count
        proven = 0  # the largest size whose signed root the ledger reproduces
        for p in sorted(pinned, key=lambda p: p.size):
            kind = "checkpoint" if p.stored is not None else "checkpoint_file"
            record = f"{CHECKPOINT_TYPE}:{p.size}" if p.stored is not None else None
            if p.size > count:
                fail(
                    kind,
                    count + 1,
                    record,
                    f"{p.source} covers {p.size} entries, but the ledger ends at entry {count}: "
                    "entries were removed, or the database was restored from an older copy",
                )
            elif self.roots[p.size] != p.root:
                # The change lies after the last size that holds. Name the first entry there that the
                # other checks found bad; if none is (a careful rewrite), the first entry not proven.
                seq = self.failures.first_bad_between(proven, p.size) or proven + 1
                span = f"entry {proven + 1}" if proven + 1 == p.size else f"entries {proven + 1}..{p.size}"
                fail(
                    kind,
                    seq,
                    record,
                    f"{p.source}: the first {p.size} entries are not the ones it signed "
                    f"(the change is in {span}): the ledger was rewritten",
                )
            else:
                proven = max(proven, p.size)
        for cp in self.stored_checkpoints:
            self._check_checkpoint_entry(cp)
        stored_sizes = {str(cp.size) for cp in self.stored_checkpoints}
        for size, (seq, _) in sorted(self.checkpoint_entries.items(), key=lambda kv: kv[1][0]):
            if size not in stored_sizes:
                fail(
                    "checkpoint",
                    seq,
                    f"{CHECKPOINT_TYPE}:{size}",
                    f"entry {seq} records checkpoint {size}, which is no longer stored",
                )

    def _check_checkpoint_entry(self, cp: Checkpoint) -> None:
        found = self.checkpoint_entries.get(str(cp.size))
        name = f"{CHECKPOINT_TYPE}:{cp.size}"
        if found is None:
            self.failures.add(
                "checkpoint", None, name, f"stored checkpoint {cp.size} has no 'checkpoint' entry in the ledger"
            )
        elif found[1] != hashlib.sha256(cp.note.encode("utf-8")).hexdigest():
            self.failures.add(
                "checkpoint",
                found[0],
                name,
                f"entry {found[0]} records another note for checkpoint {cp.size} than the one stored",
            )

    def _check_records(self) -> None:
        """Every record row must be the snapshot its last ledger entry recorded."""
        fail = self.failures.add
        last = self.last_snapshot
        checked = 0
        types = set()
        for model in gmp_models():
            rtype = model.record_type()
            types.add(rtype)
            for pk, version, digest in _record_snapshots(model):
                checked += 1
                name = f"{rtype}:{pk}"
                found = last.pop((rtype, str(pk)), None)
                if found is None:
                    fail("unaudited_record", None, name, f"unaudited record: {name} has no entry in the ledger")
                    continue
                snap, recorded_version, seq = found
                if digest != snap and _snapshot_hash_of(model, pk) != snap:
                    fail(
                        "record",
                        seq,
                        name,
                        f"{name} is not the version its last entry ({seq}) recorded: "
                        "a field was changed outside the ledger",
                    )
                if version != recorded_version:
                    fail(
                        "record",
                        seq,
                        name,
                        f"{name} is at version {version}, its last entry ({seq}) recorded version {recorded_version}",
                    )
        for (rtype, rid), (_, _, seq) in last.items():
            if rtype in types:
                fail(
                    "record_missing",
                    seq,
                    f"{rtype}:{rid}",
                    f"record missing: entry {seq} records {rtype}:{rid}, which is not in its table",
                )
        self.report.records = checked

    def _check_signatures(self) -> None:
        """Check each signature's counter-signature, its `sign` entry and the record version it binds to."""
        fail = self.failures.add
        seen: set[int] = set()
        count = 0
        for sig in Signature.objects.order_by("entry_seq").iterator(chunk_size=2000):
            count += 1
            seen.add(sig.entry_seq)
            name = f"{sig.record_type}:{sig.record_id}"
            seq = sig.entry_seq
            if not signatures.counter_signature_holds(sig, self.public_key):
                fail(
                    "signature",
                    seq,
                    name,
                    f"the '{sig.meaning}' signature by {sig.signer_name} (entry {seq}) does not match "
                    "the server's counter-signature: its record, version, signer, time or meaning was changed",
                )
            entry = self.sign_entries.get(seq)
            if entry is None:
                fail(
                    "signature",
                    seq,
                    name,
                    f"the '{sig.meaning}' signature names entry {seq}, which is not a 'sign' entry",
                )
            elif entry != (sig.record_type, sig.record_id, sig.record_version, sig.signer_id, sig.snapshot_hash):
                rtype, rid, rver, signer, _ = entry
                fail(
                    "signature",
                    seq,
                    name,
                    f"the '{sig.meaning}' signature is not what entry {seq} recorded "
                    f"({rtype}:{rid} v{rver} signed by user {signer})",
                )
            snap = self.version_snapshots.get((sig.record_type, sig.record_id, sig.record_version))
            if snap is None:
                fail(
                    "signature",
                    seq,
                    name,
                    f"the ledger has no version {sig.record_version} of {name} for the signature to bind to",
                )
            elif snap != sig.snapshot_hash:
                fail(
                    "signature",
                    seq,
                    name,
                    f"the signature's snapshot is not version {sig.record_version} of {name} as the ledger recorded it",
                )
        for seq in sorted(self.sign_entries.keys() - seen):
            rtype, rid, *_ = self.sign_entries[seq]
            fail("signature", seq, f"{rtype}:{rid}", f"entry {seq} records a signature that is no longer stored")
        self.report.signatures = count


_PLAIN_TYPES = frozenset({type(None), bool, int, str})
_SNAPSHOT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _record_snapshots(model: type[GmpRecord]) -> Iterator[tuple[Any, int, str]]:
    """Yield (pk, version, snapshot hash) of every row, reading values rather than model instances.

    A shortcut for speed, checked by its fallback: it serialises the same to_json values that
    GmpRecord.snapshot() gives, with keys in code-point order, which is RFC 8785's order for the
    ASCII attribute names. When its hash differs from the ledger's, _check_records asks the model's
    own snapshot_hash() before reporting, so the shortcut can only cost time, never a false failure;
    it gives a match only for the exact canonical bytes the ledger hashed.
    """
    names = sorted(f.attname for f in model._meta.concrete_fields if f.attname not in model.unaudited_fields)
    plain = (
        model.snapshot is GmpRecord.snapshot
        and model.snapshot_hash is GmpRecord.snapshot_hash
        and all(n.isascii() for n in names)
    )
    rows = model._base_manager.order_by("pk")
    if not plain:
        for row in rows.iterator(chunk_size=2000):
            yield row.pk, row.version, _hash_or_error(row)
        return
    version_at = names.index("version")
    encode, sha256, convert, plain_types = _SNAPSHOT_JSON.encode, hashlib.sha256, to_json, _PLAIN_TYPES
    for pk, *values in rows.values_list("pk", *names).iterator(chunk_size=2000):
        try:
            # to_json returns None, bool, int and str unchanged; calling it only for the rest saves
            # most of the per-row work.
            json_values = [v if type(v) in plain_types else convert(v) for v in values]
            text = encode(dict(zip(names, json_values, strict=True)))
        except (TypeError, ValueError):
            text = ""  # not JSON the ledger could have hashed: the fallback names the problem
        yield pk, values[version_at], sha256(text.encode()).hexdigest()


def _snapshot_hash_of(model: type[GmpRecord], pk: Any) -> str:
    """Return the record's snapshot hash as the model itself computes it (the authority)."""
    return _hash_or_error(model._base_manager.get(pk=pk))


def _hash_or_error(row: GmpRecord) -> str:
    try:
        return row.snapshot_hash()
    except (TypeError, ValueError) as exc:  # CanonicalError is a ValueError
        return f"cannot be serialised: {exc}"
