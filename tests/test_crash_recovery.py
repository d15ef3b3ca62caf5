"""kill -9 a writer at random moments: nothing acknowledged is lost, nothing half-written stays.

Each cycle starts a writer (tests/load/writer.py), lets it write for a random 0.05 to 0.6 s and
SIGKILLs it, wherever it is: opening its database connection, inside a transaction, in the
middle of the commit, signing a checkpoint, or between the commit and its acknowledgement. The
next writer must then find the ledger as the last committed transaction left it (SQLite
recovers the WAL; PostgreSQL rolls the dead session's transaction back and releases its lock
on the head).

Writers are started two ways: as new Python processes (`python tests/load/writer.py`), and,
where a test needs many, forked from a writer that has loaded Django already (`--fork-server`):
each forked writer is its own process with its own database connection, and costs a fork
instead of a second of start-up, so the kills land on writers that are writing.

At the end: every ACKed write is in the database, the chain and tree verify, each record has
its create entry and exactly the entries of its versions, a pair created in one transaction is
both there or neither, and a last writer still runs to completion.

The randomness is seeded; the seed is printed, and shown on failure. Rerun one with
ATMP_CRASH_SEED=<seed>.
"""

from __future__ import annotations

import os
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import (
    Acks,
    ForkServer,
    Ledger,
    assert_verify_agrees,
    check_ledger,
    entries_for,
    postgres_ledger,
    sqlite_ledger,
    writes_of,
)

pytestmark = pytest.mark.slow

INTERVAL = 20  # checkpoints every 20 entries, so some kills land while one is being signed
RUN_SECONDS = (0.05, 0.6)
FOREVER = 1_000_000  # a writer's count: it never finishes before it is killed
# `make soak` sets ATMP_SOAK=1 (or a number: the kills per database, at least 1,000 by default);
# the normal run keeps the small counts.
SOAK = int(os.environ.get("ATMP_SOAK") or 0)
SOAK_KILLS = max(SOAK, 1_000) if SOAK else 0
SQLITE_KILLS = SOAK_KILLS or 100  # one forked writer at a time
POSTGRES_KILLS = 100 if SOAK else 20  # one new writer process at a time (a Python start each)
POSTGRES_FORKED_KILLS = SOAK_KILLS or 20  # one forked writer at a time
CONCURRENT_KILLS = 200 if SOAK else 40  # one of three live writers at a time
CONCURRENT_KILLS_POSTGRES = 200 if SOAK else 20


@dataclass
class CrashRun:
    seed: int
    kills: int = 0
    acks: Acks = field(default_factory=Acks)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def say(self, message: str) -> str:
        return f"[seed {self.seed}; rerun with ATMP_CRASH_SEED={self.seed}] {message}"


def seed() -> int:
    value = int(os.environ.get("ATMP_CRASH_SEED") or random.SystemRandom().randrange(2**32))
    print(f"crash test seed: {value} (rerun with ATMP_CRASH_SEED={value})")  # noqa: T201
    return value


def kill_new_processes(ledger: Ledger, kills: int, run: CrashRun) -> None:
    """Start, run for a random while and SIGKILL `kills` new writer processes, one at a time.

    The next writer is started (Python and Django loaded, no database connection yet) while
    the current one runs, and waits for GO, so the run time is measured from GO.
    """
    rng = random.Random(run.seed)
    started = time.monotonic()
    upcoming = ledger.writer(count=FOREVER, tag="k0", wait_go=True)
    proc = upcoming
    try:
        for cycle in range(kills):
            proc = upcoming
            assert proc.stdin is not None and proc.stdout is not None
            ready = proc.stdout.readline()
            upcoming = ledger.writer(count=FOREVER, tag=f"k{cycle + 1}", wait_go=True)
            if ready != "READY\n":
                _, err = proc.communicate(timeout=60)
                run.problems.append(f"cycle {cycle}: writer did not start ({ready!r}): {err[-2000:]}")
                continue
            proc.stdin.write("GO\n")
            proc.stdin.flush()
            time.sleep(rng.uniform(*RUN_SECONDS))
            alive = proc.poll() is None
            proc.send_signal(signal.SIGKILL)
            out, err = proc.communicate(timeout=60)
            run.acks.add(out)
            if alive and proc.returncode == -signal.SIGKILL:
                run.kills += 1
            else:
                # It died before the kill: "database is locked", a unique violation on the
                # chain after a bad recovery, a checkpoint refused...
                run.problems.append(f"cycle {cycle}: exited {proc.returncode} unkilled:\n{err[-3000:]}")
            if "Traceback" in err:
                run.problems.append(f"cycle {cycle}: writer printed a traceback:\n{err[-3000:]}")
    finally:
        for leftover in (proc, upcoming):
            if leftover.poll() is None:
                leftover.kill()
                leftover.communicate(timeout=60)
    run.seconds = time.monotonic() - started


