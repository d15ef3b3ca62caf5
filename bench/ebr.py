#!/usr/bin/env python
"""Batch execution (EBR, issue 14): an entry with its checks, the review of a 300-step batch and the
operator's pages, each beside a baseline measured in the same process, on SQLite and PostgreSQL.

    .venv/bin/python bench/ebr.py                              # both databases, 300 steps
    .venv/bin/python bench/ebr.py --quick                      # 30 steps, fewer samples
    .venv/bin/python bench/ebr.py --backend sqlite --json out.json

On a fresh ATMP_HOME (SQLite) or a fresh PostgreSQL database, in a subprocess: the demo is loaded
(`atmp demo`), then, through the services and the factories, a master batch record of N steps (a
temperature and a viability each, an SOP, a grade B room) is made effective and a batch of it is
executed: every step started in a cleared room by a trained operator, its entries recorded and the
step completed, with a few exceptions on the way (every 25th step a warning acknowledged, every
30th a correction, every 50th a viability under its limit, which opens a deviation). The last step
stays running. A batch of 11 steps, the demo's size, is executed the same way for the operator's
pages. Measured:

* (a) entry: `record_parameter` (the step and the operator's rights checked, value format, unit,
  NOR and PAR, late, the audited write) on the running step; baseline: an audited write of the same
  row (`writer.change` saving a BatchEntry with the same fields, nothing checked). Target ≤ 2×.
* (b) review: GET of the batch page (review by exception, its steps and entries) as QA through
  Django's test Client, `exceptions(batch)` alone, and the batch document (`batch_document(...,
  entries=True)`, what GET /api/v1/manufacturing/batches/{number} returns; the API call too), for
  the N-step batch; baseline: a bare query of the same rows (its steps, and its entries joined to
  their parameter or control), through a cursor.
* (c) the operator's pages: the batch list, the 11-step batch's page and a step page, as its
  operator, p50 and p95 (target p95 < 200 ms); baseline: the bare query of the rows each shows.

* (b) print: the batch record's PDF/A export (`printed.batch_pdf`: the proofs of the batch, its steps
  and entries, the print HTML, WeasyPrint) for the N-step batch, a few samples; baseline: its print
  HTML alone (`printed.print_html`, the same template and rows).

Beside each page's wall time, the CPU time of the worker process (the code's own cost, which the
machine's load does not change; PostgreSQL's server time is not in it). `--no-pdf` skips the PDF.

Figures are reported, never asserted; docs/performance.md keeps them with the machine's load average, printed here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import alternating, log, page_getter, run_backends, summary_ms

TARGET_ENTRY_RATIO = 2.0
TARGET_PAGE_MS = 200.0
TEMPERATURE = {"name": "Temperature", "unit": "Cel", "nor_low": "36.5", "nor_high": "37.5", "par_low": "35.0",
               "par_high": "39.0", "decimals": 1}  # fmt: skip


def mbr_document(*, sop: str, steps: int) -> dict[str, Any]:
    """Return a master batch record document of `steps` steps: a parameter and a control each, one SOP, grade B."""
    return {
        "title": f"EBR benchmark, {steps} steps",
        "steps": [
            {
                "number": n * 10,
                "title": f"Step {n}",
                "instructions": f"Do step {n} as the SOP says.",
                "sops": [sop],
                "room_grade": "B",
                "equipment_classes": [],
                "parallel_with_previous": False,
                "verification": False,
                "parameters": [TEMPERATURE],
                "controls": [{"name": "Viability", "unit": "%", "low": "90", "high": None}],
                "materials": [],
            }
            for n in range(1, steps + 1)
        ],
    }


def executed_batch(
    *, steps: int, leave_running: bool, warn_every: int = 25, correct_every: int = 30, deviate_every: int = 50
) -> tuple[Any, dict[str, Any]]:
    """Make an effective N-step master record and execute a batch of it; return the batch and its floor."""
    from atmp.manufacturing import factories as mf
    from atmp.manufacturing.factories import approver
    from atmp.manufacturing.services.batch_entries import correct_entry, record_control, record_parameter
    from atmp.manufacturing.services.batch_steps import complete_step, start_step
    from atmp.manufacturing.services.mbr import add_mbr, make_effective
    from atmp.manufacturing.services.products import make_effective as version_effective
    from atmp.quality.factories import make_document, make_effective_version
    from atmp.testing import PASSWORD, make_user

    qa = make_user("qa_reviewer", password=PASSWORD)
    version = mf.make_processversion(actor=qa)
    version_effective(actor=approver(), version=version, password=PASSWORD, reason="version 1")
    sop = make_document(actor=qa, site=version.site)
    make_effective_version(actor=qa, approver=approver(), password=PASSWORD, document=sop)
    mbr = add_mbr(actor=qa, process_version=version, document=mbr_document(sop=sop.number, steps=steps))
    mbr = make_effective(actor=approver(), mbr=mbr, password=PASSWORD, reason="benchmark")
    batch = mf.make_batch(actor=qa, mbr=mbr)
    floor = mf.make_floor(batch=batch)
    olga = floor["operator"]
    rows = list(batch.steps.select_related("mbr_step").order_by("number"))
    for i, step in enumerate(rows, start=1):
        start_step(actor=olga, step=step, room=floor["room"])
        temperature, viability = step.mbr_step.parameters.get(), step.mbr_step.controls.get()
        warned = i % warn_every == 0
        entry = record_parameter(
            actor=olga, step=step, parameter=temperature, value="37.8" if warned else "37.0", acknowledged=warned
        )
        if i % correct_every == 0:
            correct_entry(actor=olga, entry=entry, value="37.1", reason="read from the wrong probe")
        record_control(actor=olga, step=step, control=viability, value="85" if i % deviate_every == 0 else "95")
        if not (leave_running and i == len(rows)):
            complete_step(actor=olga, step=step)
    return batch, floor


def timed(fn: Callable[[], Any], samples: int, cpu: list[int] | None = None) -> list[int]:
    """Return `samples` wall times of fn in nanoseconds (one untimed call first, to warm caches).

    `cpu`, when given, receives each call's CPU time of this process (`time.process_time_ns`): what the
    code costs whatever the machine's load, without the database server's own time (PostgreSQL's).
    """
    fn()
    out = []
    for _ in range(samples):
        begin, begin_cpu = time.perf_counter_ns(), time.process_time_ns()
        fn()
        out.append(time.perf_counter_ns() - begin)
        if cpu is not None:
            cpu.append(time.process_time_ns() - begin_cpu)
    return out


def timed_cpu(figures: dict[str, Any], name: str, fn: Callable[[], Any], samples: int) -> None:
    """Put fn's wall times under `name` and its CPU times under `name`_cpu in figures."""
    cpu: list[int] = []
    figures[name] = summary_ms(timed(fn, samples, cpu))
    figures[f"{name}_cpu"] = summary_ms(cpu)


def bare_rows(batch_id: int, step_id: int | None = None) -> int:
    """Return the number of rows of a bare query of the batch's steps and entries (one step's, if given)."""
    from django.db import connection

    where, args = ("s.id = %s", [step_id]) if step_id is not None else ("s.batch_id = %s", [batch_id])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.number, s.progress, s.started_at, s.ended_at FROM manufacturing_batchstep s "
            f"WHERE {where} ORDER BY s.number",
            args,
        )
        n = len(cursor.fetchall())
        cursor.execute(
            "SELECT s.number, e.id, e.kind, e.value, e.unit, e.flag, e.at, e.late, e.supersedes_id, "
            "p.name, c.name FROM manufacturing_batchentry e JOIN manufacturing_batchstep s ON s.id = e.step_id "
            "LEFT JOIN manufacturing_mbrparameter p ON p.id = e.parameter_id "
            f"LEFT JOIN manufacturing_mbrcontrol c ON c.id = e.control_id WHERE {where} ORDER BY s.number, e.at",
            args,
        )
        return n + len(cursor.fetchall())


