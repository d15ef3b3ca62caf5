"""Recording a result reads a fixed, small number of statements, however many results came before.

bench/lab.py times record_result beside an audited write of the same row (7 statements); the checks'
reads are what it adds: the sample's site, the pinned specification's attributes (one statement,
with their specification and method), the method's fitness for the phase, and after the write the
batch's conditional disposition (a late result).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atmp.lab import factories as lf
from atmp.lab.services import results as svc
from atmp.testing import PASSWORD, make_user


def _statements(analyst, sample, value: str) -> list[str]:
    sample.refresh_from_db()  # as an entry point finds it: nothing read with it
    with CaptureQueriesContext(connection) as seen:
        svc.record_result(actor=analyst, sample=sample, attribute="1", value=value, reason="titre")
    return [q["sql"] for q in seen.captured_queries]


@pytest.mark.django_db
def test_recording_a_result_reads_the_same_few_statements_whatever_came_before(qa_reviewer):
    batch = lf.make_executed_batch(actor=qa_reviewer)
    lf.make_release_specification(actor=qa_reviewer, product=batch.product)
    analyst = make_user("qc_analyst", password=PASSWORD)
    sample = lf.make_received_sample(actor=analyst, batch=batch)
    svc.record_result(actor=analyst, sample=sample, attribute="1", value="2.0E13")  # pins the specification
    first = _statements(analyst, sample, "2.1E13")
    for value in ("2.2E13", "2.3E13", "2.4E13", "2.5E13"):
        svc.record_result(actor=analyst, sample=sample, attribute="1", value=value)
    later = _statements(analyst, sample, "2.6E13")
    assert len(later) == len(first)
    reads = [sql for sql in first if sql.startswith("SELECT") and "ledger_ledgerhead" not in sql]
    assert len(reads) == 4, reads  # site, attributes (with specification and method), fitness, disposition
