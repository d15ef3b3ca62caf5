#!/usr/bin/env python
"""Benchmarks of the statistics engine, each beside a baseline measured in the same run.

    .venv/bin/python bench/stats.py                 # everything (part of `make bench`)
    .venv/bin/python bench/stats.py --only shelf-life,tost
    .venv/bin/python bench/stats.py --reports 200000 --json out.json

- shelf life on 10,000 rows (10 batches): atmp's whole Q1E analysis (fit, ANCOVA, crossings), from
  arrays and from the parsed CSV through the catalogue, against the bare statsmodels OLS fit of the
  same full model (separate intercepts and slopes) and its formula interface;
- TOST on 10,000 rows: atmp's TOST against statsmodels' ttost_ind / ttost_paired on the same arrays;
- signals over 1,000,000 reports (2,000 products × 5,000 events, skewed), the whole
  `atmp stats signals … --json` command including the prior fit, against a plain pandas count of the
  same table (bench/stats_signals.py).

Timings are medians of repeated runs, reported and never asserted; docs/performance.md keeps them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent
ALL = ("shelf-life", "tost", "signals")


def median_ms(func: Callable[[], Any], *, repeat: int) -> float:
    """Return the median wall time of func() in milliseconds, after one warm-up call."""
    func()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def row(name: str, value: float, baseline_name: str, baseline: float, unit: str = "ms", **extra: Any) -> dict[str, Any]:
    """Return one result: a figure, its baseline and the ratio (figure ÷ baseline: the cost)."""
    return {"name": name, "value": value, "unit": unit, "baseline_name": baseline_name, "baseline": baseline,
            "ratio": value / baseline if baseline else None, **extra}  # fmt: skip


def stability_study(rows: int, batches: int, seed: int = 2026) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return a stability study of `rows` rows: batches with their own slopes, 0–36 months, noise."""
    rng = np.random.default_rng(seed)
    batch = rng.integers(0, batches, rows)
    months = rng.choice(np.array([0, 1, 2, 3, 6, 9, 12, 18, 24, 30, 36], dtype=float), rows)
    intercepts = rng.normal(101.0, 0.8, batches)
    slopes = rng.normal(-0.15, 0.05, batches)
    values = intercepts[batch] + slopes[batch] * months + rng.normal(0, 0.6, rows)
    return [f"B{b:02d}" for b in batch], months, values


def bench_shelf_life(repeat: int) -> list[dict[str, Any]]:
    """Time the Q1E analysis on 10,000 rows against statsmodels' OLS of the full model."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    from atmp.stats import shelf_life
    from atmp.stats.analyses import ANALYSES
    from atmp.stats.catalogue import run
    from atmp.stats.table import Table

    labels, months, values = stability_study(10_000, 10)
    names = sorted(set(labels))
    index = np.array([names.index(b) for b in labels])
    # The full model: an intercept and a slope per batch (the design matrix of the ANCOVA's full model).
    design = np.zeros((len(labels), 2 * len(names)))
    design[np.arange(len(labels)), index] = 1.0
    design[np.arange(len(labels)), len(names) + index] = months
    lines = (f"{b},{m:g},{v:.4f}\n" for b, m, v in zip(labels, months, values, strict=True))
    csv = "batch,month,assay\n" + "".join(lines)
    table = Table.from_bytes(csv.encode())
    options = {"batch": "batch", "time": "month", "value": "assay", "lower": "90"}
    import pandas as pd

    frame = pd.DataFrame({"batch": labels, "month": months, "assay": values})
    result = shelf_life.shelf_life(labels, months, values, lower=90.0)

    atmp_arrays = median_ms(lambda: shelf_life.shelf_life(labels, months, values, lower=90.0), repeat=repeat)
    atmp_table = median_ms(lambda: run(ANALYSES["shelf-life"], options, table), repeat=repeat)
    bare = median_ms(lambda: sm.OLS(values, design).fit(), repeat=repeat)
    formula = median_ms(lambda: smf.ols("assay ~ C(batch) * month", frame).fit(), repeat=repeat)
    parse = median_ms(lambda: Table.from_bytes(csv.encode()), repeat=repeat)
    base = "statsmodels OLS(y, X).fit() of the full model (10 intercepts, 10 slopes)"
    note = f"model {result.model}, shelf life {result.shelf_life:.2f} months; median of {repeat}"
    return [
        row("shelf life, 10,000 rows: shelf_life.shelf_life() from arrays", atmp_arrays, base, bare, note=note),
        row("shelf life, 10,000 rows: catalogue run() on the parsed CSV", atmp_table, base, bare),
        row("(reference) statsmodels formula ols('assay ~ C(batch) * month').fit()", formula, base, bare),
        row("(reference) reading the 10,000-row CSV (Table.from_bytes)", parse, base, bare),
    ]


def bench_tost(repeat: int) -> list[dict[str, Any]]:
    """Time TOST on 10,000 rows against statsmodels' ttost_ind and ttost_paired."""
    from statsmodels.stats.weightstats import ttost_ind, ttost_paired

    from atmp.stats import equivalence

    rng = np.random.default_rng(7)
    test, reference = rng.normal(100.2, 2.0, 5_000), rng.normal(100.0, 2.0, 5_000)
    rows = []
    for variant, ours, theirs in (
        ("pooled", lambda: equivalence.tost(test, reference, margin=0.5, variant="pooled"),
         lambda: ttost_ind(test, reference, -0.5, 0.5, usevar="pooled")),
        ("welch", lambda: equivalence.tost(test, reference, margin=0.5, variant="welch"),
         lambda: ttost_ind(test, reference, -0.5, 0.5, usevar="unequal")),
        ("paired", lambda: equivalence.tost(test, reference, margin=0.5, variant="paired"),
         lambda: ttost_paired(test, reference, -0.5, 0.5)),
    ):  # fmt: skip
        mine = median_ms(ours, repeat=repeat)
        bare = median_ms(theirs, repeat=repeat)
        usevar = "pooled" if variant == "pooled" else "unequal"
        name = "ttost_paired" if variant == "paired" else f"ttost_ind(usevar={usevar})"
        rows.append(row(f"TOST {variant}, 2 × 5,000 rows: equivalence.tost()", mine, f"statsmodels {name}", bare))
    from atmp.stats.analyses import ANALYSES
    from atmp.stats.catalogue import run
    from atmp.stats.table import Table

    labels = ["test"] * len(test) + ["reference"] * len(reference)
    values = [float(v) for v in (*test, *reference)]
    csv = "group,value\n" + "".join(f"{g},{v!r}\n" for g, v in zip(labels, values, strict=True))
    table = Table.from_bytes(csv.encode())
    options = {"group": "group", "value": "value", "test": "test", "reference": "reference", "margin": "0.5"}
    whole = median_ms(lambda: run(ANALYSES["tost"], options, table), repeat=repeat)
    bare = median_ms(lambda: ttost_ind(test, reference, -0.5, 0.5, usevar="pooled"), repeat=repeat)
    note = "grouping the 10,000 text labels of the table is most of this; reading the CSV is apart"
    baseline = "statsmodels ttost_ind(usevar=pooled)"
    rows.append(row("TOST pooled, 10,000-row table: catalogue run()", whole, baseline, bare, note=note))
    return rows


