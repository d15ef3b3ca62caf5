"""bench/potency.py, tiny: one plate, one timed run; atmp's 4PL potency ratios agree with the bare
scipy fit (measure() raises if not) and come near the plate's true ratios (a timing is never asserted)."""

from __future__ import annotations

from tests.helpers import load_bench


def test_the_potency_benchmark_runs_tiny_and_agrees_with_scipy():
    bench = load_bench("potency")
    rows = bench.measure(repeat=1)
    assert len(rows) == 3 and all(r["baseline"] > 0 and r["value"] > 0 for r in rows)
    assert "T1 0.8" in rows[0]["note"] and "T3 1.9" in rows[0]["note"]
