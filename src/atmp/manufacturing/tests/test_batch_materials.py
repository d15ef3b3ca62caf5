"""Material additions by scan: the right, released, unexpired lot within tolerance, written to the genealogy."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import RuleViolation
from atmp.manufacturing import factories
from atmp.manufacturing.selectors.batches import missing_entries
from atmp.manufacturing.services.batch_materials import add_material
from atmp.trace import factories as tf
from atmp.trace.models import Use

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(running):
    return running.mbr_step.materials.select_related("material").get()


@pytest.fixture
def stock(floor, line, batch):
    return factories.make_stock(actor=floor["qa"], material=line.material, site=batch.site, quantity="1000")


def test_an_addition_writes_the_genealogy_edge_into_the_output_lot(running, floor, line, stock, batch):
    entry = add_material(actor=floor["operator"], step=running, line=line, lot=stock.number, quantity="500")
    use = Use.objects.get(pk=entry.use_id)
    assert (use.input, use.output, use.quantity, use.unit) == (stock, batch.output_lot, 500, "mL")
    assert use.made_by == f"manufacturing.batchstep:{running.pk}"
    assert (entry.kind, entry.lot, entry.value) == ("material", stock, stock.number)


def test_it_refuses_a_quarantined_lot(running, floor, line, batch, ledger_size):
    quarantined = factories.make_stock(actor=floor["qa"], material=line.material, site=batch.site, release=False)
    before = ledger_size()
    with pytest.raises(RuleViolation, match=f"lot {quarantined.number} is quarantine: only a released lot is used"):
        add_material(actor=floor["operator"], step=running, line=line, lot=quarantined.number, quantity="500")
    assert ledger_size() == before


def test_it_refuses_a_lot_of_another_material(running, floor, line, batch, ledger_size):
    other = tf.make_released_lot(actor=floor["qa"], site=batch.site)
    before = ledger_size()
    with pytest.raises(RuleViolation, match=f"wrong material: lot {other.number} is .*, step 10 needs"):
        add_material(actor=floor["operator"], step=running, line=line, lot=other.number, quantity="500")
    assert ledger_size() == before


def test_it_refuses_a_quantity_above_the_tolerance(running, floor, line, stock, ledger_size):
    before = ledger_size()
    with pytest.raises(
        RuleViolation, match="quantity out of tolerance: 526 mL of .* is above 500 mL ± 5 % \\(475–525 mL\\)"
    ):
        add_material(actor=floor["operator"], step=running, line=line, lot=stock.number, quantity="526")
    assert ledger_size() == before


def test_a_line_may_be_filled_from_two_lots_up_to_its_tolerance(running, floor, line, stock, batch, ledger_size):
    add_material(actor=floor["operator"], step=running, line=line, lot=stock.number, quantity="300")
    assert any("(300 of 475–525 mL added)" in m for m in missing_entries(running))
    second = factories.make_stock(actor=floor["qa"], material=line.material, site=batch.site)
    before = ledger_size()
    with pytest.raises(RuleViolation, match="quantity out of tolerance: 250 mL more of .* \\(to 550 mL\\) is above"):
        add_material(actor=floor["operator"], step=running, line=line, lot=second.number, quantity="250")
    assert ledger_size() == before
    add_material(actor=floor["operator"], step=running, line=line, lot=second.number, quantity="200")
    assert not any(m.startswith("material") for m in missing_entries(running))


def test_a_quantity_in_another_unit_of_volume_is_converted_to_the_lines(running, floor, line, stock):
    entry = add_material(actor=floor["operator"], step=running, line=line, lot=stock.number, quantity="0.49", unit="L")
    assert Use.objects.get(pk=entry.use_id).unit == "L"


def test_it_refuses_more_than_is_left_of_the_lot(running, floor, line, batch, ledger_size):
    small = factories.make_stock(actor=floor["qa"], material=line.material, site=batch.site, quantity="300")
    before = ledger_size()
    with pytest.raises(RuleViolation, match=f"lot {small.number} has 300 mL left"):
        add_material(actor=floor["operator"], step=running, line=line, lot=small.number, quantity="500")
    assert ledger_size() == before


def test_it_refuses_an_unknown_lot(running, floor, line):
    with pytest.raises(InvalidInput) as refused:
        add_material(actor=floor["operator"], step=running, line=line, lot="NO-SUCH-LOT", quantity="500")
    assert refused.value.field == "lot"


def test_an_autologous_batch_refuses_another_patients_starting_material(qa_reviewer, ledger_size):
    """A mix-up: the apheresis of patient B scanned into patient A's batch."""
    from atmp.manufacturing.services.batch_steps import start_step
    from atmp.manufacturing.services.mbr import add_mbr, make_effective
    from atmp.manufacturing.services.products import make_effective as make_version_effective
    from atmp.quality.factories import make_document, make_effective_version
    from atmp.testing import PASSWORD

    version = factories.make_processversion(actor=qa_reviewer)
    make_version_effective(actor=factories.approver(), version=version, password=PASSWORD, reason="v1")
    sop = make_document(actor=qa_reviewer, site=version.site)
    make_effective_version(actor=qa_reviewer, approver=factories.approver(), password=PASSWORD, document=sop)
    apheresis = tf.make_material(actor=qa_reviewer, type="starting_material", unit="mL")
    document = factories.mbr_document(sop=sop.number, material=apheresis.code, steps=1)
    mbr = add_mbr(actor=qa_reviewer, process_version=version, document=document)
    make_effective(actor=factories.approver(), mbr=mbr, password=PASSWORD, reason="approved")
    batch = factories.make_batch(actor=qa_reviewer, mbr=mbr)
    other_patient = tf.make_person(actor=qa_reviewer, site=batch.site)
    theirs = tf.make_lot(actor=qa_reviewer, material=apheresis, site=batch.site, donor=other_patient, quantity="1000")
    tf.release(theirs)
    floor = factories.make_floor(batch=batch)
    step = batch.steps.get()
    start_step(actor=floor["operator"], step=step, room=floor["room"], equipment=[floor["bsc"]])
    line = step.mbr_step.materials.get()
    before = ledger_size()
    with pytest.raises(RuleViolation, match=f"is made for {other_patient.coi}, not for {batch.patient.coi}: a mix-up"):
        add_material(actor=floor["operator"], step=step, line=line, lot=theirs.number, quantity="500")
    assert ledger_size() == before
    mine = tf.make_lot(actor=qa_reviewer, material=apheresis, site=batch.site, donor=batch.patient, quantity="1000")
    tf.release(mine)
    assert add_material(actor=floor["operator"], step=step, line=line, lot=mine.number, quantity="500").use_id
