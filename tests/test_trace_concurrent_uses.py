"""Two uses of one lot at once, each of more than half of it: the second waits for the first and is refused.

The remainder is read and checked under a lock (the lot's row, FOR UPDATE, and the ledger's append
lock on PostgreSQL; the write lock an IMMEDIATE transaction takes at BEGIN on SQLite). Process A
records its use and keeps its transaction open; process B is told to use the same lot meanwhile;
then A commits. With the lock B reads the remainder only after A's commit, sees 40 mL and is
refused; without it B would have read 100 mL while A was still open, and both would pass.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import postgres_ledger, sqlite_ledger

SCRIPT = Path(__file__).parent / "load" / "trace_uses.py"
# How long B is given to reach the remainder check while A holds its transaction open. Not an
# assertion: with the lock B is refused however long it takes; this only makes the race (what
# the lock prevents) actually happen when the lock is missing.
B_HEAD_START = 1.5


def _start(ledger, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), *args], env=ledger.env, cwd=str(ledger.home), text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _say(process: subprocess.Popen[str], line: str = "go") -> None:
    assert process.stdin is not None
    process.stdin.write(f"{line}\n")
    process.stdin.flush()


def _expect(process: subprocess.Popen[str], word: str) -> None:
    assert process.stdout is not None
    got = process.stdout.readline().strip()
    assert got == word, f"{got!r}; stderr: {process.stderr.read() if process.stderr else ''}"


def _race(ledger) -> tuple[str, str]:
    setup = _start(ledger, "setup")
    _, err = setup.communicate(timeout=300)
    assert setup.returncode == 0, err
    first, second = _start(ledger, "hold", "OUT-1", "60"), _start(ledger, "use", "OUT-2", "60")
    _expect(first, "READY")
    _expect(second, "READY")
    _say(first)
    _expect(first, "HELD")  # A's use is written, its transaction open
    _say(second)  # B starts its use now
    time.sleep(B_HEAD_START)
    _say(first)  # A commits
    answers = []
    for process in (first, second):
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        answers.append(out.strip())
    return answers[0], answers[1]


def _check(ledger, answers: tuple[str, str]) -> None:
    first, second = answers
    assert first == "OK", answers
    assert second.startswith("REFUSED") and "has 40 mL left: 60 mL is more than remains" in second, answers
    assert ledger.query("SELECT COUNT(*) FROM trace_use")[0][0] == 1


def test_on_sqlite_a_use_waits_for_the_one_before_it(tmp_path):
    ledger = sqlite_ledger(tmp_path)
    _check(ledger, _race(ledger))


def test_on_postgresql_a_use_waits_for_the_one_before_it(tmp_path):
    with postgres_ledger(tmp_path) as ledger:
        _check(ledger, _race(ledger))
