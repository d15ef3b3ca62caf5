#!/usr/bin/env python
"""The QC laboratory (issue 15): recording a result beside an audited write of the same row, and a product's
specification-history page with ten years of results beside the specification's plain page, on SQLite and
PostgreSQL in one run.

    .venv/bin/python bench/lab.py                              # both databases, 10 years × 12 batches, 30 samples
    .venv/bin/python bench/lab.py --quick                      # 2 years × 6 batches, 10 samples
    .venv/bin/python bench/lab.py --backend sqlite --years 5 --per-year 24 --json out.json

On a fresh ATMP_HOME (SQLite) or a fresh PostgreSQL database, in a subprocess (no demo), everything
through the services and the factories (src/atmp/lab/factories.py): an allogeneic AAV product with
one effective master batch record; its specifications for phase I, II, III and commercial, approved in
turn, each of the same 8 attributes (titre, endotoxins, host-cell protein, relative potency, full
capsids, pH, appearance, capsid ratio) with criteria that tighten from phase to phase; the product
moved into each phase as its turn comes (a fifth of the batches each in phase I, II and III, the rest
commercial). Every month (by default) a batch is created, pinned to the specification in force, its
release sample taken on that date and received, one result per attribute entered with that test date,
and nine results in ten reviewed by a second analyst (the newest month's left unreviewed). The build's
time is reported.

Measured, each beside its baseline in the same process:

* (a) `record_result` (the attribute of the pinned specification, the method's fitness for the phase,
  the value and unit, the evaluation against the criterion, the sample moved on, the disposition's
  late-result check, the audited write) of a titre on a received sample of the product's newest
  batch, alternating with its baseline: an audited write of the same Result row (`writer.change`
  saving it with the same fields, nothing checked or evaluated). Per result p50 / p95 / mean. Target ≤ 2×.
* (b) GET /lab/products/<code>/specifications/ (the specification history: each attribute's criterion
  per phase and version, and per attribute every standing result with its phase, review state, the
  normal tolerance interval and a chart) through Django's test Client, signed in as a QC analyst;
  baseline: GET /lab/specifications/<id>/ (the commercial specification's own page) the same way.
  Every GET draws its charts (hand-made SVG, atmp.lab.charts: nothing is cached).
  p50 / p95 and the SQL statements of one GET of each; the history's statements are also counted
  after the first year, to show they do not grow with the batches.

Figures are reported, never asserted; docs/performance.md keeps them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import alternating, log, page_getter, queries_of, run_backends, summary_ms

TARGET_RATIO = 2.0
PHASES = ("i", "ii", "iii", "commercial")
# (name, kind, unit, criterion per phase I, II, III, commercial, value generator): the limits tighten.
ATTRIBUTES: tuple[tuple[str, str, str, tuple[str, ...], Callable[[random.Random], str]], ...] = (
    ("Vector genome titre", "numeric", "{vg}/mL", (">=1.0E12", ">=5.0E12", ">=1.0E13", "1.0E13-5.0E13"),
     lambda r: f"{r.gauss(2.4, 0.3):.2f}E13"),
    ("Bacterial endotoxins", "numeric", "[EU]/mL", ("<=0.50", "<=0.40", "<=0.30", "<=0.25"),
     lambda r: f"{max(0.05, r.gauss(0.14, 0.03)):.2f}"),
    ("Host-cell protein", "numeric", "ng/mL", ("<=100", "<=80", "<=60", "<=50"),
     lambda r: f"{max(5.0, r.gauss(28, 5)):.1f}"),
    ("Relative potency", "numeric", "%", ("50-200", "60-170", "70-140", "80-125"),
     lambda r: f"{r.gauss(100, 6):.0f}"),
    ("Full capsids", "numeric", "%", (">=30", ">=40", ">=50", ">=60"), lambda r: f"{r.gauss(78, 4):.1f}"),
    ("pH", "numeric", "", ("6.5-8.0", "6.8-7.8", "7.0-7.6", "7.1-7.5"), lambda r: f"{r.gauss(7.3, 0.04):.2f}"),
    ("Appearance", "conforms", "", ("Clear, colourless",) * 4, lambda r: "conforms"),
    ("Capsid ratio", "report", "%", ("report",) * 4, lambda r: f"{r.gauss(12, 2):.1f}"),
)  # fmt: skip


def build_history(years: int, per_year: int, *, seed: int = 15, on_year: Callable[[int, Any], None] | None = None
                  ) -> dict[str, Any]:  # fmt: skip
    """Make the product, its four specifications and `years × per_year` tested batches; return them with timings.

    on_year(year, product) is called after each year's batches (the worker counts the page's queries then).
    """
    from atmp.lab import factories as lf
    from atmp.lab.services.phases import move
    from atmp.lab.services.results import add_sample, receive, record_result, review
    from atmp.lab.services.specifications import add_attribute, approve, for_batch
    from atmp.ledger import clock
    from atmp.manufacturing import factories as mf
    from atmp.testing import PASSWORD, make_user

    rng = random.Random(seed)
    begin = time.perf_counter()
    qa = make_user("qa_reviewer", password=PASSWORD)
    analyst, second = make_user("qc_analyst", password=PASSWORD), lf.reviewer()
    product = mf.make_product(actor=qa, origin="allogeneic")
    mbr = mf.make_effective_mbr(actor=qa, product=product)
    methods = [lf.make_fit_method(actor=qa) for _ in ATTRIBUTES]
    specs = []
    for p, phase in enumerate(PHASES):
        spec = lf.make_specification(actor=qa, product=product, phase=phase)
        for (name, kind, unit, limits, _), method in zip(ATTRIBUTES, methods, strict=True):
            add_attribute(actor=qa, specification=spec, name=name, method=method, kind=kind, criterion=limits[p],
                          unit=unit)  # fmt: skip
        spec.refresh_from_db()
        specs.append(spec)
    made_s = time.perf_counter() - begin

    total = years * per_year
    # A fifth of the batches in each clinical phase, the rest commercial.
    starts = {0: "i", total // 5: "ii", 2 * total // 5: "iii", 3 * total // 5: "commercial"}
    today = clock.now().date()
    first = today - dt.timedelta(days=365 * years)
    step = dt.timedelta(days=365 / per_year)
    times = {"batch": 0.0, "sample": 0.0, "results": 0.0, "reviews": 0.0}
    batch = sample = None
    results = reviews = 0
    for n in range(total):
        if n in starts:
            p = PHASES.index(starts[n])
            approve(actor=lf.approver(), specification=specs[p], password=PASSWORD, reason="benchmark")
            move(actor=lf.approver(), product=product, phase=starts[n], reason="benchmark: the next phase")
        taken = dt.datetime.combine(first + n * step, dt.time(9), tzinfo=dt.UTC)
        t0 = time.perf_counter()
        batch = mf.make_batch(actor=qa, mbr=mbr)
        for_batch(batch, actor=qa)
        t1 = time.perf_counter()
        sample = add_sample(actor=analyst, site=batch.site, batch=batch, purpose="release", quantity="1", unit="mL",
                            taken_by="Operator on the line", taken_at=taken)  # fmt: skip
        sample = receive(actor=analyst, sample=sample, location="QC fridge 1")
        t2 = time.perf_counter()
        tested_on = min(today, taken.date() + dt.timedelta(days=3))
        made = [
            record_result(actor=analyst, sample=sample, attribute=str(a + 1), value=attr[4](rng), tested_on=tested_on)
            for a, attr in enumerate(ATTRIBUTES)
        ]
        results += len(made)
        t3 = time.perf_counter()
        if n < total - per_year // 12 - 1:  # the newest month's results wait for their review
            for result in made:
                if rng.random() < 0.9:
                    review(actor=second, result=result, password=PASSWORD)
                    reviews += 1
        t4 = time.perf_counter()
        for key, took in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            times[key] += took
        if on_year is not None and (n + 1) % per_year == 0:
            on_year((n + 1) // per_year, product)
    return {
        "product": product,
        "specifications": specs,
        "batch": batch,
        "analyst": analyst,
        "batches": total,
        "results": results,
        "reviews": reviews,
        "build_s": round(time.perf_counter() - begin, 1),
        "setup_s": round(made_s, 1),
        "per_part_s": {k: round(v, 1) for k, v in times.items()},
    }


def record_figures(batch: Any, analyst: Any, samples: int) -> dict[str, Any]:
    """Time record_result beside an audited write of the same row (alternating, so neither runs warmer)."""
    from atmp.lab.models import Result
    from atmp.lab.services.results import add_sample, receive, record_result
    from atmp.lab.services.specifications import for_batch
    from atmp.ledger import clock, writer

    sample = add_sample(actor=analyst, site=batch.site, batch=batch, purpose="release", quantity="1", unit="mL",
                        taken_by="Operator on the line")  # fmt: skip
    sample = receive(actor=analyst, sample=sample, location="QC fridge 1")
    spec = for_batch(batch)
    attribute = spec.attributes.select_related("method").get(position=1)  # the titre

    def service() -> None:
        record_result(actor=analyst, sample=sample, attribute="1", value="2.4E13")

    def audited() -> None:
        row = Result(sample=sample, specification=spec, attribute=attribute, method=attribute.method,
                     analyst=analyst.username, tested_on=clock.now().date(), value_entered="2.4E13", number="2.4E13",
                     unit=attribute.unit, amount="2.4E13", reported="2.4E13", conforms=True)  # fmt: skip
        with writer.change(actor=analyst, reason=f"{attribute.name} of sample {sample.number}") as ch:
            ch.save(row)

    ours, base = alternating(service, audited, samples)
    return {"record": summary_ms(ours), "audited_write": summary_ms(base),
            "record_queries": queries_of(service), "audited_queries": queries_of(audited)}  # fmt: skip


def timed(fn: Callable[[], Any], samples: int) -> list[int]:
    """Return `samples` wall times of fn in nanoseconds (one untimed call first, to warm caches)."""
    fn()
    out = []
    for _ in range(samples):
        begin = time.perf_counter_ns()
        fn()
        out.append(time.perf_counter_ns() - begin)
    return out


def page_figures(client: Any, product: Any, spec: Any, samples: int) -> dict[str, Any]:
    """Time the history page (every GET draws its charts) beside the specification's own page (taking
    turns); count their queries and the history's size."""
    from atmp.lab.selectors import history as selector

    history = page_getter(client, f"/lab/products/{product.code}/specifications/")
    plain = page_getter(client, f"/lab/specifications/{spec.pk}/")

    history(), plain()
    ours: list[int] = []
    base: list[int] = []
    for _ in range(samples):
        for fn, out in ((history, ours), (plain, base)):
            begin = time.perf_counter_ns()
            fn()
            out.append(time.perf_counter_ns() - begin)
    return {
        "history": summary_ms(ours),
        "plain": summary_ms(base),
        "history_queries": queries_of(history),
        "plain_queries": queries_of(plain),
        "history_kib": len(history().content) // 1024,
        "selector": summary_ms(timed(lambda: selector.history_data(product), samples)),
    }


