"""Migration 0006_shipment_destination_site: each existing shipment enters the ledger with its new snapshot,
so that `atmp verify` stays green across the upgrade that adds its destination site."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps

from atmp.ledger import verify
from atmp.ledger.models import AuditEntry
from atmp.trace import factories

pytestmark = pytest.mark.django_db
migration = importlib.import_module("atmp.trace.migrations.0006_shipment_destination_site")


def test_it_records_each_shipments_snapshot_as_the_model_computes_it(operator):
    shipped = factories.make_shipment(actor=operator)
    migration.record_the_new_field(apps, None)
    entry = AuditEntry.objects.filter(record_type="trace.shipment", record_id=str(shipped.pk)).last()
    assert (entry.action, entry.record_version, entry.reason) == ("fields_added", shipped.version, migration.REASON)
    assert json.loads(entry.changes) == {"destination_site_id": [None, None]}
    assert entry.snapshot_hash == shipped.snapshot_hash()
    report = verify.run(processes=1)
    assert report.ok, report.failures


def test_it_writes_nothing_when_there_is_no_shipment(db):
    before = AuditEntry.objects.count()
    migration.record_the_new_field(apps, None)
    assert AuditEntry.objects.count() == before
