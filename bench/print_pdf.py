#!/usr/bin/env python
"""The PDF/A export of a record beside the HTML of the same page, measured in the same run.

    .venv/bin/python bench/print_pdf.py                       # SQLite and PostgreSQL, 20 samples each
    .venv/bin/python bench/print_pdf.py --backend sqlite --samples 5 --json out.json

The record is a site with 50 history entries (created, 44 changes, 5 approvals by e-signature) on a
fresh ATMP_HOME (SQLite) or a fresh PostgreSQL database, in a subprocess. Measured, each as the
median and p95 of the samples:

* baseline: the record page's HTML in print mode (record_page.print_html: the same template, every
  history entry), which is what any export costs before it becomes a PDF;
* proofs: proofs.bundle (entries, 50 inclusion proofs, checkpoint, snapshot);
* pdf: record_page.record_pdf, the whole export (`atmp print` and the page's PDF link call it):
  proofs, HTML, WeasyPrint layout, font subsetting and PDF/A-3b output.

The ratio is pdf ÷ baseline. Figures are reported, never asserted; docs/performance.md keeps them.
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

CHANGES, SIGNATURES = 44, 5  # with the creation: 50 history entries


def worker(samples: int) -> dict[str, Any]:
    """Build the record and time its exports (inside a subprocess with a fresh database)."""
    from common import backend, init_database, setup_django

    setup_django()
    init_database()
    import datetime as dt

    from atmp.printing import proofs
    from atmp.testing import PASSWORD, make_signed_history, make_site, make_user
    from atmp.web import record_page

    reviewer = make_user("qa_reviewer", username="rita", full_name="Rita Reviewer", password=PASSWORD)
    approver = make_user("qa_approver", username="alex", full_name="Alex Approver", password=PASSWORD)
    site = make_site(actor=reviewer, code="LEI", name="Leiden", timezone="Europe/Amsterdam")
    log(f"{backend()}: building a record with {1 + CHANGES + SIGNATURES} history entries")
    make_signed_history(site, editor=reviewer, signer=approver, changes=CHANGES, signatures=SIGNATURES)
    entries = len(proofs.record_entries(site))
    pdf = record_page.record_pdf(approver, site)  # warm-up: imports WeasyPrint, signs the checkpoint

    def timed(run: Any) -> list[float]:
        out = []
        for _ in range(samples):
            start = time.perf_counter_ns()
            run()
            out.append((time.perf_counter_ns() - start) / 1e6)
        return sorted(out)

    now = dt.datetime.now(dt.UTC)
    html_ms = timed(lambda: record_page.print_html(approver, site, printed_at=now))
    bundle_ms = timed(lambda: proofs.bundle(site))
    pdf_ms = timed(lambda: record_page.record_pdf(approver, site))
    html = record_page.print_html(approver, site, printed_at=now)

    def stats(ms: list[float]) -> dict[str, float]:
        return {"p50": ms[len(ms) // 2], "p95": ms[min(len(ms) - 1, -(-len(ms) * 95 // 100) - 1)]}

    return {
        "backend": backend(),
        "entries": entries,
        "signatures": SIGNATURES,
        "samples": samples,
        "html_ms": stats(html_ms),
        "bundle_ms": stats(bundle_ms),
        "pdf_ms": stats(pdf_ms),
        "html_bytes": len(html.encode()),
        "pdf_bytes": len(pdf),
        "ratio": stats(pdf_ms)["p50"] / stats(html_ms)["p50"],
    }


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| database | entries / signatures | HTML (baseline) p50 / p95 | proofs p50 | PDF p50 / p95 "
        "| ratio | PDF size |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['backend']} | {r['entries']} / {r['signatures']} "
            f"| {r['html_ms']['p50']:.0f} / {r['html_ms']['p95']:.0f} ms | {r['bundle_ms']['p50']:.0f} ms "
            f"| {r['pdf_ms']['p50']:.0f} / {r['pdf_ms']['p95']:.0f} ms | {r['ratio']:.1f}× "
            f"| {r['pdf_bytes'] / 1024:.0f} KiB (HTML {r['html_bytes'] / 1024:.0f} KiB) |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.samples)))
        return 0
    done, complete = run_backends(__file__, "print", args.backend, ["--samples", str(args.samples)])
    sys.stdout.write(table(done) + "\n")
    if args.json:
        args.json.write_text(json.dumps(done, indent=2))
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
