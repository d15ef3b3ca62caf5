"""Importing a migrated genealogy: everything through the ledger, marked as imported, traceable at once."""

from __future__ import annotations

import hashlib
import json

import pytest

from atmp.accounts.errors import NotAllowed
from atmp.ledger import verify
from atmp.ledger.models import AuditEntry, LedgerHead
from atmp.testing import PASSWORD, make_user
from atmp.trace.models import Administration, Identity, Lot, Material, Person, Use
from atmp.trace.selectors import genealogy
from atmp.trace.services.imports import import_lines
from atmp.trace.tests.conftest import JANE, JOHN
from atmp.trace.tests.import_files import MEDIUM, documented_example, jsonl, lot, use

pytestmark = pytest.mark.django_db


def test_it_imports_the_documented_example(qa_approver, site):
    data = documented_example()
    summary = import_lines(actor=qa_approver, site=site, data=data)
    assert summary.counts == {
        "material": 4, "lot": 4, "use": 3, "donor": 0, "patient": 1, "identity": 0, "administration": 1,
    }  # fmt: skip
    assert summary.entries >= 13 and not summary.dry_run
    product = Lot.objects.get(number="DP-0001")
    assert (product.status, str(product.quantity), product.unit) == ("released", "2.000", "{bag}")
    given = Administration.objects.get()
    assert (str(given.quantity), given.unit, str(genealogy.remaining(product))) == ("1.000", "{bag}", "1.000")
    assert Lot.objects.get(number="APH-0001").status == "consumed"
    assert Material.objects.get(code="LV-VECTOR").unit == "mL"  # from its first lot
    back = genealogy.backward(product)
    assert {lot.number for lot in back.lots} >= {"PL-0001", "LV-0001", "APH-0001"}
    assert [p.coi for p in genealogy.forward(Lot.objects.get(number="PL-0001")).persons] == ["LEI-P-000901-3"]


def test_every_record_has_its_own_entry_marked_imported_with_the_files_hash(qa_approver, site):
    data = documented_example()
    import_lines(actor=qa_approver, site=site, data=data)
    digest = hashlib.sha256(data).hexdigest()
    for model in (Material, Lot, Use, Person, Administration):
        for record in model.objects.all():
            entry = AuditEntry.objects.get(record_type=model.record_type(), record_id=str(record.pk))
            assert (entry.action, entry.record_version, entry.actor_id) == ("import", 1, qa_approver.pk)
            assert entry.reason == f"migrated by bulk import of a file with SHA-256 {digest}"
            assert entry.snapshot_hash == record.snapshot_hash()
    assert json.loads(AuditEntry.objects.get(record_type="trace.lot", record_id=str(Lot.objects.get(
        number="PL-0001").pk)).changes)["status"] == [None, "released"]  # fmt: skip


def test_verify_holds_after_an_import_and_names_a_tampered_imported_row(qa_approver, site, settings):
    settings.ATMP_CHECKPOINT_INTERVAL = 5
    import_lines(actor=qa_approver, site=site, data=documented_example(), batch_size=3)
    assert verify.run().ok
    from django.db import connection

    product = Lot.objects.get(number="DP-0001")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE trace_lot SET quantity = 3 WHERE id = %s", [product.pk])
    report = verify.run()
    assert [(f.kind, f.record) for f in report.failures] == [("record", f"trace.lot:{product.pk}")]


def test_a_dry_run_counts_and_writes_nothing(qa_approver, site):
    before = LedgerHead.objects.get().size
    summary = import_lines(actor=qa_approver, site=site, data=documented_example(), dry_run=True)
    assert summary.dry_run and summary.counts["lot"] == 4 and summary.entries == 0
    assert not Lot.objects.exists() and LedgerHead.objects.get().size == before


def test_it_reports_progress_by_batch(qa_approver, site):
    seen: list[tuple[int, int]] = []
    import_lines(
        actor=qa_approver, site=site, data=documented_example(), batch_size=2, progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (13, 13) and len(seen) >= 6


def test_lots_refer_to_stored_materials_and_lots(qa_approver, site, material, released):
    data = jsonl(lot("L-NEW", material="MED-001"), use("L-0100", "L-NEW", quantity="40"))
    import_lines(actor=qa_approver, site=site, data=data)
    assert genealogy.used(released) == 40
    assert Use.objects.get(output__number="L-NEW").input == released


def test_personal_data_is_sealed_and_never_in_the_ledger(coordinator, site):
    data = jsonl(
        {"kind": "patient", "coi": "LEI-P-000901-3", **JANE},
        {"kind": "donor", "coi": "D-0002", **JOHN},
    )
    summary = import_lines(actor=coordinator, site=site, data=data)
    assert summary.counts["identity"] == 2 and Identity.objects.count() == 2
    entries = " ".join(
        " ".join(str(v) for v in row) for row in AuditEntry.objects.values_list("reason", "changes", "actor_name")
    )
    for person in (JANE, JOHN):
        for value in person.values():
            assert value not in entries
    assert AuditEntry.objects.filter(record_type="trace.identity", action="import").count() == 2


def test_an_administrator_may_not_import(site):
    admin = make_user("system_admin", username="sam", password=PASSWORD)
    with pytest.raises(NotAllowed, match="records.write"):
        import_lines(actor=admin, site=site, data=jsonl(MEDIUM))
    assert not Material.objects.exists()


def test_importing_a_released_lot_is_qas_decision(operator, site):
    data = jsonl(MEDIUM, lot("L-1", status="released", expiry="2030-01-01"))
    with pytest.raises(NotAllowed, match="quality.decide"):
        import_lines(actor=operator, site=site, data=data)
    assert not Material.objects.exists() and not Lot.objects.exists()


def test_personal_data_needs_the_coordinators_permission(qa_approver, site):
    with pytest.raises(NotAllowed, match="identity.manage"):
        import_lines(actor=qa_approver, site=site, data=jsonl({"kind": "patient", "coi": "P-1", **JANE}))
    assert not Person.objects.exists()
