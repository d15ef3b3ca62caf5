"""Change.create_many: many new records in bulk, each with the entry save() would have written (ADR 0016)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import DataError, connection, transaction

from atmp.accounts.models import Site
from atmp.ledger import clock, merkle, verify, writer
from atmp.ledger.models import AuditEntry, Checkpoint, LedgerHead, TreeNode

pytestmark = pytest.mark.django_db

INSTANT = dt.datetime(2026, 12, 5, 15, 0, 59, 999_990, tzinfo=dt.UTC)  # the batch crosses a second


class Undo(Exception):
    """Raised to roll a run back."""


def sites(count: int, first_id: int = 9001) -> list[Site]:
    """Return new sites with fixed ids, so that two runs name the same records."""
    return [
        Site(id=first_id + i, code=f"B{i:04d}", name=f'Bulk site {i} – Zürich "Ost"', address="Street 1\nTown")
        for i in range(count)
    ]


def state() -> dict[str, Any]:
    """Return what the ledger holds: head, entries, tree nodes, checkpoints, site rows."""
    head = LedgerHead.objects.get()
    return {
        "head": (head.size, head.hash, head.at, bytes(head.frontier)),
        "entries": list(AuditEntry.objects.order_by("seq").values_list()),
        "nodes": sorted((n.level, n.index, bytes(n.hash)) for n in TreeNode.objects.all()),
        "checkpoints": list(Checkpoint.objects.order_by("size").values_list("size", "root", "note", "signed_at")),
        "sites": list(Site.objects.order_by("pk").values_list()),
    }


def run_and_undo(write: Any) -> dict[str, Any]:
    """Run the write inside a change, record the ledger's state, and roll it all back."""
    seen: dict[str, Any] = {}
    try:
        with transaction.atomic():
            write()
            seen.update(state())
            raise Undo
    except Undo:
        pass
    return seen


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: INSTANT)


@pytest.fixture
def small_checkpoints(settings):
    settings.ATMP_CHECKPOINT_INTERVAL = 7


def test_it_writes_the_entries_and_tree_that_saves_one_by_one_write(qa_reviewer, frozen, small_checkpoints):
    def bulk() -> None:
        with writer.change(actor=qa_reviewer, reason="migrated from the old system") as ch:
            assert ch.create_many(sites(23), batch_size=5) == 23

    def one_by_one() -> None:
        with writer.change(actor=qa_reviewer, reason="migrated from the old system") as ch:
            for site in sites(23):
                ch.save(site)

    bulk_state, saved_state = run_and_undo(bulk), run_and_undo(one_by_one)
    assert bulk_state["entries"] and len(bulk_state["checkpoints"]) >= 3
    assert bulk_state == saved_state


def test_each_record_is_created_at_version_one_by_the_actor(qa_reviewer):
    made = sites(3)
    with writer.change(actor=qa_reviewer, reason="") as ch:
        ch.create_many(made)
    for site in made:
        stored = Site.objects.get(pk=site.pk)
        entry = AuditEntry.objects.get(record_type="accounts.site", record_id=str(site.pk))
        assert (stored.version, stored.created_by_id) == (1, qa_reviewer.pk)
        assert (entry.action, entry.record_version) == ("create", 1)
        assert entry.at == stored.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert entry.snapshot_hash == stored.snapshot_hash()
        assert json.loads(entry.changes)["code"] == [None, site.code]


def test_it_names_its_own_action(qa_reviewer):
    with writer.change(actor=qa_reviewer, reason="import of sites.jsonl") as ch:
        ch.create_many(sites(2), action="import")
    assert set(AuditEntry.objects.filter(record_type="accounts.site").values_list("action", flat=True)) == {"import"}


def test_verify_holds_after_an_import_and_names_a_tampered_row(qa_reviewer, small_checkpoints):
    made = sites(30)
    with writer.change(actor=qa_reviewer, reason="") as ch:
        ch.create_many(made, batch_size=4)
    assert verify.run().ok
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_site SET name = 'Edited in SQL' WHERE id = %s", [made[17].pk])
    report = verify.run()
    assert not report.ok
    assert [(f.kind, f.record) for f in report.failures] == [("record", f"accounts.site:{made[17].pk}")]


def test_a_rolled_back_import_leaves_nothing(qa_reviewer, small_checkpoints):
    before = state()
    with pytest.raises(Undo), writer.change(actor=qa_reviewer, reason="") as ch:
        ch.create_many(sites(20), batch_size=6)
        raise Undo
    assert state() == before


def test_the_tree_root_equals_the_root_of_the_entries(qa_reviewer):
    with writer.change(actor=qa_reviewer, reason="") as ch:
        ch.create_many(sites(11), batch_size=3)
    leaves = [bytes.fromhex(h) for h in AuditEntry.objects.order_by("seq").values_list("hash", flat=True)]
    head = LedgerHead.objects.get()
    assert merkle.hash_from_perfect(writer.frontier_from_bytes(bytes(head.frontier))) == merkle.root(leaves)


def test_it_refuses_records_of_two_models_or_stored_ones(qa_reviewer, site):
    with pytest.raises(ValueError, match="new records only"), writer.change(actor=qa_reviewer, reason="") as ch:
        ch.create_many([site])
    with pytest.raises(TypeError, match="one model"), writer.change(actor=qa_reviewer, reason="") as ch:
        ch.create_many([*sites(1), qa_reviewer])


def test_records_without_keys_take_them_in_order_as_inserts_would(qa_reviewer):
    made = [Site(code=f"K{i}", name=f"Keyless {i}") for i in range(5)]
    with writer.change(actor=qa_reviewer, reason="") as ch:
        ch.create_many(made, batch_size=2)
        after = Site(code="K9", name="Saved after")
        ch.save(after)
    keys = [site.pk for site in made]
    assert keys == list(range(keys[0], keys[0] + 5))
    assert after.pk == keys[-1] + 1  # the key's sequence stands where five INSERTs leave it
    ids = AuditEntry.objects.filter(record_type="accounts.site").order_by("seq").values_list("record_id", flat=True)
    assert list(ids)[-6:] == [str(k) for k in [*keys, after.pk]]
    assert [s.code for s in Site.objects.filter(pk__in=keys).order_by("pk")] == [f"K{i}" for i in range(5)]
    assert verify.run().ok


@pytest.mark.postgres
def test_a_nul_in_a_text_is_refused_on_postgresql_and_nothing_is_written(qa_reviewer):
    before = state()
    made = sites(3)
    made[1].name = "Bad\x00name"
    with pytest.raises(DataError, match="NUL"), writer.change(actor=qa_reviewer, reason="") as ch:
        ch.create_many(made)
    assert state() == before
