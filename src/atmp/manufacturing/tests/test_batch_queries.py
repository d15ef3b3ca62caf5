"""The batch's pages, document, review by exception and print read a fixed number of queries, however
many steps and entries the batch has (atmp issue 14: a 300-step batch ran ~900 queries for its page).

Each figure is counted on an executed batch of 2 steps and one of 6 (every step: a parameter, a control,
a material; the first step's entries verified; one correction and one deviation per batch) and must be
the same."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from atmp.manufacturing import factories
from atmp.manufacturing.selectors.batch_documents import batch_document
from atmp.manufacturing.selectors.batches import exceptions
from atmp.manufacturing.services.batch_entries import correct_entry, record_control, record_parameter
from atmp.manufacturing.services.batch_materials import add_material
from atmp.manufacturing.services.batch_steps import complete_step, start_step
from atmp.manufacturing.services.mbr import add_mbr, make_effective
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _executed(qa, version, sop, medium, steps: int):
    """Return a batch of an effective `steps`-step record, every step executed but the last (running)."""
    from atmp.manufacturing.selectors.batches import live_entries, needs_verification
    from atmp.manufacturing.services.batch_entries import verify_entry

    document = factories.mbr_document(sop=sop.number, material=medium.code, steps=steps)
    mbr = add_mbr(actor=qa, process_version=version, document=document)
    mbr = make_effective(actor=factories.approver(), mbr=mbr, password=PASSWORD, reason="queries")
    batch = factories.make_batch(actor=qa, mbr=mbr)
    floor = factories.make_floor(batch=batch)
    olga = floor["operator"]
    stock = factories.make_stock(actor=qa, material=medium, site=batch.site, quantity="100")
    for i, step in enumerate(batch.steps.select_related("mbr_step").order_by("number"), start=1):
        start_step(actor=olga, step=step, room=floor["room"], equipment=[floor["bsc"]])
        mbr_step = step.mbr_step
        entry = record_parameter(actor=olga, step=step, parameter=mbr_step.parameters.get(), value="37.0")
        if i == 1:
            correct_entry(actor=olga, entry=entry, value="37.1", reason="read from the wrong probe")
        record_control(actor=olga, step=step, control=mbr_step.controls.get(), value="85" if i == 2 else "95")
        add_material(actor=olga, step=step, line=mbr_step.materials.get(), lot=stock.number, quantity="500")
        for e in live_entries(step):
            if needs_verification(e, mbr_step):
                verify_entry(actor=floor["checker"], entry=e, password=PASSWORD)
        if i < steps:
            complete_step(actor=olga, step=step)
            factories.clean(actor=floor["qa"], equipment=floor["bsc"])
    return batch, floor


@pytest.fixture
def pair(qa_reviewer, version, sop, medium):
    """Two executed batches of the same making: 2 steps and 6 steps."""
    return [_executed(qa_reviewer, version, sop, medium, n) for n in (2, 6)]


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as seen:
        fn()
    return len(seen)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _same(pair, fn) -> None:
    small, large = (_count(lambda b=b, f=f: fn(b, f)) for b, f in pair)
    assert small == large, f"{small} queries for 2 steps, {large} for 6"


def test_the_batch_page_reads_the_same_queries_for_2_and_6_steps(pair, qa_reviewer):
    client = _client(qa_reviewer)

    def get(batch, floor):
        assert client.get(f"/manufacturing/batches/{batch.pk}/").status_code == 200

    for batch, floor in pair:  # the session and the caches warm, not counted
        get(batch, floor)
    _same(pair, get)


def test_the_step_page_reads_the_same_queries_for_2_and_6_steps(pair):
    def get(batch, floor):
        number = batch.steps.order_by("-number").values_list("number", flat=True)[0]
        page = _client(floor["operator"]).get(f"/manufacturing/batches/{batch.pk}/steps/{number}/")
        assert page.status_code == 200

    for batch, floor in pair:
        get(batch, floor)
    _same(pair, get)


def test_the_step_page_of_a_done_step_reads_the_same_queries(pair):
    def get(batch, floor):
        page = _client(floor["operator"]).get(f"/manufacturing/batches/{batch.pk}/steps/10/")
        assert page.status_code == 200

    for batch, floor in pair:
        get(batch, floor)
    _same(pair, get)


def test_the_batch_document_reads_the_same_queries_for_2_and_6_steps(pair):
    _same(pair, lambda batch, floor: batch_document(batch, entries=True))
    _same(pair, lambda batch, floor: batch_document(batch))


def test_exceptions_read_the_same_queries_for_2_and_6_steps(pair):
    kinds = [{x.kind for x in exceptions(b)} for b, _ in pair]
    assert all({"correction", "deviation", "out_of_range"} <= k for k in kinds)
    _same(pair, lambda batch, floor: exceptions(batch))


def test_the_batch_print_reads_the_same_queries_for_2_and_6_steps(pair, qa_reviewer):
    from atmp.manufacturing.printed import print_html

    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for batch, _ in pair:
        assert "read from the wrong probe" in print_html(qa_reviewer, batch, printed_at=at)
    _same(pair, lambda batch, floor: print_html(qa_reviewer, batch, printed_at=at))


def _reads(fn, table: str) -> int:
    """Return how many SELECTs one run issues FROM the table (not joins to it)."""
    with CaptureQueriesContext(connection) as seen:
        fn()
    return sum(1 for q in seen.captured_queries if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"])


def test_the_batch_page_reads_the_batch_steps_and_entries_once(pair):
    """The record and review by exception show the same steps and entries: one read of each serves both.

    (As the operator: a reviewer's page also reads the ids of the batch's parts for its audit trail's coverage.)
    """
    batch, floor = pair[1]
    client = _client(floor["operator"])

    def get():
        assert client.get(f"/manufacturing/batches/{batch.pk}/").status_code == 200

    get()
    assert _reads(get, "manufacturing_batchstep") == 1
    assert _reads(get, "manufacturing_batchentry") == 1


def test_the_step_page_reads_the_step_entries_and_lines_once(pair):
    """The forms offered, the rows and the ranges of a running step share one read of its entries and lines."""
    batch, floor = pair[1]
    client = _client(floor["operator"])
    number = batch.steps.order_by("-number").values_list("number", flat=True)[0]

    def get():
        assert client.get(f"/manufacturing/batches/{batch.pk}/steps/{number}/").status_code == 200

    get()
    for table in ("manufacturing_batchentry", "manufacturing_mbrparameter", "manufacturing_mbrcontrol",
                  "manufacturing_mbrmaterial"):  # fmt: skip
        assert _reads(get, table) == 1, table


def test_exceptions_read_the_batch_steps_once(pair):
    batch, _ = pair[1]
    assert _reads(lambda: exceptions(batch), "manufacturing_batchstep") == 1
