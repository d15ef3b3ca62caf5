"""bench/trace.py, tiny: its generated genealogy loads, and on it the trace service, the bare recursive
count, the per-hop ORM walk and the in-memory search reach the same lots from every root (a timing
is never asserted)."""

from __future__ import annotations

import pytest

from tests.helpers import load_bench

pytestmark = pytest.mark.django_db


def test_the_trace_benchmark_runs_tiny_and_its_four_methods_agree():
    bench = load_bench("trace")

    genealogy = bench.generate(2000, seed=1)
    counts = bench.load(genealogy)
    assert counts["lots"] == len(genealogy.lots) and counts["uses"] >= 1.5 * counts["lots"]
    memory = bench.Memory.load()
    roots = [*genealogy.by_kind["HUB"][:2], *genealogy.by_kind["WCB"][:1], *genealogy.by_kind["DP"][:3]]
    rows = bench.measure(roots, memory)  # raises if any two methods reach different lots
    assert len(rows) == 2 * len(roots)
    assert max(r["reached"] for r in rows) > 50  # a hub's forward trace reaches its batches' products
    summary = bench.summarise(rows)
    assert set(summary) == {"forward", "backward"} and bench.buckets(rows)
    result = {"backend": "x", "counts": counts, "memory_load_s": 0, "uniform": summary, "hubs": summary}
    assert "| forward |" in bench.table([{**result, "buckets": bench.buckets(rows)}])