def bare_list() -> int:
    """Return the number of rows of a bare query of the batch list (newest first)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT b.id, b.number, b.status, p.code FROM manufacturing_batch b "
            "JOIN manufacturing_product p ON p.id = b.product_id ORDER BY b.id DESC LIMIT 50"
        )
        return len(cursor.fetchall())


def entry_figures(step: Any, operator: Any, samples: int) -> dict[str, Any]:
    """Time record_parameter beside an audited write of the same row (alternating, so neither runs warmer)."""
    from atmp.ledger import clock, writer
    from atmp.manufacturing.models import BatchEntry
    from atmp.manufacturing.services.batch_entries import record_parameter

    parameter = step.mbr_step.parameters.get()

    def service() -> None:
        record_parameter(actor=operator, step=step, parameter=parameter, value="37.2")

    def audited() -> None:
        now = clock.now()
        row = BatchEntry(step=step, kind="parameter", parameter=parameter, value="37.2", unit="Cel",
                         amount=Decimal("37.2"), observed_at=now, at=now)  # fmt: skip
        with writer.change(actor=operator, reason=f"Temperature of step {step.number}") as ch:
            ch.save(row)

    ours, base = alternating(service, audited, samples)
    return {"entry": summary_ms(ours), "audited_write": summary_ms(base)}


def pdf_figures(batch_id: int, reader: Any, samples: int) -> dict[str, Any]:
    """Return the print HTML's and the PDF's times for the batch, and the PDF's size and record count."""
    from atmp.manufacturing import printed
    from atmp.manufacturing.models import Batch

    def html() -> str:
        return printed.print_html(reader, Batch.objects.get(pk=batch_id), printed_at=dt.datetime.now(dt.UTC))

    made: list[bytes] = []

    def pdf() -> None:
        made.append(printed.batch_pdf(reader, Batch.objects.get(pk=batch_id)))

    figures = {"print_html": summary_ms(timed(html, samples)), "pdf": summary_ms(timed(pdf, samples))}
    figures["pdf_bytes"] = len(made[-1])
    figures["pdf_records"] = 1 + len(printed.members(Batch.objects.get(pk=batch_id)))
    return figures


