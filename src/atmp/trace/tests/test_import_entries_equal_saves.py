"""A lot, use or administration imported in bulk has the entry, tree and row a one-by-one save gives it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from atmp.ledger import clock, writer
from atmp.ledger.batch import new_record
from atmp.ledger.models import AuditEntry, LedgerHead, TreeNode
from atmp.trace.models import Administration, Lot, Person, Use

pytestmark = pytest.mark.django_db

INSTANT = dt.datetime(2026, 12, 5, 15, 0, 59, 999_995, tzinfo=dt.UTC)
RECEIVED = dt.datetime(2026, 11, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))


class Undo(Exception):
    """Rolls a run back."""


def records(material: Any, site: Any, patient: Any) -> list[list[Any]]:
    """Return, model by model, records with fixed ids: lots of every status, uses between them, administrations."""
    lots = [
        new_record(
            Lot,
            {
                "id": 5000 + i,
                "number": f"IMP-{i}",
                "material_id": material.pk,
                "site_id": site.pk,
                "status": ("quarantine", "released", "recalled")[i % 3],
                "quantity": Decimal("12.5") if i % 2 else 7,
                "unit": "mL",
                "expiry_date": dt.date(2030, 1, 1 + i),
                "received_at": RECEIVED,
                "location": "Freezer “B” – shelf 2" if i % 2 else "",
            },
        )
        for i in range(9)
    ]
    uses = [
        new_record(Use, {"id": 7000 + i, "input_id": 5000 + i, "output_id": 5001 + i, "quantity": "0.25",
                         "unit": "uL", "at": RECEIVED})
        for i in range(8)
    ]  # fmt: skip
    given = [new_record(Administration, {"id": 8000, "lot_id": 5008, "patient_id": patient.pk, "at": RECEIVED})]
    return [lots, uses, given]


def ledger_after(write: Any) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    try:
        with transaction.atomic():
            write()
            head = LedgerHead.objects.get()
            seen = {
                "head": (head.size, head.hash, head.at, bytes(head.frontier)),
                "entries": list(AuditEntry.objects.order_by("seq").values_list()),
                "nodes": sorted((n.level, n.index, bytes(n.hash)) for n in TreeNode.objects.all()),
                "rows": [list(m.objects.order_by("pk").values_list()) for m in (Lot, Use, Administration)],
            }
            raise Undo
    except Undo:
        pass
    return seen


def test_bulk_and_one_by_one_imports_write_the_same_ledger(qa_approver, site, material, monkeypatch, settings):
    settings.ATMP_CHECKPOINT_INTERVAL = 6
    monkeypatch.setattr(clock, "now", lambda: INSTANT)
    with writer.change(actor=qa_approver, reason="") as ch:
        patient = Person(coi="P-IMPORT", kind="patient", site=site)
        ch.save(patient)

    def bulk() -> None:
        with writer.change(actor=qa_approver, reason="migrated, sha256 0f") as ch:
            for group in records(material, site, patient):
                ch.create_many(group, action="import", batch_size=4)

    def one_by_one() -> None:
        with writer.change(actor=qa_approver, reason="migrated, sha256 0f") as ch:
            for group in records(material, site, patient):
                for record in group:
                    ch.save(record, action="import")

    bulk_ledger, saved_ledger = ledger_after(bulk), ledger_after(one_by_one)
    assert len(bulk_ledger["rows"][0]) == 9 and bulk_ledger == saved_ledger
