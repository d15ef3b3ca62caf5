"""The demo's QP disposition: one batch certified, one certified after its late sterility result
conformed, one conditionally released whose late sterility result failed (an alert raised)."""

from __future__ import annotations

import pytest

from atmp.demo import PASSWORD
from atmp.lab.models import BatchDisposition, LateResultAlert
from atmp.lab.services import certification, disposition
from atmp.ledger.errors import RuleViolation


@pytest.fixture
def loaded(db, demo_data):
    return demo_data


def test_three_dispositions_two_certified_one_conditional(loaded):
    rows = list(BatchDisposition.objects.select_related("batch").order_by("pk"))
    assert [d.status for d in rows] == ["certified", "certified", "conditional"]
    assert loaded["modules"]["lab"]["disposition"]["dispositions"] == {d.batch.number: d.status for d in rows}


def test_the_late_results_are_noted_and_the_failure_alerted(loaded):
    _, passed, failed = BatchDisposition.objects.order_by("pk")[:3]
    assert [(a["attribute"], a["conforms"]) for a in passed.arrived] == [("Sterility", True)]
    assert [p["attribute"] for p in passed.pending] == ["Sterility"]
    assert [(a["attribute"], a["conforms"]) for a in failed.arrived] == [("Sterility", False)]
    (alert,) = LateResultAlert.objects.all()
    assert alert.disposition == failed and "does not conform" in alert.message


def test_the_failed_batch_cannot_be_certified_and_says_why(loaded):
    from atmp.accounts.models import User

    failed = BatchDisposition.objects.select_related("batch").order_by("pk").last()
    found = certification.refusal(certification.checks(failed.batch))
    assert found and "Sterility" in found
    with pytest.raises(RuleViolation, match="Sterility"):
        disposition.certify(actor=User.objects.get(username="petra"), batch=failed.batch, password=PASSWORD)


def test_a_batch_tested_but_for_sterility_awaits_the_qp(loaded):
    from atmp.lab.demo_disposition import AWAITING
    from atmp.lab.models import Sample

    decided = set(BatchDisposition.objects.values_list("batch_id", flat=True))
    waiting = [
        s.batch
        for s in Sample.objects.filter(purpose="release").select_related("batch").order_by("pk")
        if s.batch_id not in decided
    ]
    assert len(waiting) == AWAITING + 2  # and the first tested batches left: one in QA review, one with its OOS
    awaiting = waiting[-1]
    found = {c.name: c for c in certification.checks(awaiting)}
    assert found["results"].state == "pending" and "Sterility" in found["results"].message, found["results"]
    assert certification.conditional_refusal(list(found.values()), None) is None