def worker(steps: int, samples: int, demo: bool, pdf: bool = True) -> dict[str, Any]:
    """Load the demo, execute the batches, then take every figure (in a fresh database)."""
    from common import backend, init_database, setup_django

    if demo:  # the demo needs every key `atmp init` makes (MFA, identity), not only the ledger's
        subprocess.run([sys.executable, "-m", "atmp.cli.main", "init"], check=True, capture_output=True)
    setup_django()
    if not demo:
        init_database()
    from django.test import Client

    from atmp.manufacturing.models import Batch
    from atmp.manufacturing.selectors.batch_documents import batch_document
    from atmp.manufacturing.selectors.batches import exceptions

    started = time.perf_counter()
    if demo:
        from atmp import demo as demo_data

        demo_data.load()
        log(f"{backend()}: demo loaded in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    big, floor = executed_batch(steps=steps, leave_running=True)
    log(f"{backend()}: a {steps}-step batch executed in {time.perf_counter() - started:.0f} s")
    small, small_floor = executed_batch(steps=11, leave_running=False)
    found = len(exceptions(big))
    log(f"{backend()}: {found} exceptions; load average {os.getloadavg()[0]:.1f}")

    qa_client, operator_client = Client(), Client()
    qa_client.force_login(floor["qa"])
    operator_client.force_login(small_floor["operator"])
    figures: dict[str, Any] = {"backend": backend(), "steps": steps, "samples": samples, "exceptions_found": found}
    big_id, small_id = big.pk, small.pk
    figures["bare_batch"] = summary_ms(timed(lambda: bare_rows(big_id), samples))
    timed_cpu(figures, "review_page", page_getter(qa_client, f"/manufacturing/batches/{big_id}/"), samples)
    timed_cpu(figures, "exceptions", lambda: exceptions(Batch.objects.get(pk=big_id)), samples)
    timed_cpu(figures, "document", lambda: batch_document(Batch.objects.get(pk=big_id), entries=True), samples)
    api = f"/api/v1/manufacturing/batches/{big.number}"
    timed_cpu(figures, "document_api", page_getter(qa_client, api), samples)
    log(f"{backend()}: review and document timed")
    # The printed record (issue 14: "the review page and the PDF of a 300-step batch record"): its
    # print HTML (the PDF's own baseline: the same template and rows, before WeasyPrint) and the whole
    # PDF/A export with the proofs of every record; two samples (and one untimed), each takes seconds.
    if pdf:
        figures |= pdf_figures(big_id, floor["qa"], 2)
        log(f"{backend()}: batch print and PDF timed")

    step = small.steps.order_by("number")[5]
    pages = {
        "batch_list": ("/manufacturing/batches/", bare_list),
        "batch_page": (f"/manufacturing/batches/{small_id}/", lambda: bare_rows(small_id)),
        "step_page": (f"/manufacturing/batches/{small_id}/steps/{step.number}/", lambda: bare_rows(small_id, step.pk)),
    }
    for name, (url, bare) in pages.items():
        timed_cpu(figures, name, page_getter(operator_client, url), samples)
        figures[f"{name}_bare"] = summary_ms(timed(bare, samples))
    log(f"{backend()}: operator's pages timed")

    running = big.steps.order_by("-number")[0]
    figures |= entry_figures(running, floor["operator"], samples)
    figures["batches"] = Batch.objects.count()
    figures["load_average"] = os.getloadavg()
    figures["started"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return figures


def _cell(s: dict[str, Any]) -> str:
    return f"{s['p50']:.1f} / {s['p95']:.1f}"


def table(results: list[dict[str, Any]]) -> str:
    """Return the results as the Markdown table of docs/performance.md (p50 / p95 ms, ratio of the p50s)."""
    lines = [
        "| database | figure | p50 / p95 ms | baseline | baseline p50 / p95 ms | ratio (p50) | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        n = r["steps"]
        rows = [
            ("(a) one parameter entry, every check", "entry", "audited write of the row", "audited_write",
             f"≤ {TARGET_ENTRY_RATIO:.0f}×"),
            (f"(b) review page, {n} steps (QA)", "review_page", "bare query of its rows", "bare_batch", ""),
            (f"(b) exceptions(batch), {n} steps", "exceptions", "bare query of its rows", "bare_batch", ""),
            (f"(b) batch document, {n} steps", "document", "bare query of its rows", "bare_batch", ""),
            (f"(b) GET /api/v1/…/batches/{{number}}, {n} steps", "document_api", "bare query of its rows",
             "bare_batch", ""),
            (f"(b) batch record PDF/A, {n} steps ({r.get('pdf_records', 0):,} records' proofs, "
             f"{r.get('pdf_bytes', 0) / 1024:,.0f} KiB)", "pdf", "its print HTML", "print_html", ""),
            ("(c) batch list (operator)", "batch_list", "bare query of the list", "batch_list_bare",
             f"p95 < {TARGET_PAGE_MS:.0f} ms"),
            ("(c) batch page, 11 steps", "batch_page", "bare query of its rows", "batch_page_bare",
             f"p95 < {TARGET_PAGE_MS:.0f} ms"),
            ("(c) step page", "step_page", "bare query of its rows", "step_page_bare",
             f"p95 < {TARGET_PAGE_MS:.0f} ms"),
        ]  # fmt: skip
        for label, key, base_label, base_key, target in rows:
            if key not in r:  # the PDF, when --no-pdf left it out
                continue
            ours, base = r[key], r[base_key]
            ratio = ours["p50"] / base["p50"] if base["p50"] else float("inf")
            met = ""
            if target.startswith("≤"):
                met = " ✓" if ratio <= TARGET_ENTRY_RATIO else " ✗"
            elif target:
                met = " ✓" if ours["p95"] < TARGET_PAGE_MS else " ✗"
            lines.append(
                f"| {r['backend']} | {label} | {_cell(ours)} | {base_label} | {_cell(base)} | {ratio:.1f}× "
                f"| {target}{met} |"
            )
    lines += [
        "",
        "CPU time of the worker process, p50 / p95 ms (the machine's load does not count; PostgreSQL's own "
        "time neither):",
        "",
        "| database | review page | exceptions | batch document | API GET | batch list | batch page, 11 steps "
        "| step page |",
        "|---|---|---|---|---|---|---|---|",
    ]
    keys = ("review_page", "exceptions", "document", "document_api", "batch_list", "batch_page", "step_page")
    for r in results:
        cells = " | ".join(_cell(r[f"{k}_cpu"]) if f"{k}_cpu" in r else "" for k in keys)
        lines.append(f"| {r['backend']} | {cells} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="30 steps, 10 samples")
    parser.add_argument("--no-demo", action="store_true", help="skip loading the demo (faster, emptier lists)")
    parser.add_argument("--no-pdf", action="store_true", help="skip the batch record's PDF (minutes at 300 steps)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    steps, samples = (30, 10) if args.quick else (args.steps, args.samples)
    if args.worker:
        print(json.dumps(worker(steps, samples, not args.no_demo, not args.no_pdf)))
        return 0
    log(f"load average at start {os.getloadavg()[0]:.1f}")
    passed = ["--steps", str(steps), "--samples", str(samples)] + (["--no-demo"] if args.no_demo else [])
    passed += ["--no-pdf"] if args.no_pdf else []
    done, complete = run_backends(__file__, "ebr", args.backend, passed)
    sys.stdout.write(table(done) + "\n")
    if args.json:
        args.json.write_text(json.dumps(done, indent=2))
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
