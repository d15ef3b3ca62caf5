#!/usr/bin/env python
"""The EM import (`atmp environment import`) with the ledger on, beside a bare CSV parse of the same file.

    .venv/bin/python bench/environment.py                          # SQLite and PostgreSQL, 100,000 results
    .venv/bin/python bench/environment.py --backend sqlite --rows 5000 --json out.json

On a fresh ATMP_HOME (SQLite) or a fresh PostgreSQL database, in a subprocess: a site with a room
of each grade (A–D) and a sample point of each type in it, two site alert limits, and a CSV file
of N results generated in memory (the points in turn, one a minute, counts drawn from a seeded
generator, about one result in 20,000 above its action limit). Measured, in the same process:

* baseline: a bare parse of the same bytes: `csv.DictReader` and the type conversions a result
  needs (ISO 8601 time, decimal count), nothing checked against the database, nothing written;
* check: `import_results(dry_run=True)`: every line checked and judged, nothing written;
* import: `import_results(...)`: the checks again, the file kept (atmp.files, SHA-256), every
  result written with its own ledger entry, the action-level ones with their deviations, committed.

The issue's target: at least 10,000 results/s with the ledger on. Figures are reported, never
asserted; docs/performance.md keeps them (with the machine's load average, printed here).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import log, run_backends

# room code, grade; every room gets one point of each sample type (grade D has no glove limit).
ROOMS = (("RA", "A"), ("RB", "B"), ("RC", "C"), ("RD", "D"))
TYPES = ("particles_0_5", "particles_5_0", "active_air", "settle_plate", "contact_plate", "glove_print")
# The usual count at a point of each type, per grade (well within the limits).
TYPICAL = {
    "in_operation": {
        "particles_0_5": {"A": 400, "B": 60_000, "C": 500_000, "D": 900_000},
        "particles_5_0": {"A": 3, "B": 400, "C": 4_000, "D": 8_000},
    },
    "at_rest": {
        "particles_0_5": {"A": 400, "B": 800, "C": 60_000, "D": 500_000},
        "particles_5_0": {"A": 3, "B": 4, "C": 400, "D": 4_000},
    },
}
ACTION_EVERY = 20_000


def generate(rows: int, *, seed: int = 14, action_every: int = ACTION_EVERY) -> bytes:
    """Return a CSV file of `rows` results at the benchmark's points (deterministic for a seed)."""
    rng = random.Random(seed)
    points = [(room, grade, f"{room}-{kind}", kind) for room, grade in ROOMS for kind in TYPES]
    start = dt.datetime(2025, 1, 6, 7, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    out = io.StringIO()
    out.write("room,point,taken_at,state,value,unit,operator,batch\n")
    for n in range(rows):
        room, grade, code, kind = points[n % len(points)]
        state = "in_operation" if n % 7 else "at_rest"
        typical = TYPICAL[state]
        if kind in typical:
            value = str(int(typical[kind][grade] * rng.uniform(0.5, 1.5)))
        elif grade == "A":
            value = "0"
        else:
            value = str(rng.choice((0, 0, 0, 1, 1, 2)))
        if n % action_every == action_every - 1:  # grade A: any growth is action, and opens a deviation
            room, grade, code, kind, value = "RA", "A", "RA-settle_plate", "settle_plate", "1"
        at = (start + dt.timedelta(minutes=n)).isoformat()
        batch = f"AAV-25-{n // 5000:03d}" if grade in "AB" and state == "in_operation" else ""
        out.write(f"{room},{code},{at},{state},{value},,bench_operator,{batch}\n")
    return out.getvalue().encode()


def bare_parse(data: bytes) -> int:
    """Parse the CSV and convert each line's types, as the import must, with nothing else; return the lines."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    lines = 0
    for row in reader:
        values = {k.strip(): (v or "").strip() for k, v in row.items()}
        dt.datetime.fromisoformat(values["taken_at"])
        Decimal(values["value"])
        lines += 1
    return lines


def set_up() -> tuple[Any, Any]:
    """Create the site, its rooms and points and two alert limits (through the services); return (operator, site)."""
    from atmp.environment.services.limits import set_alert_limit
    from atmp.environment.services.rooms import add_point, add_room
    from atmp.testing import make_site, make_user

    qa = make_user("qa_reviewer", username="bench_qa")
    site = make_site(actor=qa, code="BEN")
    operator = make_user("operator", username="bench_operator", site=site)
    for code, grade in ROOMS:
        room = add_room(actor=qa, site=site, code=code, name=f"Room {grade}", grade=grade, biosafety_level=2)
        for kind in TYPES:
            add_point(actor=qa, room=room, code=f"{code}-{kind}", type=kind, location="bench")
    set_alert_limit(actor=qa, site=site, grade="B", type="active_air", value=5, reason="bench")
    set_alert_limit(actor=qa, site=site, grade="C", type="contact_plate", value=15, reason="bench")
    return operator, site


def worker(rows: int) -> dict[str, Any]:
    """Generate the file, then time the bare parse, the check and the import (in a fresh database)."""
    from common import backend, init_database, setup_django

    setup_django()
    init_database()
    from atmp.environment.services.imports import import_results
    from atmp.ledger.models import LedgerHead

    operator, site = set_up()
    data = generate(rows)
    log(f"{backend()}: {rows} results generated ({len(data) / 1e6:.1f} MB), load average {os.getloadavg()[0]:.1f}")

    started, cpu = time.perf_counter(), time.process_time()
    parsed = bare_parse(data)
    parse_s, parse_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    assert parsed == rows
    log(f"{backend()}: bare parse in {parse_s:.2f} s")

    started, cpu = time.perf_counter(), time.process_time()
    dry = import_results(actor=operator, site=site, stream=io.BytesIO(data), name="em.csv", dry_run=True)
    check_s, check_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    log(f"{backend()}: checked in {check_s:.1f} s")

    entries_before = LedgerHead.objects.get(pk=1).size
    started, cpu = time.perf_counter(), time.process_time()
    report = import_results(actor=operator, site=site, stream=io.BytesIO(data), name="em.csv")
    import_s, import_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    entries = LedgerHead.objects.get(pk=1).size - entries_before
    log(f"{backend()}: imported {report.lines} results ({entries} entries) in {import_s:.1f} s")
    return {
        "backend": backend(),
        "rows": rows,
        "bytes": len(data),
        "levels": dict(report.levels),
        "deviations": len(report.deviations),
        "entries": entries,
        "dry_levels": dict(dry.levels),
        "parse_s": parse_s,
        "check_s": check_s,
        "import_s": import_s,
        "parse_per_s": rows / parse_s,
        "check_per_s": rows / check_s,
        "import_per_s": rows / import_s,
        "ratio": parse_s and import_s / parse_s,
        # This process's CPU seconds: on a shared machine, nearer to what the wall time would be alone
        # (SQLite runs in this process; PostgreSQL's server time is not in them).
        "parse_cpu_s": parse_cpu_s,
        "check_cpu_s": check_cpu_s,
        "import_cpu_s": import_cpu_s,
        "import_per_cpu_s": rows / import_cpu_s,
        "load_average": os.getloadavg(),
    }


def table(results: list[dict[str, Any]]) -> str:
    """Return the results as the Markdown table of docs/performance.md."""
    lines = [
        "| database | results (entries, deviations) | bare CSV parse (baseline) | check (dry run) "
        "| import with the ledger | ratio to the parse | import per CPU second | load average |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['backend']} | {r['rows']:,} ({r['entries']:,}, {r['deviations']}) "
            f"| {r['parse_s']:.2f} s, {r['parse_per_s']:,.0f}/s | {r['check_s']:.1f} s, {r['check_per_s']:,.0f}/s "
            f"| {r['import_s']:.1f} s, **{r['import_per_s']:,.0f} results/s** | {r['ratio']:.1f}× "
            f"| {r['import_per_cpu_s']:,.0f} | {r['load_average'][0]:.1f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.rows)))
        return 0
    log(f"load average at start {os.getloadavg()[0]:.1f}")
    done, complete = run_backends(__file__, "environment", args.backend, ["--rows", str(args.rows)])
    sys.stdout.write(table(done) + "\n")
    if args.json:
        args.json.write_text(json.dumps(done, indent=2))
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
