"""`atmp serve` signs and witnesses checkpoints by time on its own (ATMP_TICK_SECONDS)."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import atmp_command, run_atmp, sqlite_ledger


def _serve(ledger, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*atmp_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=ledger.env, cwd=str(ledger.home), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(condition, server: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"`atmp serve` exited {server.returncode}: {server.stderr.read() if server.stderr else ''}")
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"nothing happened within {timeout:.0f} s")


def test_the_server_signs_a_checkpoint_by_time_and_hands_it_to_the_witness(tmp_path: Path) -> None:
    witnessed = tmp_path / "witness"
    witnessed.mkdir()
    ledger = sqlite_ledger(tmp_path, ATMP_TICK_SECONDS="1", ATMP_WITNESS_DIRS=str(witnessed))
    writer = ledger.writer(count=3, tag="TICK")
    _, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    size = int(ledger.query("SELECT size FROM ledger_ledgerhead")[0][0])
    assert ledger.query("SELECT count(*) FROM ledger_checkpoint") == [(0,)]
    server = _serve(ledger, _free_port())
    try:
        _wait_for(lambda: (witnessed / f"{size}.checkpoint").exists(), server)
    finally:
        server.terminate()
        server.wait(timeout=15)
    assert ledger.query("SELECT size FROM ledger_checkpoint") == [(size,)]
    verified = run_atmp(["verify", "--checkpoints", str(witnessed)], ledger.env)
    assert verified.stdout.startswith("OK:")
