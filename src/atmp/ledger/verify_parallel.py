"""Run `atmp verify`'s heavy work on every core: entry ranges and counter-signature checks.

A large ledger's entry pass is split into ranges of 2^bits positions (power-of-two boundaries, so
that every stored node below level `bits` lies within one range) and the Ed25519 checks of the
signatures' counter-signatures into chunks; forked worker processes take them in turn. Each
worker reads through its own connection: the ranges are bounded by the entry count and the node
indexes the parent read in its snapshot, and the ledger is append-only, so rows appended since do
not enter any range. A range that does not start where it should (an entry that is not at the
position its seq says) makes the parent verify in one pass instead. docs/adr/0003-parallel-verify.md gives the reasons.
"""

from __future__ import annotations

import base64
import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection, connections, transaction

from atmp.ledger.verify_pass import TOP, CannotSplit, RangePass, RangeResult

MIN_RANGE_BITS = 16  # 65,536 entries: below that a process costs more than it saves
RANGES_PER_PROCESS = 4  # more ranges than processes, so that no process waits for a slow one
SIG_CHUNK = 2000  # small enough that the last one holds no worker up for long
POLL_SECONDS = 0.2

Message = tuple[bytes | None, Any]  # (the signed bytes, or None if there are none; the stored signature)


@dataclass(frozen=True)
class Plan:
    """How to run the entry pass: ranges of 2^bits entries (None: one range), in how many processes."""

    bits: int | None
    processes: int

    def ranges(self, count: int) -> list[tuple[int, int, int]]:
        """Return (start, stop, top level) of every range of a ledger of count entries."""
        if self.bits is None:
            return [(0, count, TOP)] if count else []
        size = 1 << self.bits
        return [(start, min(start + size, count), self.bits) for start in range(0, count, size)]


def default_processes() -> int:
    """Return the number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def plan(count: int, processes: int | None, *, dense: bool) -> Plan:
    """Return how to verify count entries with at most `processes` processes (None: one per core).

    processes=1 keeps everything in this process; so must a caller's transaction (a test, a
    service), which other connections cannot see: verify.run passes 1 then. Ranges start at a
    seq, so the seqs must be dense (1..count); a ledger with a gap is verified in one pass.
    """
    wanted = default_processes() if processes is None else processes
    if (
        wanted < 2
        or not dense
        or count < 2 << MIN_RANGE_BITS
        or not sys.platform.startswith("linux")  # fork: workers inherit the loaded code, no start-up
        or _in_memory()
    ):
        return Plan(None, 1)
    bits = max(MIN_RANGE_BITS, (count // (wanted * RANGES_PER_PROCESS)).bit_length() - 1)
    return Plan(bits, wanted)


def _in_memory() -> bool:
    name = str(connection.settings_dict["NAME"])
    return connection.vendor == "sqlite" and (not name or name == ":memory:" or "mode=memory" in name)


# --- what the workers inherit (set before the fork, never changed in a worker) ---------------------

_job: dict[str, Any] = {}
_inherited: list[Any] = []


def _worker_start() -> None:
    # The parent's connection (its SQLite handle, its PostgreSQL socket) must never be used or
    # closed here: keep a reference so it is not collected, and give this process its own.
    _inherited.append(connections["default"])
    connections["default"] = connections.create_connection("default")


def _range(index: int, start: int, stop: int, top: int) -> RangeResult:
    counters = _job["counters"]

    def progress(done: int) -> None:
        counters[index] = done

    with read_snapshot(connection):
        return run_range(start, stop, top, progress)


def run_range(start: int, stop: int, top: int, progress: Callable[[int], None] | None) -> RangeResult:
    """Run one range's pass on this process's connection."""
    result = RangePass(
        connection=connection,
        dense=_job["dense"],
        start=start,
        stop=stop,
        top=top,
        sizes=_job["sizes"],
        signed_versions=_job["signed_versions"],
        progress=progress,
    ).execute()
    if result.count != stop - start:
        raise CannotSplit(f"range {start}..{stop} holds {result.count} entries")
    return result


def check_signatures(messages: list[Message]) -> list[bool]:
    """Return, for each (message, stored signature), whether the Ed25519 counter-signature holds."""
    key = Ed25519PublicKey.from_public_bytes(_job["public_key"])
    out = []
    for message, stored in messages:
        if message is None:
            out.append(False)
            continue
        try:
            key.verify(base64.b64decode(stored, validate=True), message)
        except (InvalidSignature, ValueError):
            out.append(False)
        else:
            out.append(True)
    return out


def execute(
    plan: Plan,
    *,
    count: int,
    dense: bool,
    sizes: set[int],
    signed_versions: set[tuple[str, str, int]],
    public_key: bytes,
    messages: Callable[[], list[Message]],
    progress: Callable[[int, int], None] | None,
    total: int,
) -> tuple[list[RangeResult], list[bool]]:
    """Run every range's pass and every counter-signature check; return them in order."""
    _job.update(dense=dense, sizes=sizes, signed_versions=signed_versions, public_key=public_key)
    read: list[list[Message]] = []

    def once() -> list[Message]:
        if not read:
            read.append(messages())
        return read[0]

    ranges = plan.ranges(count)
    if plan.processes > 1:
        try:
            return _in_pool(plan.processes, ranges, once, progress, total)
        except CannotSplit:
            ranges = Plan(None, 1).ranges(count)
    try:
        results = _in_process(ranges, progress, total)
    except CannotSplit:
        results = _in_process(Plan(None, 1).ranges(count), progress, total)
    return results, check_signatures(once())