def bench_signals(reports: int) -> list[dict[str, Any]]:
    """Run bench/stats_signals.py (1,000,000 reports by default) and return its rows."""
    out = BENCH / ".stats_signals.json"
    command = [sys.executable, str(BENCH / "stats_signals.py"), "--reports", str(reports), "--json", str(out)]
    done = subprocess.run(command, check=False)
    try:
        if done.returncode != 0 or not out.exists():
            return [{"name": "signals", "error": f"bench/stats_signals.py exited {done.returncode}"}]
        return list(json.loads(out.read_text())["rows"])
    finally:
        out.unlink(missing_ok=True)


def fmt(value: float, unit: str) -> str:
    """Return a figure with its unit."""
    if unit == "ms":
        return f"{value:.3f} ms" if value < 10 else f"{value:,.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:,.0f} {unit}"


def print_table(rows: list[dict[str, Any]]) -> str:
    """Print the results as a Markdown table and return it."""
    lines = ["| benchmark | figure | baseline (same run) | cost vs baseline | target |", "|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['name']} | ERROR: {r['error']} | | | |")
            continue
        ratio = "—" if r.get("ratio") is None else f"{r['ratio']:.2f}×"
        base = f"{fmt(r['baseline'], r['unit'])} ({r['baseline_name']})"
        lines.append(f"| {r['name']} | {fmt(r['value'], r['unit'])} | {base} | {ratio} | {r.get('target', '')} |")
    text = "\n".join(lines)
    print(text)
    for r in rows:
        if r.get("note"):
            print(f"- {r['name']}: {r['note']}")
    return text


def main() -> int:
    """Run the chosen benchmarks and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(ALL), help=f"comma-separated subset of: {', '.join(ALL)}")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per figure (median reported)")
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports in the signals benchmark")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args()
    only = [o.strip() for o in args.only.split(",") if o.strip()]
    if set(only) - set(ALL):
        parser.error(f"--only: choose from {', '.join(ALL)}")
    load = os.getloadavg()[0]
    print(f"atmp statistics benchmarks: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"NumPy {np.__version__}; load average {load:.2f}", flush=True)  # fmt: skip
    rows: list[dict[str, Any]] = []
    if "shelf-life" in only:
        rows += bench_shelf_life(args.repeat)
    if "tost" in only:
        rows += bench_tost(args.repeat)
    if "signals" in only:
        rows += bench_signals(args.reports)
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps({"load_at_start": load, "rows": rows}, indent=1))
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
