"""bench/trace.py, tiny: its generated genealogy loads, and on it the trace service, the bare recursive
count, the per-hop ORM walk and the in-memory search reach the same lots from every root (a timing
is never asserted)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
pytestmark = pytest.mark.django_db


def load_benchmark():
    """Import bench/trace.py under its own name: as `trace` it would stand in for the standard library's."""
    sys.path.insert(0, str(BENCH))  # for its `from common import …`
    try:
        spec = importlib.util.spec_from_file_location("atmp_bench_trace", BENCH / "trace.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # its dataclasses look their module up there
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


def test_the_trace_benchmark_runs_tiny_and_its_four_methods_agree():
    bench = load_benchmark()

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
