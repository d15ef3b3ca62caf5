#!/usr/bin/env python
"""Benchmark `atmp stats signals` on a generated report database, beside a plain pandas count of it.

    .venv/bin/python bench/stats_signals.py                    # 1,000,000 reports (the issue's target: < 10 s)
    .venv/bin/python bench/stats_signals.py --reports 100000   # a quick run
    .venv/bin/python bench/stats_signals.py --json out.json    # rows for bench/stats.py

The database: 1,000,000 reports over 2,000 products × 5,000 events with Zipf-like frequencies
(product weights ∝ 1/k^1.1, event weights ∝ 1/k), one product and 1 + Poisson(0.6) events per report
(about 1.6 rows per report), and reporting ratios λ that vary by pair: λ ~ Gamma(10, 10) for most
pairs (mild overdispersion), Gamma(2, 0.4) (mean 5) for 0.5 % of them, the signals. Written as CSV
to a temp dir, then timed:

(a) the whole command, `atmp stats signals FILE --product product --event event --report report
    --json > /dev/null`, as a subprocess (start-up, reading, counting, prior fit, posterior, JSON);
(b) the same through the Python functions, stage by stage (read, count, columns, prior fit,
    posterior, building the document, the report's NaN check and the JSON encoding);
(c) the baseline, in the same run: pandas reads the same file and counts distinct reports per pair,
    per product and per event (read_csv, drop_duplicates, groupby) — the counts, no statistics.

Timings are single runs (the whole thing takes a minute), reported and never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PRODUCTS, EVENTS = 2_000, 5_000
TARGET_S = 10.0


def generate(reports: int, path: Path, seed: int = 20261125) -> int:
    """Write the report database as CSV; return its number of rows."""
    rng = np.random.default_rng(seed)
    product_weight = 1.0 / np.arange(1, PRODUCTS + 1) ** 1.1
    event_weight = 1.0 / np.arange(1, EVENTS + 1)
    product = rng.choice(PRODUCTS, size=reports, p=product_weight / product_weight.sum())
    per_report = 1 + rng.poisson(0.6, reports)
    rows_product = np.repeat(product, per_report)
    rows_report = np.repeat(np.arange(reports), per_report)
    rows_event = np.empty(rows_product.size, dtype=np.int64)
    order = np.argsort(rows_product, kind="stable")
    bounds = np.searchsorted(rows_product[order], np.arange(PRODUCTS + 1))
    for p in range(PRODUCTS):
        lo, hi = bounds[p], bounds[p + 1]
        if lo == hi:
            continue
        ratio = rng.gamma(10.0, 1 / 10.0, EVENTS)
        signal = rng.random(EVENTS) < 0.005
        ratio[signal] = rng.gamma(2.0, 1 / 0.4, int(signal.sum()))
        weight = event_weight * ratio
        rows_event[order[lo:hi]] = rng.choice(EVENTS, size=hi - lo, p=weight / weight.sum())
    frame = pd.DataFrame(
        {
            "report": pd.Series(rows_report).map("R{:07d}".format),
            "product": pd.Series(rows_product).map("PRODUCT-{:04d}".format),
            "event": pd.Series(rows_event).map("EVENT-{:04d}".format),
        }
    )
    frame.to_csv(path, index=False)
    return int(frame.shape[0])


def baseline(path: Path) -> dict[str, float]:
    """Count distinct reports per pair, per product and per event with plain pandas; return the seconds."""
    t0 = time.perf_counter()
    frame = pd.read_csv(path, dtype=str)
    t1 = time.perf_counter()
    rows = frame.drop_duplicates()
    pairs = rows.groupby(["product", "event"], sort=False).size()
    per_product = rows.drop_duplicates(["report", "product"]).groupby("product").size()
    per_event = rows.drop_duplicates(["report", "event"]).groupby("event").size()
    reports = rows["report"].nunique()
    t2 = time.perf_counter()
    assert len(pairs) and len(per_product) and len(per_event) and reports
    return {"read": t1 - t0, "count": t2 - t1, "total": t2 - t0}


def command_line(path: Path) -> float:
    """Run the whole command as a user would, stdout to /dev/null; return the wall time in seconds."""
    atmp = Path(sys.executable).with_name("atmp")
    prefix = [str(atmp)] if atmp.exists() else [sys.executable, "-m", "atmp.cli.main"]
    args = ["stats", "signals", str(path), "--product", "product", "--event", "event", "--report", "report", "--json"]
    t0 = time.perf_counter()
    done = subprocess.run([*prefix, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"atmp stats signals exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return elapsed


def stages(path: Path) -> tuple[dict[str, float], dict[str, Any]]:
    """Run the analysis through its functions, timing each stage; return the seconds and facts about the run."""
    from atmp.cli.output import as_printed
    from atmp.stats import signals as sig
    from atmp.stats.analyses import vigilance
    from atmp.stats.report import encode
    from atmp.stats.table import Table

    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = now - clock
        clock = now

    table = Table.from_path(path)
    products = table.labels("product", option="product")
    events = table.labels("event", option="event")
    reports = table.labels("report", option="report")
    lap("read the CSV (Table)")
    counts = sig.count(products, events, reports)
    lap("count pairs")
    result = sig.signals(counts)
    seconds["2×2 columns (E, RR, PRR, ROR, IC)"] = result.timings["columns"]
    seconds["prior fit"] = result.timings["prior_fit"]
    seconds["posterior (EBGM, EB05, EB95)"] = result.timings["posterior"]
    clock = time.perf_counter()
    document = {
        "reports": counts.reports,
        "prior": vigilance.prior_document(result.fit),
        "pairs": vigilance.pairs_document(result, min_n=1),
    }
    lap("build the pairs document")
    text = as_printed(encode(document))
    lap("the JSON text (encoding is the NaN check), as the CLI prints it")
    fit = result.fit
    facts = {
        "rows": len(table),
        "reports": counts.reports,
        "pairs": int(counts.n.size),
        "json_mb": round(len(text.encode()) / 1e6, 1),
        "prior": None if fit.prior is None else [round(v, 6) for v in vars(fit.prior).values()],
        "converged": fit.converged,
        "fit_points": fit.points,
        "squash_width": fit.squash_width,
        "starts_agreeing": f"{fit.starts_agreeing}/{fit.starts}",
    }
    return seconds, facts


def main() -> int:
    """Generate the database, time the three ways and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports to generate (default 1,000,000)")
    parser.add_argument("--json", type=Path, help="also write the rows (bench/stats.py's format) to this file")
    parser.add_argument("--keep", action="store_true", help="keep the generated CSV and print where it is")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="atmp-bench-signals-", dir=os.environ.get("ATMP_BENCH_TMP") or None))
    try:
        path = folder / "reports.csv"
        t0 = time.perf_counter()
        rows = generate(args.reports, path)
        print(f"generated {args.reports:,} reports, {rows:,} rows, {path.stat().st_size / 1e6:.0f} MB "
              f"in {time.perf_counter() - t0:.1f} s; load average {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
        base = baseline(path)
        whole = command_line(path)
        seconds, facts = stages(path)
        print(f"pairs {facts['pairs']:,}; prior {facts['prior']} (converged {facts['converged']}, "
              f"{facts['fit_points']:,} points, squash width {facts['squash_width']}, starts at the optimum "
              f"{facts['starts_agreeing']}); JSON {facts['json_mb']} MB", flush=True)  # fmt: skip
        label = f"{args.reports:,} reports"
        out: list[dict[str, Any]] = [
            {
                "name": f"signals, {label}: `atmp stats signals … --json > /dev/null`",
                "value": whole,
                "unit": "s",
                "baseline_name": "pandas: read_csv + distinct-report counts",
                "baseline": base["total"],
                "ratio": whole / base["total"],
                "target": f"< {TARGET_S:g} s in all",
                "note": f"{facts['pairs']:,} pairs, {facts['json_mb']} MB of JSON",
            }
        ]
        out += [
            {
                "name": f"signals, {label}, stage: {stage}",
                "value": value,
                "unit": "s",
                "baseline_name": "pandas: read_csv + distinct-report counts",
                "baseline": base["total"],
                "ratio": value / base["total"],
            }
            for stage, value in seconds.items()
        ]
        print(f"\n| {label} | seconds | × baseline ({base['total']:.2f} s) |\n|---|---|---|")
        print(f"| baseline: pandas read_csv | {base['read']:.2f} | |")
        print(f"| baseline: pandas counts | {base['count']:.2f} | |")
        for r in out:
            print(f"| {r['name'].split(': ', 1)[-1]} | {r['value']:.2f} | {r['ratio']:.2f}× |")
        print(f"| sum of the stages (b) | {sum(seconds.values()):.2f} | {sum(seconds.values()) / base['total']:.2f}× |")
        if args.json:
            args.json.write_text(json.dumps({"facts": facts, "baseline": base, "rows": out}, indent=1))
        if args.keep:
            print(f"kept {path}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
