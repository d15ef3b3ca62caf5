"""`atmp verify`: recompute the chain, the Merkle tree, the checkpoints, record snapshots and signatures.

The entry pass (verify_pass: a raw cursor, no model instances) rehashes every entry, checks seq,
prev_hash and time order, rebuilds the RFC 6962 tree and compares every node it finishes with the
stored `ledger_treenode` row, and keeps what the later checks need: each record's last snapshot,
the signed versions' snapshots, the `sign` and `checkpoint` entries, and the tree's right edge at
every checkpoint size. On a large ledger it runs as ranges in parallel processes, with the
counter-signature checks beside them (verify_parallel, docs/adr/0003-parallel-verify.md), and the
ranges are merged here into exactly what one pass finds. Then the head, the checkpoints (stored,
and exported ones kept elsewhere), the record rows and the signatures are checked against what the
pass found. docs/tamper-evidence.md says which tampering each check catches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.db import connection

from atmp.ledger import attested, keys, note, signatures, verify_hooks, verify_parallel, verify_pass
from atmp.ledger.canonical import ZERO_HASH
from atmp.ledger.errors import LedgerError
from atmp.ledger.merkle import EMPTY_ROOT, hash_from_perfect, node_hash
from atmp.ledger.models import Checkpoint
from atmp.ledger.records import GmpRecord, gmp_models, to_json
from atmp.ledger.verify_parallel import Message
from atmp.ledger.verify_pass import Failures, RangeResult, TreeRuns

CHECKPOINT_TYPE = verify_pass.CHECKPOINT_TYPE
SIGNATURE_SQL = (
    "SELECT entry_seq, record_type, record_id, record_version, snapshot_hash, meaning, signer_id, signer_name, "
    "signed_at, server_signature FROM ledger_signature ORDER BY entry_seq"
)
Failure = verify_pass.Failure


class VerifyInputError(LedgerError):
    """The verification was asked for something unusable (a missing checkpoint directory)."""


@dataclass
class Report:
    """The outcome of a verification: what was checked and every failure (capped per kind)."""

    entries: int = 0
    records: int = 0
    accounts: int = 0  # attested state outside the record tables (atmp.ledger.attested)
    signatures: int = 0
    checkpoints: int = 0
    checkpoint_files: int = 0
    failures: list[Failure] = field(default_factory=list)
    omitted: dict[str, int] = field(default_factory=dict)  # failures left out of the list, by kind
    checked: dict[str, int] = field(default_factory=dict)  # what the modules' checks counted (verify_hooks)

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
            "accounts": self.accounts,
            "signatures": self.signatures,
            "checkpoints": self.checkpoints,
            "checkpoint_files": self.checkpoint_files,
            **self.checked,
            "failures": [f.as_dict() for f in self.failures],
            "omitted": dict(self.omitted),
        }


@dataclass
class _Pinned:
    """A signed tree head to check the ledger against: a stored checkpoint or an exported file."""

    source: str  # "stored checkpoint 1000" or the file's path
    size: int
    root: bytes
    stored: Checkpoint | None = None


def run(
    *,
    checkpoint_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    processes: int | None = None,
    skip: frozenset[str] = frozenset(),
) -> Report:
    """Verify the whole ledger; with checkpoint_dir, also that it extends every checkpoint exported there.

    processes caps the worker processes of a large ledger (None: one per core; 1: none); skip names
    the modules' checks to leave out (verify_hooks, e.g. "files").
    """
    files = read_checkpoint_files(checkpoint_dir) if checkpoint_dir is not None else []
    verifier = keys.verifier()
    public_key = keys.public_key()
    if connection.in_atomic_block:
        processes = 1  # the caller's transaction: workers' connections would not see its writes
    with verify_parallel.read_snapshot(connection):
        return _Verification(verifier, public_key, files, progress, processes, skip).run()


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


class _Verification:
    """One run of the checks; the state the entry pass leaves for the later checks lives here."""

    def __init__(
        self,
        verifier: note.Verifier,
        public_key: Any,
        files: list[tuple[str, bytes]],
        progress: Callable[[int, int], None] | None,
        processes: int | None,
        skip: frozenset[str] = frozenset(),
    ) -> None:
        self.skip = skip
        self.verifier = verifier
        self.public_key = public_key
        self.files = files
        self.progress = progress
        self.processes = processes
        self.failures = Failures()
        self.tree_runs = TreeRuns(self.failures)
        self.report = Report(checkpoint_files=len(files))
        self.cursors: list[Any] = []
        self.streams: dict[int, verify_pass.NodeStream] = {}  # the stored nodes above the ranges
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
        self.signature_rows: list[tuple[Any, ...]] = []

    def run(self) -> Report:
        pinned = self._pinned()
        sizes = {p.size for p in pinned}
        self.failures.boundaries = sorted(sizes | {0})
        head = self._head()
        count, dense = self._count()
        self.count = count
        results, held = verify_parallel.execute(
            verify_parallel.plan(count, self.processes, dense=dense),
            count=count,
            dense=dense,
            sizes=sizes,
            signed_versions=self._signed_versions(),
            public_key=self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw),
            messages=self._signature_messages,
            progress=self.progress,
            total=head[0] if head else 0,
        )
        try:
            self._merge(results)
            self._leftover_nodes()
        finally:
            for cursor in self.cursors:
                cursor.close()
        self._check_head(head)
        self._check_pinned(pinned)
        self._check_records()
        self._check_signatures(held)
        for name, check in verify_hooks.checks().items():
            if name not in self.skip:
                self.report.checked.update(check(self.failures.add))
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

    def _signed_versions(self) -> set[tuple[str, str, int]]:
        """Return the record versions signatures bind to: the pass keeps those versions' snapshots."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT record_type, record_id, record_version FROM ledger_signature")
            return {(t, i, v) for t, i, v in cursor.fetchall()}

    def _count(self) -> tuple[int, bool]:
        """Return the number of entries, and whether their seqs are exactly 1..that number."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), min(seq), max(seq) FROM ledger_auditentry")
            count, first, last = cursor.fetchone()
        return int(count), count == 0 or (first == 1 and last == count)

    def _signature_messages(self) -> list[Message]:
        """Read the signatures; return what each counter-signature is over, and the stored signature."""
        with connection.cursor() as cursor:
            cursor.execute(SIGNATURE_SQL)
            self.signature_rows = rows = cursor.fetchall()
        messages: list[Message] = []
        for seq, rtype, rid, rver, snap, meaning, signer_id, signer_name, signed_at, stored in rows:
            try:
                message: bytes | None = signatures.DOMAIN + signatures.manifest_bytes(
                    entry_seq=seq, meaning=meaning, record_id=rid, record_type=rtype, record_version=rver,
                    signed_at=signed_at, signer_id=signer_id, signer_name=signer_name, snapshot_hash=snap,
                )  # fmt: skip
            except ValueError:  # not serialisable (canonical.CanonicalError): it cannot hold
                message = None
            messages.append((message, stored))
        return messages

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

    # --- the ranges' passes, merged ------------------------------------------------------------------

    def _merge(self, results: list[RangeResult]) -> None:
        """Join the ranges' findings in seq order, as one pass over all of them would have found them."""
        stack = self.frontier
        for r in results:
            self.failures.merge(r.failures)
            for size, edge in r.stacks_at.items():
                self.roots[size] = hash_from_perfect(stack + edge)
            # A run of stored-node discrepancies may go on across a boundary (see TreeRuns).
            for run in (r.first_run, r.last_run):
                if run is not None:
                    self.tree_runs.absorb(run)
            if r.top < verify_pass.TOP and r.count == 1 << r.top:
                # A complete range is one subtree; the nodes above it span ranges and are merged here.
                (root,) = r.stack
                self._push(root, r.top, r.start >> r.top)
            else:
                stack.extend(r.stack)
            self.last_snapshot.update(r.last_snapshot)
            self.version_snapshots.update(r.version_snapshots)
            self.sign_entries.update(r.sign_entries)
            self.checkpoint_entries.update(r.checkpoint_entries)
            self.last_at, self.last_hash = r.last_at, r.last_hash

    def _push(self, node: bytes, level: int, index: int) -> None:
        stack = self.frontier
        while index & 1:
            node = node_hash(stack.pop(), node)
            level, index = level + 1, index >> 1
            verify_pass.compare_node(self._stream(level), self.tree_runs, level, index, node)
        stack.append(node)

    def _stream(self, level: int) -> verify_pass.NodeStream:
        if level not in self.streams:
            cursor = connection.chunked_cursor()
            self.cursors.append(cursor)
            cursor.execute(
                'SELECT "index", hash FROM ledger_treenode WHERE level = %s AND "index" < %s ORDER BY "index"',
                [level, self.count >> level],
            )
            self.streams[level] = verify_pass.NodeStream(cursor)
        return self.streams[level]

    def _leftover_nodes(self) -> None:
        """Report stored nodes past the tree of the entries, level by level, then at higher levels."""
        levels = self.count.bit_length()  # the levels the tree of the entries has nodes on
        queries = [
            ('SELECT %s, "index" FROM ledger_treenode WHERE level = %s AND "index" >= %s ORDER BY "index"',
             [level, level, self.count >> level])
            for level in range(levels)
        ]  # fmt: skip
        queries.append(
            ('SELECT level, "index" FROM ledger_treenode WHERE level >= %s ORDER BY level, "index"', [levels])
        )
        for sql, params in queries:
            cursor = connection.chunked_cursor()
            self.cursors.append(cursor)
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(verify_pass.BATCH):
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
        self.report.accounts = self._check_attested(last)
        types |= set(attested.readers())
        for (rtype, rid), (_, _, seq) in last.items():
            if rtype in types:
                fail(
                    "record_missing",
                    seq,
                    f"{rtype}:{rid}",
                    f"record missing: entry {seq} records {rtype}:{rid}, which is not in its table",
                )
        self.report.records = checked

    def _check_attested(self, last: dict[tuple[str, str | None], tuple[str, int, int]]) -> int:
        """Every account (and other attested state) must be what its last attesting entry recorded."""
        fail = self.failures.add
        checked = 0
        for rtype, reader in attested.readers().items():
            for row in reader():
                checked += 1
                name = f"{rtype}:{row.record_id}"
                found = last.pop((rtype, row.record_id), None)
                if found is None:
                    fail(
                        "unattested",
                        None,
                        name,
                        f"{row.label} ({name}) has no entry in the ledger that attests it: "
                        "it was added outside atmp",
                    )
                    continue
                snap, _, seq = found
                if row.digest != snap:
                    fail(
                        "attested",
                        seq,
                        name,
                        f"{row.label} ({name}) is not what its last entry ({seq}) attested: its password, "
                        "MFA, active flag, name or API tokens were changed outside atmp",
                    )
        return checked

    def _check_signatures(self, held: list[bool]) -> None:
        """Check each signature's counter-signature, its `sign` entry and the record version it binds to."""
        fail = self.failures.add
        seen: set[int] = set()
        for row, holds in zip(self.signature_rows, held, strict=True):
            seq, rtype, rid, rver, snap, meaning, signer_id, signer_name, _, _ = row
            seen.add(seq)
            name = f"{rtype}:{rid}"
            if not holds:
                fail(
                    "signature",
                    seq,
                    name,
                    f"the '{meaning}' signature by {signer_name} (entry {seq}) does not match "
                    "the server's counter-signature: its record, version, signer, time or meaning was changed",
                )
            entry = self.sign_entries.get(seq)
            if entry is None:
                fail(
                    "signature", seq, name, f"the '{meaning}' signature names entry {seq}, which is not a 'sign' entry"
                )
            elif entry != (rtype, rid, rver, signer_id, snap):
                e_type, e_id, e_version, e_signer, _ = entry
                fail(
                    "signature",
                    seq,
                    name,
                    f"the '{meaning}' signature is not what entry {seq} recorded "
                    f"({e_type}:{e_id} v{e_version} signed by user {e_signer})",
                )
            found = self.version_snapshots.get((rtype, rid, rver))
            if found is None:
                fail("signature", seq, name, f"the ledger has no version {rver} of {name} for the signature to bind to")
            elif found != snap:
                fail(
                    "signature",
                    seq,
                    name,
                    f"the signature's snapshot is not version {rver} of {name} as the ledger recorded it",
                )
        for seq in sorted(self.sign_entries.keys() - seen):
            rtype, rid, *_ = self.sign_entries[seq]
            fail("signature", seq, f"{rtype}:{rid}", f"entry {seq} records a signature that is no longer stored")
        self.report.signatures = len(self.signature_rows)


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
