#!/usr/bin/env python
"""QP certification checks (issue 15): `certification.checks(batch)` of a batch with 200 results, 10 deviations
and a 300-step record, beside a baseline measured in the same process, on SQLite and PostgreSQL.

    .venv/bin/python bench/qp_checks.py                         # both databases, 300 steps, 200 results
    .venv/bin/python bench/qp_checks.py --quick                 # 30 steps, 40 results, fewer samples
    .venv/bin/python bench/qp_checks.py --backend sqlite --json out.json

On a fresh ATMP_HOME (SQLite) or a fresh PostgreSQL database, in a subprocess (no demo): a batch of an
N-step master record is executed as bench/ebr.py does (a few warnings, corrections and deviations on the
way), completed and reviewed by QA; its audit trail with its parts is reviewed and signed; it is tested
against an approved phase I specification of R/2 attributes, each with a result and a correction
superseding it (R results in all, R/2 live), every live result reviewed by a second person; 10 deviations
are opened against the batch. Measured: `checks(batch)` (every check, as the QP's page and the
certification transition read them), p50 and p95; baseline: a bare count of the batch's results (one
indexed query). Target p95 < 200 ms. Figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import log, run_backends, summary_ms

TARGET_P95_MS = 200.0


def certifiable(steps: int, results: int) -> Any:
    """Return a reviewed batch of `steps` steps with `results` results (half superseded) and 10 deviations."""
    from ebr import executed_batch

    from atmp.lab import factories as lf
    from atmp.lab.services.phases import move
    from atmp.lab.services.results import correct_result, record_result, review
    from atmp.lab.services.specifications import approve, for_batch
    from atmp.ledger import clock
    from atmp.manufacturing.factories import approver
    from atmp.manufacturing.services.batches import complete_batch, review_batch
    from atmp.quality.services.deviations import open_deviation
    from atmp.testing import PASSWORD, make_user

    batch, floor = executed_batch(steps=steps, leave_running=False)
    batch = complete_batch(actor=floor["operator"], batch=batch, reason="every step done")
    batch = review_batch(actor=approver(), batch=batch, password=PASSWORD, reason="reviewed by exception")
    qa = floor["qa"]
    spec = lf.make_specification(actor=qa, product=batch.product, phase="i")
    method = lf.make_fit_method(actor=qa)
    attributes = max(1, results // 2)
    for n in range(1, attributes + 1):
        lf.make_specificationattribute(actor=qa, specification=spec, name=f"Attribute {n}", method=method)
    spec.refresh_from_db()
    approve(actor=lf.approver(), specification=spec, password=PASSWORD, reason="benchmark")
    move(actor=lf.approver(), product=batch.product, phase="i", reason="benchmark")
    for_batch(batch, actor=qa)
    lf.review_audit_trail(batch)
    analyst, second = make_user("qc_analyst", password=PASSWORD), lf.reviewer()
    sample = lf.make_received_sample(actor=analyst, batch=batch)
    for n in range(1, attributes + 1):
        first = record_result(actor=analyst, sample=sample, attribute=str(n), value="2.0E13")
        live = correct_result(actor=analyst, result=first, value="2.1E13", reason="transcription error")
        review(actor=second, result=live, password=PASSWORD)
    for n in range(10):
        open_deviation(
            actor=qa, site=batch.site, title=f"Deviation {n + 1} of the batch", description="benchmark",
            occurred_at=clock.now(), source=batch, reason="benchmark",
        )  # fmt: skip
    return batch


def timed(fn: Any, samples: int) -> list[int]:
    """Return `samples` wall times of fn in nanoseconds (one untimed call first, to warm caches)."""
    fn()
    out = []
    for _ in range(samples):
        begin = time.perf_counter_ns()
        fn()
        out.append(time.perf_counter_ns() - begin)
    return out


def by_check(batch_id: int, samples: int) -> dict[str, float]:
    """Return the p50 (ms) of each check alone, to see where the time goes."""
    from atmp.lab.services import certification as c
    from atmp.manufacturing.models import Batch

    batch = Batch.objects.select_related("patient", "output_lot").get(pk=batch_id)
    uses = c._consumed(batch)
    parts = {
        "results": lambda: c.results_check(batch),
        "oos": lambda: c.oos_check(batch),
        "deviations": lambda: c.deviation_check(batch),
        "batch_record": lambda: c.batch_record_check(batch),
        "audit_trail": lambda: c.audit_trail_check(batch),
        "chain_of_identity": lambda: c.coi_check(batch, uses),
        "starting_materials": lambda: c.materials_check(batch, uses),
        "consumed": lambda: c._consumed(batch),
    }
    return {name: round(summary_ms(timed(fn, samples))["p50"], 2) for name, fn in parts.items()}


def worker(steps: int, results: int, samples: int) -> dict[str, Any]:
    """Make the batch, then time the checks and the baseline (in a fresh database)."""
    from common import backend, init_database, setup_django

    setup_django()
    init_database()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from atmp.lab.models import Result
    from atmp.lab.services.certification import checks
    from atmp.manufacturing.models import Batch

    started = time.perf_counter()
    batch = certifiable(steps, results)
    log(f"{backend()}: batch of {steps} steps with {results} results made in {time.perf_counter() - started:.0f} s")
    batch_id = batch.pk

    def ours() -> list[Any]:
        return checks(Batch.objects.select_related("patient", "output_lot").get(pk=batch_id))

    def bare() -> int:
        return Result.objects.filter(sample__batch_id=batch_id).count()

    found = ours()
    with CaptureQueriesContext(connection) as seen:
        ours()
    figures: dict[str, Any] = {
        "backend": backend(),
        "steps": steps,
        "results": Result.objects.filter(sample__batch_id=batch_id).count(),
        "samples": samples,
        "queries": len(seen),
        "states": {c.name: c.state for c in found},
        "checks": summary_ms(timed(ours, samples)),
        "bare_count": summary_ms(timed(bare, samples)),
        "by_check": by_check(batch_id, samples),
        "load_average": os.getloadavg(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return figures


def table(results: list[dict[str, Any]]) -> str:
    """Return the results as a Markdown table (p50 / p95 ms, the ratio of the p50s)."""
    lines = [
        "| database | figure | p50 / p95 ms | queries | baseline p50 / p95 ms | ratio (p50) | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ours, base = r["checks"], r["bare_count"]
        ratio = ours["p50"] / base["p50"] if base["p50"] else float("inf")
        met = "✓" if ours["p95"] < TARGET_P95_MS else "✗"
        lines.append(
            f"| {r['backend']} | checks(batch): {r['steps']} steps, {r['results']} results, 10 deviations "
            f"| {ours['p50']:.1f} / {ours['p95']:.1f} | {r['queries']} | {base['p50']:.2f} / {base['p95']:.2f} "
            f"(bare count of the results) | {ratio:.0f}× | p95 < {TARGET_P95_MS:.0f} ms {met} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--results", type=int, default=200)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="30 steps, 40 results, 10 samples")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    steps, results, samples = (30, 40, 10) if args.quick else (args.steps, args.results, args.samples)
    if args.worker:
        print(json.dumps(worker(steps, results, samples)))
        return 0
    log(f"load average at start {os.getloadavg()[0]:.1f}")
    passed = ["--steps", str(steps), "--results", str(results), "--samples", str(samples)]
    done, complete = run_backends(__file__, "qp_checks", args.backend, passed)
    sys.stdout.write(table(done) + "\n")
    if args.json:
        args.json.write_text(json.dumps(done, indent=2))
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
