"""Creating a batch: only from the effective master record, numbered at once, bound to the patient when autologous."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger import clock
from atmp.ledger.errors import RuleViolation
from atmp.manufacturing import factories
from atmp.manufacturing.services.batches import create_batch
from atmp.trace import factories as tf

pytestmark = pytest.mark.django_db


def test_it_numbers_the_batch_at_once_and_makes_a_step_per_master_step(batch, effective_mbr):
    year = clock.now().year
    assert batch.number == f"{batch.product.code}-{year}-0001"
    assert batch.status == "planned"
    assert [s.number for s in batch.steps.order_by("number")] == [10, 20]
    assert all(s.progress == "pending" for s in batch.steps.all())


def test_the_next_batch_takes_the_next_number(qa_reviewer, batch, effective_mbr):
    second = factories.make_batch(actor=qa_reviewer, mbr=effective_mbr)
    assert second.number.endswith("-0002")


def test_it_refuses_a_master_record_that_is_not_effective(qa_reviewer, ledger_size):
    draft = factories.make_mbr_ready_for_approval(actor=qa_reviewer)
    site = draft.process_version.site
    lot = factories.make_output_lot(actor=qa_reviewer, site=site)
    patient = tf.make_person(actor=qa_reviewer, site=site)
    before = ledger_size()
    with pytest.raises(RuleViolation, match="master record not effective: .* is draft"):
        create_batch(actor=qa_reviewer, mbr=draft, output_lot=lot, patient=patient)
    assert ledger_size() == before


def test_an_autologous_batch_needs_its_patient(qa_reviewer, effective_mbr, ledger_size):
    lot = factories.make_output_lot(actor=qa_reviewer, site=effective_mbr.process_version.site)
    before = ledger_size()
    with pytest.raises(RuleViolation, match="patient required: .* is autologous"):
        create_batch(actor=qa_reviewer, mbr=effective_mbr, output_lot=lot)
    assert ledger_size() == before


def test_an_allogeneic_batch_is_bound_to_no_patient(qa_reviewer, ledger_size):
    product = factories.make_product(actor=qa_reviewer, origin="allogeneic")
    mbr = factories.make_effective_mbr(actor=qa_reviewer, product=product)
    site = mbr.process_version.site
    lot = factories.make_output_lot(actor=qa_reviewer, site=site)
    patient = tf.make_person(actor=qa_reviewer, site=site)
    before = ledger_size()
    with pytest.raises(RuleViolation, match="no patient for an allogeneic product"):
        create_batch(actor=qa_reviewer, mbr=mbr, output_lot=lot, patient=patient)
    assert ledger_size() == before
    assert create_batch(actor=qa_reviewer, mbr=mbr, output_lot=lot).patient is None


def test_it_refuses_an_output_lot_out_of_quarantine(qa_reviewer, effective_mbr, ledger_size):
    site = effective_mbr.process_version.site
    lot = tf.make_released_lot(actor=qa_reviewer, site=site)
    patient = tf.make_person(actor=qa_reviewer, site=site)
    before = ledger_size()
    with pytest.raises(RuleViolation, match="output lot: .* is released; a batch makes a lot in quarantine"):
        create_batch(actor=qa_reviewer, mbr=effective_mbr, output_lot=lot, patient=patient)
    assert ledger_size() == before


def test_it_refuses_an_output_lot_another_batch_makes(qa_reviewer, batch, ledger_size):
    patient = tf.make_person(actor=qa_reviewer, site=batch.site)
    before = ledger_size()
    with pytest.raises(RuleViolation, match=f"made by batch {batch.number} already"):
        create_batch(actor=qa_reviewer, mbr=batch.mbr, output_lot=batch.output_lot, patient=patient)
    assert ledger_size() == before


def test_it_needs_an_output_lot(qa_reviewer, effective_mbr):
    patient = tf.make_person(actor=qa_reviewer, site=effective_mbr.process_version.site)
    with pytest.raises(InvalidInput) as refused:
        create_batch(actor=qa_reviewer, mbr=effective_mbr, patient=patient)
    assert refused.value.field == "output_lot"
