"""A lot, use or administration imported in bulk has the entry, tree and row a one-by-one save gives it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from atmp.ledger import clock, writer
from atmp.ledger.batch import Plan, new_record
from atmp.ledger.models import AuditEntry, LedgerHead, TreeNode
from atmp.trace.models import Administration, Lot, Person, Use

pytestmark = pytest.mark.django_db

INSTANT = dt.datetime(2026, 12, 5, 15, 0, 59, 999_995, tzinfo=dt.UTC)
RECEIVED = dt.datetime(2026, 11, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
# What the import's checks give (UTC times, Decimals): the values batch_code's compiled code takes.
AT_UTC = (dt.datetime(2026, 11, 1, 7, 30, tzinfo=dt.UTC), dt.datetime(2026, 11, 1, 7, 30, 0, 120, tzinfo=dt.UTC))


class Undo(Exception):
    """Rolls a run back."""


def records(material: Any, site: Any, patient: Any, *, as_imported: bool = False) -> list[list[Any]]:
    """Return, model by model, records with fixed ids: lots of every status, uses between them, administrations.

    as_imported: with the value types the import's checks give (UTC times, Decimals), which go
    through batch_code's compiled snapshot and row; otherwise with others (a time in another zone,
    an int, a string), which take the general path.
    """
    if as_imported:
        return imported_records(material, site, patient)
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


def imported_records(material: Any, site: Any, patient: Any) -> list[list[Any]]:
    lots = [
        new_record(
            Lot,
            {
                "id": 5000 + i,
                "number": f"IMP-{i}",
                "material_id": material.pk,
                "site_id": site.pk,
                "status": ("quarantine", "released", "recalled")[i % 3],
                "quantity": Decimal("12.5") if i % 2 else Decimal(7),
                "unit": "mL",
                "expiry_date": dt.date(2030, 1, 1 + i) if i % 3 else None,
                "received_at": AT_UTC[i % 2],
                "location": 'Freezer “B” – shelf 2 \\ "x"' if i % 2 else "",
                "donor_id": None,
            },
        )
        for i in range(9)
    ]
    uses = [
        new_record(Use, {"id": 7000 + i, "input_id": 5000 + i, "output_id": 5001 + i, "quantity": Decimal("0.25"),
                         "unit": "uL", "at": AT_UTC[i % 2]})
        for i in range(8)
    ]  # fmt: skip
    given = [
        new_record(Administration, {"id": 8000 + i, "lot_id": 5008, "patient_id": patient.pk, "at": AT_UTC[i],
                                    "quantity": Decimal(1) if i else None, "unit": "mL" if i else ""})
        for i in range(2)
    ]  # fmt: skip
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


@pytest.mark.parametrize("as_imported", [False, True], ids=["general path", "compiled path"])
def test_bulk_and_one_by_one_imports_write_the_same_ledger(
    qa_approver, site, material, monkeypatch, settings, as_imported
):
    settings.ATMP_CHECKPOINT_INTERVAL = 6
    monkeypatch.setattr(clock, "now", lambda: INSTANT)
    with writer.change(actor=qa_approver, reason="") as ch:
        patient = Person(coi="P-IMPORT", kind="patient", site=site)
        ch.save(patient)

    def bulk() -> None:
        with writer.change(actor=qa_approver, reason="migrated, sha256 0f") as ch:
            for group in records(material, site, patient, as_imported=as_imported):
                ch.create_many(group, action="import", batch_size=4)

    def one_by_one() -> None:
        with writer.change(actor=qa_approver, reason="migrated, sha256 0f") as ch:
            for group in records(material, site, patient, as_imported=as_imported):
                for record in group:
                    ch.save(record, action="import")

    for group in records(material, site, patient, as_imported=as_imported):
        # Which path each record takes: the compiled one for the import's value types, and only then.
        plan = Plan.of(type(group[0]))
        assert all((plan.compiled(r.__dict__) is not None) is as_imported for r in group)
        assert all((plan.compiled_row(r.__dict__) is not None) is as_imported for r in group)
    bulk_ledger, saved_ledger = ledger_after(bulk), ledger_after(one_by_one)
    assert len(bulk_ledger["rows"][0]) == 9 and bulk_ledger == saved_ledger
