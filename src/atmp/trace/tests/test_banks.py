"""Cell banks and seed stocks (ICH Q5D): a bank is a lot counted in vials with its bank attributes; a
WCB is made from MCB vials (a genealogy use), of the same cell line; each refusal names its field and
writes nothing."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.trace import bank_panel
from atmp.trace import factories as tf
from atmp.trace.models import CellBank, Use
from atmp.trace.selectors import genealogy
from atmp.trace.selectors.banks import bank_document, lineage
from atmp.trace.services.banks import register_bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger_size():
    """Return a function counting the ledger's entries (a refusal leaves it unchanged)."""
    from atmp.ledger.models import AuditEntry

    return lambda: AuditEntry.objects.count()


@pytest.fixture
def hek(qa_reviewer):
    return tf.make_cell_line(actor=qa_reviewer, code="CL-HEK293", name="HEK293")


@pytest.fixture
def mcb(qa_reviewer, qa_approver, site, hek):
    """A released MCB of HEK293 at Leiden: 100 vials, passage 8 at banking, limit 20 passages."""
    bank = tf.make_cell_bank(
        actor=qa_reviewer, kind="mcb", material=hek, site=site, age_at_banking=8, vector_production=True
    )
    tf.release(bank.lot, approver=qa_approver)
    return bank


def _bank(actor, lot, kind="wcb", **fields):
    values = {
        "storage": "LN2 vapour phase",
        "age_unit": "passages",
        "age_at_banking": 12,
        "age_limit": 20,
        "limit_basis": "VAL-CB-004",
    }
    values.update(fields)
    return register_bank(actor=actor, lot=lot, kind=kind, **values)


def test_a_master_bank_is_a_lot_with_its_bank_attributes_and_required_panel(mcb):
    document = bank_document(mcb)
    assert (document["kind"], document["status"], document["vials_banked"], document["vials_remaining"]) == (
        "mcb", "released", "100", "100",
    )  # fmt: skip
    codes = [t["code"] for t in document["panel"]]
    assert codes[:3] == ["identity", "sterility", "mycoplasma"]
    assert "adventitious_in_vitro" in codes and "adventitious_in_vivo" in codes and "endogenous_viruses" in codes
    assert "rcv" in codes  # its cells produce a viral vector
    assert all(t["basis"] for t in document["panel"])


def test_a_working_bank_is_made_from_master_vials_a_genealogy_use(qa_reviewer, mcb, site, hek):
    lot = tf.make_lot(actor=qa_reviewer, material=hek, site=site, quantity="200")
    wcb = _bank(qa_reviewer, lot, parent=mcb.lot, parent_vials="2")
    use = Use.objects.get(output=lot)
    assert (use.input_id, use.quantity, use.unit) == (mcb.lot_id, 2, "{vial}")
    assert wcb.parent == mcb and genealogy.remaining(mcb.lot) == 98
    assert [(lot.number, kind) for lot, kind in lineage(mcb).banks] == [(wcb.lot.number, "wcb")]
    assert [(lot.number, kind) for lot, kind in lineage(wcb).ancestors] == [(mcb.lot.number, "mcb")]


@pytest.mark.parametrize(
    ("kind", "parent", "rule"),
    [
        ("wcb", False, "a working cell bank is made from a master cell bank: name the bank"),
        ("mcb", True, "a master cell bank is the first of its line"),
        ("wvs", True, "a working virus seed is made from a master virus seed, not from a master cell bank"),
    ],
)
def test_the_lineage_rules_refuse_a_wrong_parent(qa_reviewer, mcb, site, hek, ledger_size, kind, parent, rule):
    material = hek if kind != "wvs" else tf.make_material(actor=qa_reviewer, type="vector_seed", unit="{vial}")
    lot = tf.make_lot(actor=qa_reviewer, material=material, site=site)
    before = ledger_size()
    with pytest.raises(InvalidInput, match=rule) as refused:
        _bank(qa_reviewer, lot, kind=kind, parent=mcb.lot if parent else None)
    assert refused.value.field == "parent" and ledger_size() == before


def test_a_working_bank_is_of_its_masters_cell_line(qa_reviewer, mcb, site, ledger_size):
    other = tf.make_lot(actor=qa_reviewer, material=tf.make_cell_line(actor=qa_reviewer, code="CL-CHO"), site=site)
    before = ledger_size()
    with pytest.raises(InvalidInput, match="a bank is made from a bank of the same cell line or virus"):
        _bank(qa_reviewer, other, parent=mcb.lot)
    assert ledger_size() == before