def _in_process(
    ranges: list[tuple[int, int, int]], progress: Callable[[int, int], None] | None, total: int
) -> list[RangeResult]:
    results = []
    for start, stop, top in ranges:

        def step(done: int, start: int = start) -> None:
            if progress is not None:
                progress(start + done, max(total, start + done))

        results.append(run_range(start, stop, top, step))
    return results


def _in_pool(
    processes: int,
    ranges: list[tuple[int, int, int]],
    messages: Callable[[], list[Message]],
    progress: Callable[[int, int], None] | None,
    total: int,
) -> tuple[list[RangeResult], list[bool]]:
    ctx = multiprocessing.get_context("fork")
    counters = ctx.Array("q", len(ranges), lock=False)
    _job["counters"] = counters
    # The workers' garbage collector would otherwise walk (and so copy, page by page) every object
    # they inherit; frozen objects are left alone.
    gc.freeze()
    try:
        return _run_pool(ctx, processes, ranges, messages, progress, total, counters)
    finally:
        gc.unfreeze()


def _run_pool(
    ctx: Any,
    processes: int,
    ranges: list[tuple[int, int, int]],
    messages: Callable[[], list[Message]],
    progress: Callable[[int, int], None] | None,
    total: int,
    counters: Any,
) -> tuple[list[RangeResult], list[bool]]:
    with ctx.Pool(processes, initializer=_worker_start) as pool:
        pending = [pool.apply_async(_range, (k, *r)) for k, r in enumerate(ranges)]
        # Read the signatures while the workers start on the entries; their checks queue behind.
        stored = messages()
        chunks = [stored[i : i + SIG_CHUNK] for i in range(0, len(stored), SIG_CHUNK)]
        checks = [pool.apply_async(check_signatures, (chunk,)) for chunk in chunks]
        results = []
        for job in pending:
            while not job.ready():
                job.wait(POLL_SECONDS)
                if progress is not None:
                    done = sum(counters)
                    progress(done, max(total, done))
            results.append(job.get())
        held = [ok for job in checks for ok in job.get()]
    return results, held


@contextmanager
def read_snapshot(conn: Any) -> Iterator[None]:
    """Read the whole ledger as of one moment, so appends made meanwhile do not look like tampering."""
    if conn.in_atomic_block:
        # The caller's transaction (a test, a service) already gives one view of the data.
        yield
        return
    if conn.vendor == "postgresql":
        with transaction.atomic(using=conn.alias):
            with conn.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    # SQLite: Django's atomic() begins IMMEDIATE (the write lock) and would stall every writer for
    # the whole run; a deferred read transaction is a WAL snapshot that blocks no one.
    conn.ensure_connection()
    with conn.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with conn.cursor() as cursor:
            cursor.execute("ROLLBACK")
