"""Contract over every GmpRecord model: audited on create and on change, no floats, never deleted."""

from __future__ import annotations

import json

import pytest
from django.db import models

from atmp.ledger import writer
from atmp.ledger.models import AuditEntry
from atmp.ledger.records import gmp_models
from atmp.testing import RECORD_FACTORIES

pytestmark = pytest.mark.django_db
TYPES = sorted(m.record_type() for m in gmp_models())


def test_every_gmp_model_has_a_factory():
    assert sorted(RECORD_FACTORIES) == TYPES


@pytest.mark.parametrize("record_type", TYPES)
def test_every_gmp_model_is_audited_on_create_and_change_and_concerns_its_site(record_type, qa_approver):
    factory, field, value = RECORD_FACTORIES[record_type]
    record = factory(qa_approver)
    created = AuditEntry.objects.filter(record_type=record_type, record_id=str(record.pk)).get()
    assert created.action == "create" and created.snapshot_hash == record.snapshot_hash()
    with writer.change(actor=qa_approver, reason="contract test"):
        setattr(record, field, value)
        record.save()
    changed = AuditEntry.objects.filter(record_type=record_type, record_id=str(record.pk)).order_by("seq").last()
    assert changed.action == "update" and changed.reason == "contract test"
    assert field in json.loads(changed.changes) or f"{field}_id" in json.loads(changed.changes)
    assert changed.snapshot_hash == record.snapshot_hash()
    _concerns_the_site_it_belongs_to(record)


def _concerns_the_site_it_belongs_to(record) -> None:
    """A signature's site rule (concerned_site_ids) agrees with who sees the record (visibility.site_of).

    A type may narrow or widen it on purpose (a document's version concerns its document's sites) by
    its own concerned_site_ids; the kernel's follows the `site` field or the `site_path`.
    """
    from atmp.accounts.visibility import site_of
    from atmp.ledger.records import GmpRecord

    if type(record).concerned_site_ids is not GmpRecord.concerned_site_ids:
        return
    site = site_of(record)
    assert record.concerned_site_ids() == (None if site is None else frozenset({site})), type(record).__name__


@pytest.mark.parametrize("model", gmp_models(), ids=lambda m: m.record_type())
def test_no_gmp_model_stores_floating_point_numbers(model):
    # DESIGN principle 7: measured values are strings and Decimals, never floats.
    assert not [f.name for f in model._meta.concrete_fields if isinstance(f, models.FloatField)]


def test_a_decimal_is_snapshotted_as_the_database_returns_it():
    from decimal import Decimal

    from atmp.ledger.records import _as_stored, to_json

    field = models.DecimalField(max_digits=6, decimal_places=2)
    assert to_json(_as_stored(field, Decimal("1.5"))) == "1.50"


@pytest.mark.parametrize("record_type", TYPES)
def test_no_gmp_model_can_be_changed_once_voided(record_type, qa_approver):
    from atmp.ledger.errors import RecordVoided

    factory, field, value = RECORD_FACTORIES[record_type]
    record = factory(qa_approver)
    with writer.change(actor=qa_approver, reason="contract test: retire it"):
        record.voided = True
        record.save()
    voided_at = record.version
    with pytest.raises(RecordVoided, match="voided"), writer.change(actor=qa_approver, reason="edit after void"):
        setattr(record, field, value)
        record.save()
    fresh = type(record)._base_manager.get(pk=record.pk)
    with pytest.raises(RecordVoided, match="voided"), writer.change(actor=qa_approver, reason="bring it back"):
        fresh.voided = False
        fresh.save()
    stored = type(record)._base_manager.get(pk=record.pk)
    assert (stored.version, stored.voided) == (voided_at, True)
    assert AuditEntry.objects.filter(record_type=record_type, record_id=str(record.pk)).count() == 2