def worker(years: int, per_year: int, samples: int) -> dict[str, Any]:
    """Build the product's ten years, then take the figures (in a fresh database)."""
    from common import backend, init_database, setup_django

    setup_django()
    init_database()
    from django.test import Client

    from atmp.testing import PASSWORD, make_user

    client = Client()
    client.force_login(make_user("qc_analyst", password=PASSWORD))  # a reader: the pages are the same for any
    early: dict[int, int] = {}

    def on_year(year: int, product: Any) -> None:
        if year == 1:
            get = page_getter(client, f"/lab/products/{product.code}/specifications/")
            get()  # the session's first GET writes its last-request time: count the page's own reads
            early[year] = queries_of(get)
        log(f"{backend()}: year {year} built")

    built = build_history(years, per_year, on_year=on_year)
    log(f"{backend()}: {built['batches']} batches, {built['results']} results built in {built['build_s']} s")
    pages = page_figures(client, built["product"], built["specifications"][-1], samples)
    log(f"{backend()}: pages timed")
    record = record_figures(built["batch"], built["analyst"], samples)
    return {
        "backend": backend(),
        "years": years,
        "per_year": per_year,
        "batches": built["batches"],
        "results": built["results"],
        "reviews": built["reviews"],
        "build_s": built["build_s"],
        "per_part_s": built["per_part_s"],
        "samples": samples,
        "first_year_queries": early.get(1),
        **pages,
        **record,
        "load_average": os.getloadavg(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def table(results: list[dict[str, Any]]) -> str:
    """Return the results as a Markdown table (p50 / p95 ms, the ratio of the p50s and of the means)."""
    lines = [
        "| database | figure | p50 / p95 ms | mean ms | queries | baseline | baseline p50 / p95 ms | ratio (p50) "
        "| target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ours, base = r["record"], r["audited_write"]
        ratio = ours["p50"] / base["p50"] if base["p50"] else float("inf")
        met = "✓" if ratio <= TARGET_RATIO else "✗"
        lines.append(
            f"| {r['backend']} | (a) record_result: one titre, checked and evaluated | {ours['p50']:.2f} / "
            f"{ours['p95']:.2f} | {ours['mean']:.2f} | {r.get('record_queries', '')} "
            f"| an audited write of the same Result row ({r.get('audited_queries', '?')} queries) | "
            f"{base['p50']:.2f} / {base['p95']:.2f} (mean {base['mean']:.2f}) | {ratio:.2f}× "
            f"| ≤ {TARGET_RATIO:.0f}× {met} |"
        )
        p = r["plain"]
        early = r.get("first_year_queries")
        grown = f" ({early} after year 1)" if early is not None else ""
        what = f"{r['years']} years, {r['batches']} batches, {r['results']} results, ~{r['history_kib']} KiB"
        h = r["history"]
        ratio = h["p50"] / p["p50"] if p["p50"] else float("inf")
        lines.append(
            f"| {r['backend']} | (b) GET the specification history (every chart drawn): {what} | {h['p50']:.1f} / "
            f"{h['p95']:.1f} | {h['mean']:.1f} | {r['history_queries']}{grown} | GET the specification's own "
            f"page ({r['plain_queries']} queries) | {p['p50']:.1f} / {p['p95']:.1f} | {ratio:.1f}× | |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--per-year", type=int, default=12, help="batches tested a year")
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="2 years of 6 batches, 10 samples")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    years, per_year, samples = (2, 6, 10) if args.quick else (args.years, args.per_year, args.samples)
    if args.worker:
        print(json.dumps(worker(years, per_year, samples)))
        return 0
    begin = time.perf_counter()
    log(f"load average at start {os.getloadavg()[0]:.1f}")
    passed = ["--years", str(years), "--per-year", str(per_year), "--samples", str(samples)]
    done, complete = run_backends(__file__, "lab", args.backend, passed)
    sys.stdout.write(table(done) + "\n")
    for r in done:
        sys.stdout.write(
            f"{r['backend']}: built in {r['build_s']} s ({r['per_part_s']}), {r['reviews']} reviews; worker "
            f"{r['wall_s']} s; history_data() alone p50 {r['selector']['p50']:.1f} ms\n"
        )
    sys.stdout.write(f"total {time.perf_counter() - begin:.0f} s\n")
    if args.json:
        args.json.write_text(json.dumps(done, indent=2))
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
