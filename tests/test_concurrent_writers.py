"""Eight writer processes append to one ledger at once, on SQLite and on PostgreSQL.

Appends are serialised by design (SQLite: IMMEDIATE transactions take the write lock at BEGIN;
PostgreSQL: SELECT … FOR UPDATE on the ledger head). If they were not, two writers could read
the same head and fork the chain. After the load the ledger must hold exactly the writes made,
in one chain: seq 1..N with no gap or repeat, each prev_hash the hash before it, timestamps
strictly increasing, every acknowledged write present, and `atmp verify --json` ok.
"""

from __future__ import annotations

import itertools
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from atmp.ledger import merkle
from tests.helpers import (
    Acks,
    Ledger,
    assert_verify_agrees,
    atmp_verify,
    check_ledger,
    entries_for,
    postgres_ledger,
    sqlite_ledger,
    verify_available,
    writes_of,
)

WRITERS = 8
COUNT = 50  # transactions of creates per writer (plus its pairs and updates: see writer.py)
INTERVAL = 25  # a checkpoint every 25 entries, so checkpoints are signed under contention too
# A short pause between a writer's transactions lets the others in: SQLite's lock is not fair
# (waiters sleep in the busy handler), so without it writers mostly run one after another.
PAUSE_MS = 2


def run_load(ledger: Ledger) -> tuple[Acks, float]:
    """Start WRITERS writers, release them together, wait for all; return the acks and seconds."""
    procs = [ledger.writer(count=COUNT, tag=f"w{n}", wait_go=True, pause_ms=PAUSE_MS) for n in range(WRITERS)]
    problems = []
    try:
        for n, proc in enumerate(procs):
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line == "READY\n", f"writer w{n} did not start: {line!r}"
        started = time.monotonic()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("GO\n")
            proc.stdin.flush()
        acks = Acks()
        for n, proc in enumerate(procs):
            out, err = proc.communicate(timeout=300)
            acks.add(out)
            if proc.returncode != 0 or not out.endswith("DONE\n"):
                problems.append(f"writer w{n} exited {proc.returncode}:\n{err[-3000:]}")
        elapsed = time.monotonic() - started
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    # A writer that died of "database is locked" (SQLITE_BUSY) or a unique violation on the
    # chain (a fork refused by the database) shows up here.
    assert not problems, "\n".join(problems)
    return acks, elapsed


def check_load(ledger: Ledger, acks: Acks) -> None:
    sites, updates = writes_of(COUNT)
    assert len(acks.created) == WRITERS * sites
    assert len(acks.versions) == WRITERS * updates
    result = check_ledger(ledger, acks)
    assert not result.problems, result.summary()
    assert result.sites == WRITERS * sites
    assert result.updates == WRITERS * updates
    assert result.entries == entries_for(WRITERS * (sites + updates), INTERVAL)
    assert result.checkpoints == result.entries // INTERVAL
    # The writers really ran at the same time: their writes interleave in the chain.
    codes = [row[0] for row in ledger.query("SELECT code FROM accounts_site ORDER BY id")]
    tags = [code.split("-")[0] for code in codes]
    switches = sum(1 for a, b in itertools.pairwise(tags) if a != b)
    assert switches >= 2 * WRITERS, f"the writers barely interleaved ({switches} switches)"
    assert_verify_agrees(ledger.env, result)


def test_eight_writers_sqlite(tmp_path: Path) -> None:
    ledger = sqlite_ledger(tmp_path, ATMP_CHECKPOINT_INTERVAL=str(INTERVAL))
    acks, elapsed = run_load(ledger)
    check_load(ledger, acks)
    # What makes an ACK durable on SQLite: WAL, and synchronous=FULL on atmp's own connections.
    probe = (
        "import django; django.setup(); from django.db import connection; "
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); m = c.fetchone()[0]; "
        "c.execute('PRAGMA synchronous'); print(m, c.fetchone()[0])"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=ledger.env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["wal", "2"], f"journal_mode, synchronous = {done.stdout}"
    print(f"sqlite: {len(acks)} acked writes, {WRITERS} writers, {elapsed:.1f} s")  # noqa: T201


def test_eight_writers_postgres(tmp_path: Path) -> None:
    with postgres_ledger(tmp_path, ATMP_CHECKPOINT_INTERVAL=str(INTERVAL)) as ledger:
        acks, elapsed = run_load(ledger)
        check_load(ledger, acks)
        print(f"postgres: {len(acks)} acked writes, {WRITERS} writers, {elapsed:.1f} s")  # noqa: T201