def test_a_working_bank_of_a_working_bank_is_refused(qa_reviewer, qa_approver, mcb, site, hek):
    wcb = _bank(qa_reviewer, tf.make_lot(actor=qa_reviewer, material=hek, site=site), parent=mcb.lot)
    tf.release(wcb.lot, approver=qa_approver)
    with pytest.raises(InvalidInput, match="made from a master cell bank, not from a working cell bank"):
        _bank(qa_reviewer, tf.make_lot(actor=qa_reviewer, material=hek, site=site), parent=wcb.lot)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "xcb"}, "kind"),
        ({"age_unit": "days"}, "age_unit"),
        ({"age_limit": "0"}, "age_limit"),
        ({"age_at_banking": "-1"}, "age_at_banking"),
        ({"age_at_banking": "2.5"}, "age_at_banking"),
        ({"limit_basis": " "}, "limit_basis"),
        ({"storage": ""}, "storage"),
    ],
)
def test_bad_attributes_are_refused_naming_the_field(qa_reviewer, site, hek, ledger_size, fields, field):
    lot = tf.make_lot(actor=qa_reviewer, material=hek, site=site)
    before = ledger_size()
    with pytest.raises(InvalidInput) as refused:
        _bank(qa_reviewer, lot, **{"kind": "mcb", **fields})
    assert refused.value.field == field and ledger_size() == before


def test_a_bank_is_a_lot_of_a_cell_line_counted_in_vials(qa_reviewer, site):
    medium = tf.make_lot(actor=qa_reviewer, material=tf.make_material(actor=qa_reviewer, unit="{vial}"), site=site)
    with pytest.raises(InvalidInput, match="a master cell bank is a lot of a cell line"):
        _bank(qa_reviewer, medium, kind="mcb")
    in_ml = tf.make_lot(actor=qa_reviewer, material=tf.make_material(actor=qa_reviewer, type="cell_line"), site=site)
    with pytest.raises(InvalidInput, match=r"a bank is counted in vials \({vial}\)"):
        _bank(qa_reviewer, in_ml, kind="mcb")


def test_a_bank_is_registered_before_its_release(qa_reviewer, qa_approver, site, hek, ledger_size):
    released = tf.make_released_lot(actor=qa_reviewer, approver=qa_approver, material=hek, site=site)
    before = ledger_size()
    with pytest.raises(InvalidInput, match="is released: a bank is registered in quarantine") as refused:
        _bank(qa_reviewer, released, kind="mcb")
    assert refused.value.field == "lot" and ledger_size() == before


def test_a_lot_is_one_bank(qa_reviewer, site, hek, ledger_size):
    bank = tf.make_cell_bank(actor=qa_reviewer, kind="mcb", material=hek, site=site)
    before = ledger_size()
    with pytest.raises(Conflict, match="is a bank already"):
        _bank(qa_reviewer, bank.lot, kind="mcb")
    assert ledger_size() == before and CellBank.objects.filter(lot=bank.lot).count() == 1


def test_the_parent_must_be_released_and_have_the_vials(qa_reviewer, site, hek, mcb, ledger_size):
    quarantined = tf.make_cell_bank(actor=qa_reviewer, kind="mcb", material=hek, site=site)
    lot = tf.make_lot(actor=qa_reviewer, material=hek, site=site)
    before = ledger_size()
    with pytest.raises(RuleViolation, match="only a released lot is used"):
        _bank(qa_reviewer, lot, parent=quarantined.lot)
    with pytest.raises(RuleViolation, match=r"has 100 {vial} left: 101 {vial} is more than remains"):
        _bank(qa_reviewer, lot, parent=mcb.lot, parent_vials="101")
    assert ledger_size() == before and not CellBank.objects.filter(lot=lot).exists()


def test_a_vial_withdrawal_is_a_use_refused_below_zero(qa_reviewer, qa_approver, site, hek):
    small = tf.make_cell_bank(actor=qa_reviewer, kind="mcb", material=hek, site=site, vials="2")
    tf.release(small.lot, approver=qa_approver)
    batch_lot = tf.make_lot(actor=qa_reviewer, site=site)
    tf.make_use(actor=qa_reviewer, input=small.lot, output=batch_lot, quantity="2", unit="{vial}")
    assert bank_document(small)["vials_remaining"] == "0"
    with pytest.raises(RuleViolation, match="has 0 {vial} left"):
        tf.make_use(actor=qa_reviewer, input=small.lot, output=batch_lot, quantity="1", unit="{vial}")
    assert [lot.number for lot in lineage(small).made] == [batch_lot.number]


def test_the_panel_declares_each_kind():
    assert {t.code for t in bank_panel.panel("wvs")} >= {"rcv", "sterility", "mycoplasma"}
    assert "rcv" not in {t.code for t in bank_panel.panel("wcb")}
    assert "rcv" in {t.code for t in bank_panel.panel("wcb", vector_production=True)}
    assert bank_panel.age_rule(20, "passages", 20, "WCB-1") is None
    assert bank_panel.age_rule(21, "passages", 20, "WCB-1") == (
        "cell age 21 passages is beyond WCB-1 limit of 20 passages from the bank "
        "(ICH Q5D §2.3.3: the validated limit of in-vitro cell age for production)"
    )
    with pytest.raises(ValueError):
        bank_panel.panel("xcb")
