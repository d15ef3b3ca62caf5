"""quality.is_trained: trained on the version in force at the moment asked about, not an earlier one."""

from __future__ import annotations

import pytest

from atmp import quality
from atmp.ledger import clock
from atmp.quality.factories import make_effective_version
from atmp.quality.services import documents
from atmp.testing import PASSWORD
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def test_nobody_is_trained_on_a_document_with_no_version_in_force(draft, sop, operator):
    assert not quality.is_trained(operator, sop, clock.now())


def test_signing_the_effective_version_trains(effective, sop, operator):
    before = clock.now()
    documents.read_and_understood(actor=operator, version=effective, password=PASSWORD)
    assert quality.is_trained(operator, sop, clock.now())
    assert not quality.is_trained(operator, sop, before)


def test_training_on_v1_does_not_count_once_v2_is_effective(effective, sop, operator, qa_reviewer, qa_approver):
    documents.read_and_understood(actor=operator, version=effective, password=PASSWORD)
    on_v1 = clock.now()
    second = make_effective_version(actor=qa_reviewer, approver=qa_approver, password=PASSWORD, document=sop)
    assert not quality.is_trained(operator, sop, clock.now())
    assert quality.is_trained(operator, sop, on_v1)  # what was true then stays true
    documents.read_and_understood(actor=operator, version=second, password=PASSWORD)
    assert quality.is_trained(operator, sop, clock.now())


def test_a_retired_document_trains_nobody(effective, sop, operator, qa_approver):
    documents.read_and_understood(actor=operator, version=effective, password=PASSWORD)
    engine.transition(qa_approver, effective, "retire", reason="withdrawn")
    assert not quality.is_trained(operator, sop, clock.now())
