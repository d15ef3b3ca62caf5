"""The one write path: every change to a GMP record appends a hash-chained entry."""

from __future__ import annotations

import itertools
import json

import pytest
from django.db import DatabaseError, connection, transaction

from atmp.accounts.models import Site
from atmp.ledger import merkle, tree, writer
from atmp.ledger.canonical import ZERO_HASH, entry_bytes, sha256_hex
from atmp.ledger.errors import LedgerBypass, NothingChanged, ReasonRequired, StaleRecord
from atmp.ledger.models import AuditEntry, LedgerHead
from atmp.testing import make_site, rename_site

pytestmark = pytest.mark.django_db


def test_it_records_a_creation_with_every_field(qa_reviewer):
    site = make_site(actor=qa_reviewer, code="LEI", name="Leiden")
    entry = AuditEntry.objects.filter(record_type="accounts.site", record_id=str(site.pk)).get()
    assert entry.action == "create"
    assert entry.actor_id == qa_reviewer.pk and entry.actor_name == "Rita Reviewer"
    assert json.loads(entry.actor_roles) == ["qa_reviewer"]
    assert entry.record_version == 1 and site.version == 1
    changes = json.loads(entry.changes)
    assert changes["code"] == [None, "LEI"] and changes["name"] == [None, "Leiden"]
    assert entry.snapshot_hash == site.snapshot_hash()


def test_it_records_old_and_new_values_with_the_reason(site, qa_reviewer):
    rename_site(site, "Leiden Bio Science Park", actor=qa_reviewer, reason="full name per licence")
    entry = AuditEntry.objects.filter(record_id=str(site.pk), record_type="accounts.site").last()
    assert entry.action == "update" and entry.record_version == 2
    assert entry.reason == "full name per licence"
    assert json.loads(entry.changes) == {"name": ["Leiden", "Leiden Bio Science Park"]}


def test_it_refuses_a_change_without_a_reason(site, qa_reviewer):
    with pytest.raises(ReasonRequired, match="reason is required"):
        rename_site(site, "Other", actor=qa_reviewer, reason="  ")
    assert Site.objects.get(pk=site.pk).name == "Leiden"


def test_it_refuses_a_save_outside_the_ledger(site):
    site.name = "Sneaky"
    with pytest.raises(LedgerBypass, match=r"only inside ledger.change"):
        site.save()


@pytest.mark.parametrize("operation", ["update", "delete", "bulk_create"])
def test_it_refuses_bulk_writes_that_skip_the_ledger(site, operation):
    with pytest.raises(LedgerBypass, match="bypasses the ledger"):
        if operation == "update":
            Site.objects.filter(pk=site.pk).update(name="x")
        elif operation == "delete":
            Site.objects.filter(pk=site.pk).delete()
        else:
            Site.objects.bulk_create([Site(code="X", name="x")])


def test_it_never_deletes_a_record(site):
    with pytest.raises(LedgerBypass, match="never deleted"):
        site.delete()


def test_it_voids_a_record_with_a_reason(site, qa_reviewer):
    with writer.change(actor=qa_reviewer, reason="site closed"):
        site.voided = True
        site.status = "voided"
        site.save()
    assert AuditEntry.objects.last().action == "void"


def test_it_refuses_a_stale_copy(site, qa_reviewer):
    stale = Site.objects.get(pk=site.pk)
    rename_site(site, "First", actor=qa_reviewer)
    with pytest.raises(StaleRecord, match="changed by someone else"):
        rename_site(stale, "Second", actor=qa_reviewer)


def test_it_refuses_a_change_that_changes_nothing(site, qa_reviewer):
    with pytest.raises(NothingChanged):
        rename_site(site, site.name, actor=qa_reviewer)


def test_it_writes_nothing_when_the_change_fails(site, qa_reviewer):
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), writer.change(actor=qa_reviewer, reason="two edits"):
        site.name = "Half"
        site.save()
        raise RuntimeError("boom")
    assert AuditEntry.objects.count() == before
    assert Site.objects.get(pk=site.pk).name == "Leiden"


def test_it_chains_every_entry_to_the_previous_one(qa_reviewer):
    for i in range(5):
        make_site(actor=qa_reviewer, code=f"C{i}")
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == ZERO_HASH
    for prev, entry in itertools.pairwise(entries):
        assert entry.prev_hash == prev.hash
        assert entry.at > prev.at  # distinct, ordered timestamps
    for e in entries:
        body = entry_bytes(
            e.seq,
            e.at,
            e.actor_id,
            e.actor_name,
            e.actor_roles,
            e.action,
            e.record_type,
            e.record_id,
            e.record_version,
            e.reason,
            e.changes,
            e.snapshot_hash,
            e.prev_hash,
        )
        assert sha256_hex(body) == e.hash


def test_its_stored_tree_gives_the_same_roots_and_proofs_as_the_leaves(qa_reviewer):
    for i in range(12):
        make_site(actor=qa_reviewer, code=f"T{i}")
    leaves = [bytes.fromhex(h) for h in AuditEntry.objects.order_by("seq").values_list("hash", flat=True)]
    n = len(leaves)
    assert LedgerHead.objects.get().size == n
    for size in range(n + 1):
        assert tree.root(size) == merkle.root(leaves[:size])
    for size in (1, 7, n):
        for seq in range(1, size + 1):
            assert tree.inclusion_proof(seq, size) == merkle.inclusion_proof(leaves[:size], seq - 1)
        for old in range(size + 1):
            assert tree.consistency_proof(old, size) == merkle.consistency_proof(leaves[:size], old)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_auditentry SET reason = 'x'",
        "DELETE FROM ledger_auditentry",
        # Migration 0004 rebuilt both tables on SQLite: their triggers must have been made again.
        "UPDATE ledger_treenode SET hash = hash",
        "DELETE FROM ledger_treenode",
    ],
)
def test_the_database_refuses_to_change_the_audit_table(site, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


def test_its_raw_insert_lists_the_entry_columns_in_the_models_field_order():
    # writer._write builds the AuditEntry positionally from the same list it inserts.
    assert list(writer.ENTRY_COLUMNS) == [f.attname for f in AuditEntry._meta.concrete_fields]


@pytest.mark.parametrize("text", ["2026-11-25T04:05:26.123456Z", "0999-01-01T00:00:00.000000Z"])
def test_it_reads_the_heads_time_as_strptime_would(text):
    import datetime as dt

    assert writer._parse_at(text) == dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


@pytest.mark.parametrize("text", ["2026-11-25 04:05:26.123456Z", "2026-11-25T04:05:26Z", "not a time"])
def test_it_refuses_a_heads_time_in_another_format(text):
    with pytest.raises(ValueError):
        writer._parse_at(text)
