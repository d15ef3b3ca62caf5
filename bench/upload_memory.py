#!/usr/bin/env python
"""The memory a statistics upload costs the server, beside the idle server's memory in the same run.

    .venv/bin/python bench/upload_memory.py                  # signals uploads of 1..8 MiB, then the refusals
    .venv/bin/python bench/upload_memory.py --sizes 1,4 --json out.json

It starts a real `atmp serve` (waitress) on a fresh ATMP_HOME in a subprocess, signs in with an API
token, and posts CSV report tables (product, event, report) of increasing size to
`POST /api/v1/stats/signals/upload`, one at a time, sampling the server's resident set size
(/proc/<pid>/status VmRSS, every 5 ms) while each request runs. Then it posts

* an upload just over the analysis's limit (refused 413 by the size check);
* a 200 MiB request announced by Content-Length, of which only the first MiB is sent (refused 413
  before the body is read: the server answers without waiting for the rest);
* four concurrent uploads at the limit (at most ATMP_STATS_CONCURRENCY run; the others get 503).

The baseline is the server's RSS after start-up and one small analysis (every import loaded). Figures
are reported, never asserted; docs/performance.md keeps them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
SECRET_KEY = "benchmark-secret-key-not-for-production-0123456789abcdefghijkl"


def atmp() -> list[str]:
    script = Path(sys.executable).with_name("atmp")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from atmp.cli.main import main; main()"]


def rss_kib(pid: int) -> int:
    """Return the resident set size of a process in KiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Sampler:
    """Sample a process's RSS every 5 ms in a thread; keep the peak."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.005)

    def __enter__(self) -> Sampler:
        self.peak = rss_kib(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_kib(self.pid))


def signals_csv(size: int, seed: int = 7) -> bytes:
    """Return a report table of about `size` bytes: 2,000 products x 5,000 events, skewed."""
    rng = random.Random(seed)
    rows = [b"product,event,report\n"]
    total, report = len(rows[0]), 0
    while True:
        report += 1
        for _ in range(rng.choice((1, 1, 2, 3))):
            line = f"P{int(rng.paretovariate(1.2)) % 2000},E{int(rng.paretovariate(1.1)) % 5000},R{report}\n".encode()
            if total + len(line) > size:
                return b"".join(rows)
            rows.append(line)
            total += len(line)


def multipart(data: bytes, fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="reports.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
    )
    return b"".join(parts) + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post(port: int, token: str, body: bytes, content_type: str, *, announce: int | None = None) -> tuple[int, str]:
    """POST to the signals upload; with announce, claim that Content-Length and send only `body`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.putrequest("POST", "/api/v1/stats/signals/upload")
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", content_type)
    conn.putheader("Content-Length", str(announce or len(body)))
    conn.endheaders()
    try:
        conn.send(body)
        response = conn.getresponse()
        return response.status, response.read().decode()[:300]
    except (BrokenPipeError, ConnectionResetError) as exc:
        return 0, f"connection closed: {exc}"
    finally:
        conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,2,4,8", help="upload sizes in MiB (comma-separated)")
    parser.add_argument("--limit-mib", type=float, default=16, help="the signals analysis's limit (MiB)")
    parser.add_argument("--concurrent-mib", type=float, default=4, help="the size of the four concurrent uploads")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]

    home = Path(tempfile.mkdtemp(prefix="atmp-bench-upload-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATMP_", "DJANGO_"))}
    env.update(ATMP_HOME=str(home), ATMP_SECRET_KEY=SECRET_KEY, ATMP_PASSWORD="bench-Password-0123456789")
    run = lambda *a: subprocess.run([*atmp(), *a], env=env, cwd=home, check=True, capture_output=True, text=True)  # noqa: E731
    run("init")
    run("user", "add", "bench", "--full-name", "Bench Analyst", "--role", "qc_analyst")
    token = json.loads(run("user", "token", "bench", "--name", "bench", "--json").stdout)["token"]
    port = free_port()
    server = subprocess.Popen([*atmp(), "serve", "--port", str(port)], env=env, cwd=home, stderr=subprocess.PIPE)
    figures: dict[str, Any] = {"sizes": []}
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        fields = {"product": "product", "event": "event", "report": "report"}
        small, ctype = multipart(signals_csv(64 * 1024), fields)
        status, text = post(port, token, small, ctype)
        assert status == 200, (status, text)
        time.sleep(0.5)
        baseline = rss_kib(server.pid)
        figures["baseline_kib"] = baseline
        print(f"idle server after one small analysis: {baseline / 1024:.0f} MiB resident")
        print(f"{'upload':>10} {'status':>6} {'peak RSS':>10} {'over idle':>10} {'x file':>7} {'seconds':>8}")
        for mib in sizes:
            body, ctype = multipart(signals_csv(int(mib * MIB)), fields)
            before = rss_kib(server.pid)
            started = time.monotonic()
            with Sampler(server.pid) as sampler:
                status, text = post(port, token, body, ctype)
            seconds = time.monotonic() - started
            over = sampler.peak - before
            row = {"mib": mib, "status": status, "peak_kib": sampler.peak, "over_kib": over, "seconds": seconds}
            figures["sizes"].append(row)
            print(
                f"{mib:>7.1f} MiB {status:>6} {sampler.peak / 1024:>6.0f} MiB {over / 1024:>6.0f} MiB "
                f"{over / 1024 / mib:>6.1f}x {seconds:>8.2f}" + ("" if status == 200 else f"  {text[:120]}")
            )

        body, ctype = multipart(signals_csv(int(args.limit_mib * MIB) + 1024), fields)
        with Sampler(server.pid) as sampler:
            started = time.monotonic()
            status, text = post(port, token, body, ctype)
        figures["over_limit"] = {"status": status, "seconds": time.monotonic() - started, "peak_kib": sampler.peak}
        print(
            f"over the limit: {status} in {figures['over_limit']['seconds']:.2f} s, peak {sampler.peak / 1024:.0f} MiB"
        )

        with Sampler(server.pid) as sampler:
            started = time.monotonic()
            status, text = post(port, token, b"x" * MIB, ctype, announce=200 * MIB)
        seconds = time.monotonic() - started
        figures["announced_200mib"] = {"status": status, "seconds": seconds, "peak_kib": sampler.peak}
        print(
            f"200 MiB announced, 1 MiB sent: {status} in {seconds:.2f} s, "
            f"peak {sampler.peak / 1024:.0f} MiB ({text[:80]})"
        )

        body, ctype = multipart(signals_csv(int(args.concurrent_mib * MIB)), fields)
        results: list[int] = []
        with Sampler(server.pid) as sampler:
            threads = [
                threading.Thread(target=lambda: results.append(post(port, token, body, ctype)[0])) for _ in range(4)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        figures["concurrent_4"] = {"mib": args.concurrent_mib, "statuses": sorted(results), "peak_kib": sampler.peak}
        print(
            f"4 concurrent {args.concurrent_mib:g} MiB uploads: statuses {sorted(results)}, "
            f"peak {sampler.peak / 1024:.0f} MiB "
            f"({(sampler.peak - baseline) / 1024:.0f} MiB over idle)"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