def kill_forked(ledger: Ledger, kills: int, run: CrashRun, *, live: int) -> None:
    """Keep `live` forked writers writing at once; SIGKILL a random one `kills` times, each
    after a random while, and fork a new one in its place. With live > 1 the victim may hold
    the lock or wait for it, and the survivors must carry on."""
    rng = random.Random(run.seed)
    started = time.monotonic()
    tags = (f"f{n}" for n in range(1_000_000))
    server = ForkServer(ledger, run.acks, pause_ms=1 if live > 1 else 0)
    pids: list[int] = []

    def kill(pid: int, cycle: int | str) -> None:
        os.kill(pid, signal.SIGKILL)  # a child that already died is a zombie until reaped: no error
        how = server.reap(pid)
        if how != f"signal {int(signal.SIGKILL)}":
            run.problems.append(f"cycle {cycle}: writer {pid} ended by {how} before it was killed")

    try:
        pids += [server.start(next(tags)) for _ in range(live)]
        for cycle in range(kills):
            time.sleep(rng.uniform(*RUN_SECONDS))
            kill(pids.pop(rng.randrange(len(pids))), cycle)
            run.kills += 1
            pids.append(server.start(next(tags)))
    finally:
        for pid in pids:
            kill(pid, "end")
        err = server.close()
        if "Traceback" in err:
            run.problems.append(f"a forked writer printed a traceback:\n{err[-3000:]}")
    run.seconds = time.monotonic() - started


def finish_and_check(ledger: Ledger, run: CrashRun, expected_kills: int) -> None:
    assert not run.problems, run.say("\n".join(run.problems[:10]))
    assert run.kills == expected_kills, run.say(f"{run.kills} of {expected_kills} killed alive")
    acked = len(run.acks)
    assert acked > expected_kills, run.say(
        f"the writers acknowledged only {acked} writes in {expected_kills} cycles: the kills "
        "mostly landed before any write, so the test proves little"
    )

    # The ledger is still writable after all the kills: a last writer runs to completion.
    final = ledger.writer(count=20, tag="final")
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0 and out.endswith("DONE\n"), run.say(f"the writer after the kills failed:\n{err}")
    run.acks.add(out)

    checking = time.monotonic()
    result = check_ledger(ledger, run.acks)
    check_seconds = time.monotonic() - checking
    assert not result.problems, run.say(result.summary())
    # Counts are consistent: the ledger holds one entry per record version and one per
    # checkpoint, nothing else (no entry of a rolled-back transaction, no record without one).
    assert result.entries == entries_for(result.sites + result.updates, INTERVAL), run.say(
        f"{result.entries} entries for {result.sites} sites and {result.updates} updates"
    )
    final_sites, _ = writes_of(20)
    assert result.sites >= len(run.acks.created) >= final_sites
    committed_not_acked = result.sites + result.updates - len(run.acks)
    verifying = time.monotonic()
    assert_verify_agrees(ledger.env, result, run.say(""))
    verify_seconds = time.monotonic() - verifying
    print(  # noqa: T201
        f"{ledger.kind}: {run.kills} kills in {run.seconds:.1f} s, {len(run.acks)} acknowledged "
        f"writes, {result.entries} entries, {result.checkpoints} checkpoints, "
        f"{committed_not_acked} writes committed but killed before their ACK; "
        f"check_ledger {check_seconds:.1f} s, atmp verify {verify_seconds:.1f} s"
    )


def test_kill_forked_writers_sqlite(tmp_path: Path) -> None:
    run = CrashRun(seed())
    ledger = sqlite_ledger(tmp_path, ATMP_CHECKPOINT_INTERVAL=str(INTERVAL))
    kill_forked(ledger, SQLITE_KILLS, run, live=1)
    finish_and_check(ledger, run, SQLITE_KILLS)


def test_kill_forked_writers_postgres(tmp_path: Path) -> None:
    run = CrashRun(seed())
    with postgres_ledger(tmp_path, ATMP_CHECKPOINT_INTERVAL=str(INTERVAL)) as ledger:
        kill_forked(ledger, POSTGRES_FORKED_KILLS, run, live=1)
        finish_and_check(ledger, run, POSTGRES_FORKED_KILLS)


def test_kill_writer_processes_postgres(tmp_path: Path) -> None:
    run = CrashRun(seed())
    with postgres_ledger(tmp_path, ATMP_CHECKPOINT_INTERVAL=str(INTERVAL)) as ledger:
        kill_new_processes(ledger, POSTGRES_KILLS, run)
        finish_and_check(ledger, run, POSTGRES_KILLS)


def test_kill_among_concurrent_writers_sqlite(tmp_path: Path) -> None:
    run = CrashRun(seed())
    ledger = sqlite_ledger(tmp_path, ATMP_CHECKPOINT_INTERVAL=str(INTERVAL))
    kill_forked(ledger, CONCURRENT_KILLS, run, live=3)
    finish_and_check(ledger, run, CONCURRENT_KILLS)


def test_kill_among_concurrent_writers_postgres(tmp_path: Path) -> None:
    run = CrashRun(seed())
    with postgres_ledger(tmp_path, ATMP_CHECKPOINT_INTERVAL=str(INTERVAL)) as ledger:
        kill_forked(ledger, CONCURRENT_KILLS_POSTGRES, run, live=3)
        finish_and_check(ledger, run, CONCURRENT_KILLS_POSTGRES)
