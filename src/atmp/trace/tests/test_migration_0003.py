"""Migration 0003_labels: each existing material enters the ledger with its new snapshot, so that `atmp verify`
stays green across the upgrade that adds its GTIN and ISBT 128 product code."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from atmp.ledger import verify
from atmp.ledger.models import AuditEntry
from atmp.trace import factories

pytestmark = pytest.mark.django_db
migration = importlib.import_module("atmp.trace.migrations.0003_labels")


def test_it_records_each_materials_snapshot_as_the_model_computes_it(qa_reviewer):
    given = factories.make_material(actor=qa_reviewer)
    migration.record_the_new_fields(apps, None)
    entry = AuditEntry.objects.filter(record_type="trace.material", record_id=str(given.pk)).last()
    assert (entry.action, entry.record_version, entry.reason) == ("fields_added", given.version, migration.REASON)
    assert entry.snapshot_hash == given.snapshot_hash()
    report = verify.run(processes=1)
    assert report.ok, report.failures


def test_it_writes_nothing_when_there_is_no_material(db):
    before = AuditEntry.objects.count()
    migration.record_the_new_fields(apps, None)
    assert AuditEntry.objects.count() == before
