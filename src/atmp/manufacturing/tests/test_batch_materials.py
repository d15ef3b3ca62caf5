"""Material additions by scan: the right, released, unexpired lot within tolerance, written to the genealogy."""

from __future__ import annotations

import re

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
    # A COI's check character may be '*' (ISO 7064 MOD 37-2): the message is matched as text, not as a pattern.
    mix_up = re.escape(f"is made for {other_patient.coi}, not for {batch.patient.coi}: a mix-up")
    with pytest.raises(RuleViolation, match=mix_up):
        add_material(actor=floor["operator"], step=step, line=line, lot=theirs.number, quantity="500")
    assert ledger_size() == before
    mine = tf.make_lot(actor=qa_reviewer, material=apheresis, site=batch.site, donor=batch.patient, quantity="1000")
    tf.release(mine)
    assert add_material(actor=floor["operator"], step=step, line=line, lot=mine.number, quantity="500").use_id


# A material addition is corrected by a new addition that supersedes it: the original's genealogy
# use is voided in the same change (what the lot gave back counts again), the original stays visible.
def test_a_correction_of_an_addition_voids_its_use_and_records_the_new_one(running, floor, line, stock, batch):
    from atmp.manufacturing.selectors.batches import live_entries
    from atmp.manufacturing.services.batch_materials import correct_material
    from atmp.trace.selectors.genealogy import used

    wrong = add_material(actor=floor["operator"], step=running, line=line, lot=stock.number, quantity="520")
    made = correct_material(
        actor=floor["operator"], entry=wrong, lot=stock.number, quantity="500", reason="typed 520 for 500"
    )
    assert (made.supersedes, made.correction_reason, made.amount) == (wrong, "typed 520 for 500", 500)
    assert Use.objects.get(pk=wrong.use_id).voided
    assert not Use.objects.get(pk=made.use_id).voided
    assert used(stock) == 500
    assert [e.pk for e in live_entries(running) if e.kind == "material"] == [made.pk]


def test_a_correction_may_name_another_lot(running, floor, line, stock, batch):
    from atmp.manufacturing.services.batch_materials import correct_material
    from atmp.trace.selectors.genealogy import used

    first = add_material(actor=floor["operator"], step=running, line=line, lot=stock.number, quantity="500")
    other = factories.make_stock(actor=floor["qa"], material=line.material, site=batch.site)
    made = correct_material(actor=floor["operator"], entry=first, lot=other.number, quantity="500", reason="wrong lot")
    assert (made.lot, used(stock), used(other)) == (other, 0, 500)


def test_a_correction_is_checked_like_an_addition_and_writes_nothing_when_refused(
    running, floor, line, stock, batch, ledger_size
):
    from atmp.manufacturing.services.batch_materials import correct_material

    first = add_material(actor=floor["operator"], step=running, line=line, lot=stock.number, quantity="500")
    quarantined = factories.make_stock(actor=floor["qa"], material=line.material, site=batch.site, release=False)
    before = ledger_size()
    with pytest.raises(RuleViolation, match=f"lot {quarantined.number} is quarantine"):
        correct_material(actor=floor["operator"], entry=first, lot=quarantined.number, quantity="500", reason="x")
    with pytest.raises(RuleViolation, match="quantity out of tolerance"):
        correct_material(actor=floor["operator"], entry=first, lot=stock.number, quantity="600", reason="x")
    with pytest.raises(InvalidInput) as refused:
        correct_material(actor=floor["operator"], entry=first, lot=stock.number, quantity="500", reason=" ")
    assert refused.value.field == "reason"
    assert ledger_size() == before
    assert not Use.objects.get(pk=first.use_id).voided


def test_a_correction_counts_what_the_original_took_as_given_back(running, floor, line, batch):
    """A lot of 500 mL all added: correcting the quantity to 480 mL takes from what the void gave back."""
    from atmp.manufacturing.services.batch_materials import correct_material

    exact = factories.make_stock(actor=floor["qa"], material=line.material, site=batch.site, quantity="500")
    first = add_material(actor=floor["operator"], step=running, line=line, lot=exact.number, quantity="500")
    made = correct_material(actor=floor["operator"], entry=first, lot=exact.number, quantity="480", reason="re-read")
    assert made.amount == 480


def test_a_parameter_entry_is_not_corrected_as_a_material_nor_a_material_as_a_value(running, floor, line, stock):
    from atmp.manufacturing.services.batch_entries import correct_entry
    from atmp.manufacturing.services.batch_materials import correct_material

    addition = add_material(actor=floor["operator"], step=running, line=line, lot=stock.number, quantity="500")
    with pytest.raises(RuleViolation, match="material addition: correct its lot and quantity"):
        correct_entry(actor=floor["operator"], entry=addition, value="1", reason="x")
    from atmp.manufacturing.services.batch_entries import record_parameter

    param = record_parameter(
        actor=floor["operator"], step=running, parameter=running.mbr_step.parameters.get(), value="37.0"
    )
    with pytest.raises(RuleViolation, match="not a material addition"):
        correct_material(actor=floor["operator"], entry=param, lot=stock.number, quantity="500", reason="x")


def test_trace_refuses_to_void_a_use_a_batch_recorded(running, floor, line, stock):
    """The batch record owns its additions: voiding one from trace would leave the record claiming it."""
    from atmp.trace.services.void import void_record

    addition = add_material(actor=floor["operator"], step=running, line=line, lot=stock.number, quantity="500")
    with pytest.raises(RuleViolation, match=f"recorded by manufacturing.batchstep:{running.pk}: correct it there"):
        void_record(actor=floor["qa"], record=Use.objects.get(pk=addition.use_id), reason="mistake")
