"""What the benchmarks share: fresh databases, Django set-up in a subprocess, timing statistics.

Nothing here touches the project's own database or its test database: every benchmark runs in a
subprocess of bench/run.py against a fresh ATMP_HOME (SQLite file) or a fresh PostgreSQL
database created for it and dropped afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
SECRET_KEY = "benchmark-secret-key-not-for-production-0123456789abcdefghijkl"


# --- fresh databases (used by run.py, before any Django import) -------------------------------


@contextlib.contextmanager
def fresh_home(prefix: str) -> Iterator[Path]:
    """Yield a fresh, empty ATMP_HOME directory in the system's temp dir; remove it afterwards."""
    base = os.environ.get("ATMP_BENCH_TMP") or None
    path = Path(tempfile.mkdtemp(prefix=f"atmp-bench-{prefix}-", dir=base))
    try:
        yield path
    finally:
        if os.environ.get("ATMP_BENCH_KEEP") == "1":
            print(f"  (kept {path})", flush=True)
        else:
            shutil.rmtree(path, ignore_errors=True)


def postgres_unreachable() -> str | None:
    """Return why the PostgreSQL server cannot be used, or None when it can."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency of atmp
        return f"psycopg is not installed ({exc})"
    try:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True, connect_timeout=5
    ) as conn:
        conn.execute(sql)  # type: ignore[arg-type]  # the names are generated here, never input


@contextlib.contextmanager
def fresh_postgres(prefix: str) -> Iterator[str]:
    """Create a fresh, empty PostgreSQL database; yield its URL; drop it afterwards (even if in use)."""
    name = f"atmp_bench_{prefix}_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        if os.environ.get("ATMP_BENCH_KEEP") == "1":
            print(f"  (kept database {name})", flush=True)
        else:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def subprocess_env(home: Path, database_url: str | None) -> dict[str, str]:
    """Return the environment of a benchmark subprocess: its own ATMP_HOME and database, nothing inherited
    from a caller's ATMP_* or Django settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATMP_", "DJANGO_"))}
    env.update(
        ATMP_HOME=str(home),
        ATMP_SECRET_KEY=SECRET_KEY,
        DJANGO_SETTINGS_MODULE="atmp.settings",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    for passthrough in ("ATMP_BENCH_TMP", "ATMP_BENCH_KEEP"):
        if passthrough in os.environ:
            env[passthrough] = os.environ[passthrough]
    if database_url:
        env["ATMP_DATABASE_URL"] = database_url
    return env


# --- inside a benchmark subprocess -------------------------------------------------------------


def setup_django() -> None:
    """Configure Django from the environment run.py prepared (once per process)."""
    if "ATMP_HOME" not in os.environ:
        raise SystemExit("run the benchmarks with bench/run.py: it gives each one a fresh ATMP_HOME and database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atmp.settings")
    import django

    django.setup()


def init_database() -> None:
    """Do what `atmp init` does: migrate the fresh database and create the ledger's signing key."""
    from django.core.management import call_command

    from atmp.ledger import keys

    call_command("migrate", interactive=False, verbosity=0)
    keys.create_key()


def backend() -> str:
    """Return 'sqlite' or 'postgresql', the database this process uses."""
    from django.db import connection

    return connection.vendor


def log(message: str) -> None:
    """Print progress (stderr of the subprocess is the terminal of run.py)."""
    import sys

    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- statistics --------------------------------------------------------------------------------


def percentile(samples: list[float], p: float) -> float:
    """Return the nearest-rank p-th percentile (0 < p <= 100) of samples."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n·p/100), at least 1
    return ordered[int(rank) - 1]


def summary_ms(samples_ns: list[int]) -> dict[str, Any]:
    """Return p50, p95, p99, mean and n of nanosecond samples, in milliseconds."""
    ms = [s / 1e6 for s in samples_ns]
    return {
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "mean": sum(ms) / len(ms),
        "n": len(ms),
    }


def alternating(service: Callable[[], Any], baseline: Callable[[], Any], samples: int) -> tuple[list[int], list[int]]:
    """Time each function samples times in turns (so neither runs warmer), after one untimed call of each; ns."""
    service(), baseline()
    ours: list[int] = []
    base: list[int] = []
    for _ in range(samples):
        for fn, out in ((service, ours), (baseline, base)):
            begin = time.perf_counter_ns()
            fn()
            out.append(time.perf_counter_ns() - begin)
    return ours, base


def row(
    group: str,
    name: str,
    value: float,
    unit: str,
    *,
    baseline_name: str,
    baseline: float,
    ratio: float | None = None,
    target: str = "",
    met: bool | None = None,
    note: str = "",
    pending: bool = False,
) -> dict[str, Any]:
    """Return one result row. ratio is the figure's cost relative to the baseline (time ÷ time, or
    baseline rate ÷ rate): 1.0× means as cheap as the baseline."""
    return {
        "group": group,
        "name": name,
        "value": value,
        "unit": unit,
        "baseline_name": baseline_name,
        "baseline": baseline,
        "ratio": ratio,
        "target": target,
        "met": met,
        "note": note,
        "pending": pending,
    }


def run_worker(
    script: str, prefix: str, label: str, database_url: str | None, args: list[str]
) -> dict[str, Any] | None:
    """Run `script --worker ARGS` on a fresh home (and database); return its JSON result with its wall time."""
    with fresh_home(f"{prefix}-{label}") as home:
        env = subprocess_env(home, database_url)
        begin = time.perf_counter()
        done = subprocess.run(
            [sys.executable, script, "--worker", *args], env=env, capture_output=True, text=True, check=False
        )
        sys.stderr.write(done.stderr)
        if done.returncode != 0:
            log(f"{label}: the worker failed (exit {done.returncode})")
            return None
        result: dict[str, Any] = json.loads(done.stdout)
        result["wall_s"] = round(time.perf_counter() - begin, 1)
        return result


def run_backends(script: str, prefix: str, choice: str, args: list[str]) -> tuple[list[dict[str, Any]], bool]:
    """Run the worker on SQLite and/or a fresh PostgreSQL database; return the results and whether all ran."""
    results = []
    if choice in ("sqlite", "both"):
        results.append(run_worker(script, prefix, "sqlite", None, args))
    if choice in ("postgresql", "both"):
        problem = postgres_unreachable()
        if problem:
            log(f"PostgreSQL skipped: {problem}")
        else:
            with fresh_postgres(prefix) as url:
                results.append(run_worker(script, prefix, "postgresql", url, args))
    done = [r for r in results if r is not None]
    return done, len(done) == len(results)


def page_getter(client: Any, url: str) -> Callable[[], Any]:
    """Return a GET of the url through the test client that refuses anything but a 200."""

    def get() -> Any:
        answer = client.get(url)
        if answer.status_code != 200:
            raise SystemExit(f"GET {url}: {answer.status_code} {answer.content[:300]!r}")
        return answer

    return get


def queries_of(run: Callable[[], Any]) -> int:
    """Return how many SQL statements one run issues."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)
