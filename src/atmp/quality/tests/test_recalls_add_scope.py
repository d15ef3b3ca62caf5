"""The add_scope contract (called by traceability): batches and lots by record key, all or none."""

from __future__ import annotations

from decimal import Decimal

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import Conflict
from atmp.ledger.models import AuditEntry
from atmp.quality.factories import make_recall
from atmp.quality.models.recalls import RecallScope
from atmp.quality.services.recalls import ScopeItem, add_scope
from atmp.testing import make_site
from atmp.workflow import links

pytestmark = pytest.mark.django_db


@pytest.fixture
def recall(qa_reviewer):
    return make_recall(actor=qa_reviewer)


@pytest.fixture
def lots():
    return [make_site(), make_site()]  # stand in for lots: any record a key names


def test_it_adds_each_item_with_its_quantities_and_links_it(recall, lots, qa_reviewer):
    rows = add_scope(
        actor=qa_reviewer,
        recall=recall,
        items=[
            ScopeItem(lots[0].record_key, "Lot AAV-001", 12, unit="bags", quantity_administered=3),
            ScopeItem(lots[1].record_key, "Lot AAV-002", Decimal("4.5"), unit="mL"),
        ],
        reason="from the genealogy",
    )
    assert [(r.record, r.quantity_distributed, r.quantity_administered) for r in rows] == [
        (lots[0].record_key, Decimal("12.000"), Decimal("3.000")),
        (lots[1].record_key, Decimal("4.500"), Decimal("0.000")),
    ]
    assert sorted(s.other_key for s in links.for_record(recall)) == sorted(lot.record_key for lot in lots)


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (lambda ok: ScopeItem("trace.lot:999", "x", 1), "items[1].record"),
        (lambda ok: ScopeItem("not a key", "x", 1), "items[1].record"),
        (lambda ok: ScopeItem(ok, "x", 1), "items[1].record"),
        (lambda ok: ScopeItem(make_site().record_key, "", 1), "items[1].description"),
        (lambda ok: ScopeItem(make_site().record_key, "x", -1), "items[1].quantity_distributed"),
        (lambda ok: ScopeItem(make_site().record_key, "x", 1.5), "items[1].quantity_distributed"),  # type: ignore[arg-type]  # a float, refused on purpose
        (lambda ok: ScopeItem(make_site().record_key, "x", "0.0001"), "items[1].quantity_distributed"),
        (lambda ok: ScopeItem(make_site().record_key, "x", 2, quantity_returned=3), "items[1].quantity_returned"),
    ],
)
def test_a_bad_item_is_refused_by_its_place_and_nothing_is_written(recall, lots, qa_reviewer, item, field):
    first = ScopeItem(lots[0].record_key, "Lot AAV-001", 12)
    bad = item(lots[0].record_key)
    before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput) as refused:
        add_scope(actor=qa_reviewer, recall=recall, items=[first, bad], reason="r")
    assert refused.value.field == field
    assert AuditEntry.objects.count() == before and not RecallScope.objects.exists()


def test_no_items_is_refused(recall, qa_reviewer):
    with pytest.raises(InvalidInput, match="items"):
        add_scope(actor=qa_reviewer, recall=recall, items=[], reason="r")


def test_a_batch_already_in_scope_is_refused(recall, lots, qa_reviewer):
    add_scope(actor=qa_reviewer, recall=recall, items=[ScopeItem(lots[0].record_key, "Lot", 1)], reason="r")
    with pytest.raises(Conflict, match="already has"):
        add_scope(actor=qa_reviewer, recall=recall, items=[ScopeItem(lots[0].record_key, "Lot", 1)], reason="r")


def test_a_recall_in_reconciliation_takes_no_new_scope(qa_reviewer, qa_approver, lots):
    from atmp.workflow import engine

    recall = make_recall(actor=qa_reviewer, with_scope=True)
    engine.transition(qa_approver, recall, "start", reason="decided")
    engine.transition(qa_approver, recall, "reconcile", reason="all reached")
    with pytest.raises(Conflict, match="takes no edits"):
        add_scope(actor=qa_reviewer, recall=recall, items=[ScopeItem(lots[0].record_key, "Lot", 1)], reason="r")


def test_an_inspector_cannot_add_scope(recall, lots, inspector):
    from atmp.accounts.errors import NotAllowed

    with pytest.raises(NotAllowed):
        add_scope(actor=inspector, recall=recall, items=[ScopeItem(lots[0].record_key, "Lot", 1)], reason="r")
