"""bench/ebr.py, tiny: its batch executes through the real services with the exceptions it plans, the bare
queries read its rows, the operator's pages and the review answer, and its table prints (a timing is never
asserted)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers import load_bench

pytestmark = pytest.mark.django_db


def test_the_ebr_benchmark_runs_tiny(monkeypatch):
    from atmp.manufacturing.selectors.batches import exceptions

    bench = load_bench("ebr")
    batch, floor = bench.executed_batch(steps=3, leave_running=True)
    steps = list(batch.steps.order_by("number"))
    assert [s.progress for s in steps] == ["done", "done", "in_progress"]
    assert exceptions(batch) == []  # no 25th, 30th or 50th step in three
    assert bench.bare_rows(batch.pk) == 3 + 6 and bench.bare_rows(batch.pk, steps[0].pk) == 1 + 2
    assert bench.bare_list() == 1

    client = Client()
    client.force_login(floor["qa"])
    assert bench.page_getter(client, f"/manufacturing/batches/{batch.pk}/")().status_code == 200
    assert bench.page_getter(client, f"/api/v1/manufacturing/batches/{batch.number}")().status_code == 200
    # WeasyPrint takes seconds even for three steps (test_batch_pdf prints a batch for real): the
    # harness is checked here with the export replaced, its print HTML rendered for real.
    from atmp.manufacturing import printed

    monkeypatch.setattr(printed, "batch_pdf", lambda user, batch: b"%PDF-1.7 " + batch.number.encode())
    timings = bench.pdf_figures(batch.pk, floor["qa"], 1)
    assert timings["pdf"]["n"] == timings["print_html"]["n"] == 1
    assert timings["pdf_bytes"] > 0 and timings["pdf_records"] > len(steps)  # the batch, its steps, entries
    figures = bench.entry_figures(steps[-1], floor["operator"], 2)
    assert figures["entry"]["n"] == figures["audited_write"]["n"] == 2
    assert steps[-1].entries.count() == 2 + 2 * 3  # its two, then one untimed and two timed of each

    cell = {"p50": 1.0, "p95": 2.0}
    keys = ["entry", "audited_write", "review_page", "bare_batch", "exceptions", "document", "document_api"]
    keys += ["batch_list", "batch_list_bare", "batch_page", "batch_page_bare", "step_page", "step_page_bare"]
    keys += ["pdf", "print_html"]
    text = bench.table([{"backend": "x", "steps": 3, **dict.fromkeys(keys, cell)}])
    assert "| x | (a) one parameter entry, every check | 1.0 / 2.0 |" in text and "✓" in text


def test_the_exceptions_it_plans_appear_in_review():
    from atmp.manufacturing.selectors.batches import exceptions

    bench = load_bench("ebr")
    batch, _floor = bench.executed_batch(steps=3, leave_running=False, warn_every=1, correct_every=2, deviate_every=3)
    kinds = sorted(x.kind for x in exceptions(batch))
    assert kinds.count("acknowledged_warning") == 3 and kinds.count("correction") == 1
    assert kinds.count("deviation") == 1 and kinds.count("out_of_range") == 3 + 1  # three warnings, a control
