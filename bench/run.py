#!/usr/bin/env python
"""Run atmp's benchmarks on SQLite and PostgreSQL and print each figure beside its baseline.

    .venv/bin/python bench/run.py                  # everything (what `make bench` runs): ~10 min idle, ~25 busy
    .venv/bin/python bench/run.py --quick          # smaller ledger (200,000 entries), fewer samples
    .venv/bin/python bench/run.py --only writes    # writes | verify | proofs | pages | checkpoints
    .venv/bin/python bench/run.py --backend sqlite --json results.json --markdown table.md

Every benchmark runs in a subprocess (Django is configured once per process) against a FRESH
ATMP_HOME in the temp dir (SQLite) or a FRESH PostgreSQL database created here and dropped after;
the project's own and test databases are never touched. Each figure is measured in the same run
as its baseline, and the ratio is the figure's cost relative to the baseline (1.0× = as cheap).
Timings are reported, never asserted. docs/performance.md explains the figures and the baselines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH, fresh_home, fresh_postgres, postgres_unreachable, subprocess_env

LEDGER_BENCHES = ("verify", "proofs", "pages", "checkpoints")
ALL = ("writes", *LEDGER_BENCHES)


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        mem_kb = 0
    import django

    info = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": platform.platform(),
        "load_at_start": os.getloadavg(),
    }
    try:
        import psycopg
        from common import PG_HOST, PG_PORT, PG_USER

        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=3) as c:
            info["postgresql"] = c.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    except Exception as exc:
        info["postgresql"] = f"unavailable ({type(exc).__name__})"
    return info


def run_suite(kind: str, db: str, args: list[str], entries_label: str) -> dict[str, Any]:
    """Run bench/suite.py in a subprocess on a fresh home (and database); return its results."""
    print(f"\n== {db}: {kind} {entries_label}", flush=True)
    with fresh_home(f"{db}-{kind}") as home:
        out = home / "results.json"
        if db == "postgresql":
            with fresh_postgres(kind) as url:
                status = _run(home, url, [kind, "--out", str(out), *args])
        else:
            status = _run(home, None, [kind, "--out", str(out), *args])
        if status != 0 or not out.exists():
            return {"error": f"bench/suite.py {kind} exited {status}", "rows": [], "backend": db}
        return dict(json.loads(out.read_text()))


def _run(home: Path, url: str | None, argv: list[str]) -> int:
    env = subprocess_env(home, url)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, str(BENCH / "suite.py"), *argv], env=env, cwd=str(home), check=False)
    print(f"   ({time.perf_counter() - t0:.0f} s)", flush=True)
    return done.returncode


# --- output ----------------------------------------------------------------------------------


def fmt(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:.3f} ms" if value < 10 else f"{value:.1f} ms"
    return f"{value:,.0f} {unit}"


def verdict(r: dict[str, Any]) -> str:
    if r.get("pending"):
        return "PENDING"
    if r.get("met") is None:
        return ""
    return "met" if r["met"] else "MISSED"


def table_rows(results: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for r in results:
        figure = "—" if r.get("pending") else fmt(r["value"], r["unit"])
        ratio = "—" if r.get("ratio") is None else f"{r['ratio']:.2f}×"
        rows.append([r["backend"], r["name"], figure, f"{fmt(r['baseline'], r['unit'])}  ({r['baseline_name']})",
                     ratio, r.get("target", ""), verdict(r)])  # fmt: skip
    return rows


HEADER = ["db", "benchmark", "figure", "baseline (same run)", "cost vs baseline", "target", ""]


def print_table(results: list[dict[str, Any]]) -> None:
    rows = table_rows(results)
    widths = [max(len(str(c)) for c in col) for col in zip(HEADER, *rows, strict=True)]
    widths[3] = min(widths[3], 80)
    line = "  ".join("-" * w for w in widths)
    print("\n" + "  ".join(h.ljust(w) for h, w in zip(HEADER, widths, strict=True)))
    print(line)
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    print(line)


def markdown(results: list[dict[str, Any]]) -> str:
    out = ["| db | benchmark | figure | baseline (same run) | cost vs baseline | target | |",
           "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in table_rows(results):
        cells = (c.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;") for c in r)
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200,000-entry ledgers and fewer samples (~3 min)")
    parser.add_argument("--only", default=",".join(ALL), help=f"comma-separated subset of: {', '.join(ALL)}")
    parser.add_argument("--backend", default="sqlite,postgresql", help="sqlite, postgresql or both (default)")
    parser.add_argument("--entries", type=int, help="ledger size on SQLite (default 1,000,000; --quick 200,000)")
    parser.add_argument("--pg-entries", type=int, help="ledger size on PostgreSQL (default: as on SQLite)")
    parser.add_argument("--profile", action="store_true", help="profile the audited writes even if within target")
    parser.add_argument("--final-verify", action="store_true",
                        help="run `atmp verify` again after the checkpoint benchmark grew the ledger (on with --quick)")
    parser.add_argument("--json", type=Path, help="also write every figure, note and profile to this file")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown to this file")
    args = parser.parse_args()
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(only) - set(ALL)
    if unknown:
        parser.error(f"--only: unknown benchmark(s) {', '.join(sorted(unknown))}; choose from {', '.join(ALL)}")
    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    if set(backends) - {"sqlite", "postgresql"}:
        parser.error("--backend: sqlite, postgresql or sqlite,postgresql")
    entries = args.entries or (200_000 if args.quick else 1_000_000)
    pg_entries = args.pg_entries or entries
    info = machine()
    print(f"atmp benchmarks, {info['date']}: {info['cpus']} CPUs ({info['cpu']}), {info['ram_gib']} GiB RAM, "
          f"Python {info['python']}, Django {info['django']}, SQLite {info['sqlite']}, "
          f"PostgreSQL {info['postgresql']}; load average {info['load_at_start'][0]:.2f}")  # fmt: skip
    print(f"temp dir: {os.environ.get('ATMP_BENCH_TMP') or tempfile.gettempdir()}")
    t0 = time.perf_counter()
    runs: list[dict[str, Any]] = []
    skipped: list[str] = []
    common_args = (["--quick"] if args.quick else []) + (["--profile"] if args.profile else [])
    ledger_args = ["--final-verify"] if args.quick or args.final_verify else []
    for db in backends:
        if db == "postgresql" and (why := postgres_unreachable()):
            skipped.append(f"PostgreSQL skipped: server unreachable ({why})")
            print(f"\n== postgresql: SKIPPED, server unreachable ({why})")
            continue
        if "writes" in only:
            runs.append(run_suite("writes", db, common_args, ""))
        wanted = [b for b in LEDGER_BENCHES if b in only]
        if wanted:
            n = pg_entries if db == "postgresql" else entries
            extra = ["--entries", str(n), "--only", ",".join(wanted), *ledger_args]
            runs.append(run_suite("ledger", db, common_args + extra, f"({n:,}-entry ledger: {', '.join(wanted)})"))
    info["load_at_end"] = os.getloadavg()
    info["seconds"] = time.perf_counter() - t0
    results = [r for run in runs for r in run.get("rows", [])]
    print(f"\natmp benchmarks: {info['date']}, {info['cpus']} CPUs, {info['ram_gib']} GiB RAM; "
          f"command: {' '.join(['bench/run.py', *sys.argv[1:]])}; {info['seconds'] / 60:.1f} min; load average "
          f"{info['load_at_start'][0]:.2f} at start, {info['load_at_end'][0]:.2f} at end")  # fmt: skip
    print_table(results)
    notes = [(f"{r['backend']} / {r['name']}", r["note"]) for r in results if r.get("note")]
    if notes:
        print("\nNotes:")
        for name, note in notes:
            print(f"  - {name}: {note}")
    for run in runs:
        detail = run.get("detail", {})
        if "verify_cli" in detail:
            generated = json.dumps(detail["verify_cli"])
            print(f"\n`atmp verify --json` on the generated {run['backend']} ledger: {generated}")
        if "verify_cli_final" in detail:
            print(f"`atmp verify --json` after the checkpoint benchmark: {json.dumps(detail['verify_cli_final'])}")
        if "generated" in detail:
            print(f"generated {run['backend']} ledger: {json.dumps(detail['generated'])}")
        if "queries" in detail:
            print(f"{run['backend']} SQL statements per write: {json.dumps(detail['queries'])}")
        if run.get("error"):
            print(f"ERROR ({run['backend']}): {run['error']}")
    for run in runs:
        for name, text in run.get("profile", {}).items():
            print(f"\n--- profile of {run['backend']} {name} (cProfile) ---\n{text}")
    for line in skipped:
        print(line)
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "runs": runs}, indent=1, default=str))
    if args.markdown:
        args.markdown.write_text(markdown(results))
    return 1 if any(run.get("error") for run in runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
