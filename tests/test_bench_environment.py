"""bench/environment.py, tiny: its generated file imports through the real service, every line a result
with its entry and the action-level ones with their deviations, and the bare parse reads the same
lines (a timing is never asserted)."""

from __future__ import annotations

import io

import pytest

from tests.helpers import load_bench

pytestmark = pytest.mark.django_db


def test_the_em_import_benchmark_runs_tiny():
    from atmp.environment.models import Result
    from atmp.environment.services.imports import import_results

    bench = load_bench("environment")
    rows = 500
    data = bench.generate(rows, action_every=200)
    assert bench.generate(rows, action_every=200) == data  # seeded
    assert bench.bare_parse(data) == rows
    operator, site = bench.set_up()
    dry = import_results(actor=operator, site=site, stream=io.BytesIO(data), name="em.csv", dry_run=True)
    assert dry.lines == rows and dry.levels["action"] == 2 and dry.levels["within"] > 0.9 * rows
    report = import_results(actor=operator, site=site, stream=io.BytesIO(data), name="em.csv")
    assert Result.objects.count() == rows and len(report.deviations) == 2
    result = {"backend": "x", "rows": rows, "entries": rows, "deviations": 1, "parse_s": 1, "parse_per_s": 1}
    result |= {"check_s": 1, "check_per_s": 1, "import_s": 1, "import_per_s": 1, "ratio": 1, "import_per_cpu_s": 1}
    assert "| x |" in bench.table([{**result, "load_average": (1.0, 1.0, 1.0)}])
