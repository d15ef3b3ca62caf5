#!/usr/bin/env python
"""A workflow transition beside an audited write of the same record, measured in the same run.

    .venv/bin/python bench/workflow.py                        # SQLite and PostgreSQL, 200 records each
    .venv/bin/python bench/workflow.py --backend sqlite --records 50 --json out.json

On a fresh ATMP_HOME (SQLite) or a fresh PostgreSQL database, in a subprocess: N open deviations.
Measured, as the median and p95 over the records:

* baseline: an audited write of one deviation (quality.services.deviations.update_deviation: one
  field changed, one ledger entry, in one change);
* transition: workflow.transition(…, "cancel") of another deviation: the same kind of write plus
  the engine's checks (state, permission, site, required fields, preconditions);
* signed: workflow.transition(…, "close") with its "approved" signature, password hashing included
  (Argon2id re-authentication dominates it; reported for information, not against the target).

The issue's target: a transition costs at most 1.5× the audited write (password hashing excluded).
Figures are reported, never asserted; docs/performance.md keeps them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import log, run_backends


def worker(records: int) -> dict[str, Any]:
    """Make the deviations and time the writes (inside a subprocess with a fresh database)."""
    from common import backend, init_database, setup_django

    setup_django()
    init_database()
    from atmp.quality.factories import make_deviation, make_investigated_deviation
    from atmp.quality.services.deviations import update_deviation
    from atmp.testing import PASSWORD, make_site, make_user
    from atmp.workflow import engine

    operator = make_user("operator", username="olga", password=PASSWORD)
    reviewer = make_user("qa_reviewer", username="rita", password=PASSWORD)
    approver = make_user("qa_approver", username="alex", password=PASSWORD)
    site = make_site(actor=reviewer, code="LEI")
    log(f"{backend()}: {records} deviations for writes, {records} for transitions, 20 for signed closures")
    edited = [make_deviation(actor=operator, site=site) for _ in range(records)]
    cancelled = [make_deviation(actor=operator, site=site) for _ in range(records)]
    closing = []
    for _ in range(20):
        d = make_investigated_deviation(actor=reviewer, site=site)
        engine.transition(reviewer, d, "start_investigation", reason="go")
        engine.transition(reviewer, d, "submit", reason="done")
        closing.append(d)

    def timed(items: list[Any], run: Any) -> list[float]:
        out = []
        for item in items:
            start = time.perf_counter_ns()
            run(item)
            out.append((time.perf_counter_ns() - start) / 1e6)
        return sorted(out)

    write_ms = timed(edited, lambda d: update_deviation(actor=operator, deviation=d, reason="why", area="Suite 2"))
    transition_ms = timed(cancelled, lambda d: engine.transition(reviewer, d, "cancel", reason="raised in error"))
    signed_ms = timed(closing, lambda d: engine.transition(approver, d, "close", reason="ok", password=PASSWORD))

    def stats(ms: list[float]) -> dict[str, float]:
        return {"p50": ms[len(ms) // 2], "p95": ms[min(len(ms) - 1, -(-len(ms) * 95 // 100) - 1)]}

    return {
        "backend": backend(),
        "records": records,
        "write_ms": stats(write_ms),
        "transition_ms": stats(transition_ms),
        "signed_ms": stats(signed_ms),
        "ratio": stats(transition_ms)["p50"] / stats(write_ms)["p50"],
    }


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| database | records | audited write (baseline) p50 / p95 | transition p50 / p95 | ratio (target ≤ 1.5×) "
        "| signed transition p50 / p95 (Argon2id included) |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['backend']} | {r['records']} | {r['write_ms']['p50']:.1f} / {r['write_ms']['p95']:.1f} ms "
            f"| {r['transition_ms']['p50']:.1f} / {r['transition_ms']['p95']:.1f} ms | {r['ratio']:.2f}× "
            f"| {r['signed_ms']['p50']:.0f} / {r['signed_ms']['p95']:.0f} ms |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.records)))
        return 0
    done, complete = run_backends(__file__, "workflow", args.backend, ["--records", str(args.records)])
    sys.stdout.write(table(done) + "\n")
    if args.json:
        args.json.write_text(json.dumps(done, indent=2))
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
