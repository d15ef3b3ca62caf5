#!/usr/bin/env python
"""Relative potency of a 96-well plate, beside the bare scipy.optimize fit measured in the same run.

    .venv/bin/python bench/potency.py                # one plate, 30 timed runs per figure
    .venv/bin/python bench/potency.py --repeat 5 --json out.json

The plate: a standard and three test preparations, 8 two-fold dilutions in triplicate (96 wells),
4PL responses with 3 % noise. Figures:
- atmp's whole 4PL analysis (`potency_logistic.relative_potency`: the constrained and the
  unconstrained fits, their Hessians, the F and equivalence tests, the ratios and their limits);
- the same through the catalogue (`atmp stats potency --model four_pl` minus the process start);
- the parallel-line analysis of the same plate (ANOVA, Fieller);
against the bare `scipy.optimize.curve_fit` of the constrained (parallel) 4PL model alone, the
least a potency needs. Timings are medians, reported and never asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stats import median_ms, print_table, row

PREPARATIONS = ("S", "T1", "T2", "T3")
TRUE_RATIOS = {"S": 1.0, "T1": 0.8, "T2": 1.25, "T3": 2.0}


def plate(seed: int = 96) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return a 96-well plate: 4 preparations × 8 two-fold dilutions × 3 replicates of a 4PL response."""
    rng = np.random.default_rng(seed)
    doses = np.repeat(100.0 / 2.0 ** np.arange(8), 3)
    names: list[str] = []
    xs, ys = [], []
    for name in PREPARATIONS:
        e = 10.0 / TRUE_RATIOS[name]
        y = 0.1 + 1.9 / (1 + np.exp(-1.3 * (np.log(doses) - np.log(e))))
        names += [name] * doses.size
        xs.append(doses)
        ys.append(y * (1 + rng.normal(0, 0.03, doses.size)))
    return names, np.concatenate(xs), np.concatenate(ys)


def bare_fit(names: list[str], doses: np.ndarray, responses: np.ndarray) -> np.ndarray:
    """Return scipy's curve_fit of the parallel 4PL (common b, c, d; ln e per preparation)."""
    from scipy.optimize import curve_fit

    index = np.array([PREPARATIONS.index(n) for n in names])

    def model(x: np.ndarray, b: float, c: float, d: float, *log_e: float) -> np.ndarray:
        e = np.exp(np.asarray(log_e))[index]
        return c + (d - c) / (1 + np.exp(b * (np.log(x) - np.log(e))))

    start = [-1.0, float(responses.min()), float(responses.max())] + [float(np.log(np.median(doses)))] * 4
    found, _ = curve_fit(model, doses, responses, p0=start, maxfev=20000)
    return np.asarray(found)


def measure(repeat: int) -> list[dict[str, Any]]:
    """Time atmp's analyses of one plate and the bare fit; check they agree on the potency ratios."""
    from atmp.stats.analyses import ANALYSES
    from atmp.stats.catalogue import run
    from atmp.stats.potency_logistic import relative_potency
    from atmp.stats.potency_pla import parallel_line
    from atmp.stats.table import Table

    names, doses, responses = plate()
    ours = relative_potency(names, doses, responses, standard="S")
    bare = bare_fit(names, doses, responses)
    for k, name in enumerate(PREPARATIONS[1:], start=1):
        scipy_ratio = float(np.exp(bare[3] - bare[3 + k]))
        if abs(ours.ratios[name][0] / scipy_ratio - 1) > 1e-5:
            raise AssertionError(f"{name}: atmp {ours.ratios[name][0]} vs scipy {scipy_ratio}")
    lines = "".join(f"{n},{float(d)!r},{float(y)!r}\n" for n, d, y in zip(names, doses, responses, strict=True))
    table = Table.from_bytes(("preparation,dose,response\n" + lines).encode())
    options = {"preparation": "preparation", "dose": "dose", "response": "response", "standard": "S"}
    base = "scipy.optimize.curve_fit of the parallel 4PL alone"
    baseline = median_ms(lambda: bare_fit(names, doses, responses), repeat=repeat)
    ratios = ", ".join(f"{n} {ours.ratios[n][0]:.3f}" for n in PREPARATIONS[1:])
    return [
        row(
            "96-well plate, 4PL: relative_potency() (2 fits, Hessians, tests)",
            median_ms(lambda: relative_potency(names, doses, responses, standard="S"), repeat=repeat),
            base,
            baseline,
            note=f"potency ratios {ratios} (true 0.8, 1.25, 2); median of {repeat}",
        ),
        row(
            "96-well plate, 4PL: catalogue run() on the parsed CSV",
            median_ms(lambda: run(ANALYSES["potency"], {**options, "model": "four_pl"}, table), repeat=repeat),
            base,
            baseline,
        ),
        row(
            "96-well plate, parallel lines: parallel_line() (ANOVA, Fieller)",
            median_ms(lambda: parallel_line(names, doses, responses, standard="S"), repeat=repeat),
            base,
            baseline,
        ),
    ]


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per figure (median reported)")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args()
    rows = measure(args.repeat)
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps({"rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