def test_the_independent_check_is_not_vacuous(tmp_path: Path) -> None:
    """check_ledger fails a ledger edited behind atmp's back, and an acknowledged write lost."""
    ledger = sqlite_ledger(tmp_path, ATMP_CHECKPOINT_INTERVAL=str(INTERVAL))
    proc = ledger.writer(count=12, tag="x")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    acks = Acks()
    acks.add(out)
    assert not check_ledger(ledger, acks).problems
    # Someone with the database file drops the append-only trigger and edits entry 5.
    conn = sqlite3.connect(ledger.database)
    try:
        conn.execute("DROP TRIGGER ledger_auditentry_no_update")
        conn.execute("UPDATE ledger_auditentry SET at = '2000-01-01T00:00:00.000000Z' WHERE seq=5")
        conn.commit()
    finally:
        conn.close()
    acks.created.add("x-999")
    problems = "\n".join(check_ledger(ledger, acks).problems)
    assert "hash: seq 5" in problems
    assert "time: seq 5" in problems
    assert "lost write: site x-999" in problems
    if verify_available():
        status, report, output = atmp_verify(ledger.env)
        assert status == 1 and report is not None and report["ok"] is False, output


def verify_while_writing(ledger: Ledger) -> None:
    """`atmp verify` on a live ledger: it reads one consistent view (no false failure from a
    half-seen append) and does not stall or break the writers."""
    procs = [ledger.writer(count=60, tag=f"v{n}", pause_ms=PAUSE_MS) for n in range(4)]
    reports = []
    try:
        while any(p.poll() is None for p in procs) or not reports:
            status, report, output = atmp_verify(ledger.env)
            assert status == 0 and report is not None and report["ok"], output
            reports.append(report["entries"])
        acks = Acks()
        for n, proc in enumerate(procs):
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, f"writer v{n} failed while verify ran:\n{err[-3000:]}"
            acks.add(out)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    result = check_ledger(ledger, acks)
    assert not result.problems, result.summary()
    assert_verify_agrees(ledger.env, result)
    print(f"{ledger.kind}: verify saw {reports} entries while writers wrote {result.entries}")  # noqa: T201


@pytest.mark.slow
def test_verify_while_writing_sqlite(tmp_path: Path) -> None:
    if not verify_available():
        pytest.skip("atmp.ledger.verify does not exist yet")
    verify_while_writing(sqlite_ledger(tmp_path, ATMP_CHECKPOINT_INTERVAL=str(INTERVAL)))


@pytest.mark.slow
def test_verify_while_writing_postgres(tmp_path: Path) -> None:
    if not verify_available():
        pytest.skip("atmp.ledger.verify does not exist yet")
    with postgres_ledger(tmp_path, ATMP_CHECKPOINT_INTERVAL=str(INTERVAL)) as ledger:
        verify_while_writing(ledger)


class _CountingHashlib:
    """Stands in for hashlib inside atmp.ledger.merkle and counts the SHA-256 computations."""

    def __init__(self) -> None:
        import hashlib

        self.calls = 0
        self._sha256 = hashlib.sha256

    def sha256(self, data: bytes = b"") -> Any:
        self.calls += 1
        return self._sha256(data)


@pytest.fixture(params=["sqlite", "postgresql"])
def small_ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    """A ledger of about 130 entries with a checkpoint every 4 (many checkpoints, few entries)."""
    if request.param == "sqlite":
        yield sqlite_ledger(tmp_path, ATMP_CHECKPOINT_INTERVAL="4")
    else:
        with postgres_ledger(tmp_path, ATMP_CHECKPOINT_INTERVAL="4") as ledger:
            yield ledger


def test_the_independent_check_is_linear(small_ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """check_ledger hashes each tree node once and folds O(log n) hashes per checkpoint, instead
    of recomputing the root from scratch per checkpoint (quadratic: a soak never finished)."""
    proc = small_ledger.writer(count=80, tag="l")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    acks = Acks()
    acks.add(out)
    counting = _CountingHashlib()
    monkeypatch.setattr(merkle, "hashlib", counting)
    result = check_ledger(small_ledger, acks)
    assert not result.problems, result.summary()
    n = result.entries
    assert result.checkpoints >= 25
    linear = 2 * n + result.checkpoints * n.bit_length()
    assert counting.calls <= linear, f"{counting.calls} SHA-256 calls for {n} entries, {result.checkpoints} checkpoints"


def test_the_independent_check_finds_a_bad_node_and_a_bad_checkpoint(tmp_path: Path) -> None:
    """The one-pass check still names a tree node and a checkpoint root edited behind atmp's back."""
    ledger = sqlite_ledger(tmp_path, ATMP_CHECKPOINT_INTERVAL="4")
    proc = ledger.writer(count=12, tag="y")
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert not check_ledger(ledger).problems
    conn = sqlite3.connect(ledger.database)
    try:
        for name in [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]:
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute('UPDATE ledger_treenode SET hash = zeroblob(32) WHERE level = 1 AND "index" = 2')
        conn.execute("UPDATE ledger_checkpoint SET root = '00' || substr(root, 3) WHERE size = 8")
        conn.execute('INSERT INTO ledger_treenode (level, "index", hash) VALUES (9, 9, zeroblob(32))')
        conn.commit()
    finally:
        conn.close()
    problems = "\n".join(check_ledger(ledger).problems)
    assert "tree: node level 1 index 2: its hash is not the one the leaves give" in problems
    assert "checkpoint 8: stored root is not the Merkle root of the first 8 entries" in problems
    assert "tree: node level 9 index 9 is stored but is not a complete subtree" in problems
