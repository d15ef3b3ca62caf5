"""Checkpoints: signed automatically every N entries and on demand, never contradicting an earlier one."""

from __future__ import annotations

import pytest
from django.db import connection

from atmp.ledger import checkpoints, keys, merkle, note, tree
from atmp.ledger.errors import CheckpointRefused
from atmp.ledger.models import AuditEntry, Checkpoint
from atmp.testing import make_site

pytestmark = pytest.mark.django_db


def test_it_signs_a_checkpoint_every_interval_entries(settings, qa_reviewer):
    settings.ATMP_CHECKPOINT_INTERVAL = 4
    for i in range(9):
        make_site(actor=qa_reviewer, code=f"A{i}")
    sizes = list(Checkpoint.objects.values_list("size", flat=True))
    assert sizes and all(size % 4 == 0 for size in sizes)
    for checkpoint in Checkpoint.objects.all():
        opened = note.open_checkpoint(checkpoint.note, keys.verifier())
        assert opened.root == tree.root(checkpoint.size)
        assert AuditEntry.objects.filter(action="checkpoint", record_id=str(checkpoint.size)).exists()


def test_it_signs_on_demand_and_returns_the_same_checkpoint_for_the_same_head(qa_reviewer):
    make_site(actor=qa_reviewer)
    first = checkpoints.sign_now()
    assert first.size == tree.size() - 1  # the checkpoint's own entry comes after it
    opened = note.open_checkpoint(first.note, keys.verifier())
    assert opened.origin == keys.origin() and opened.size == first.size


def test_every_checkpoint_extends_the_previous_one(qa_reviewer):
    make_site(actor=qa_reviewer)
    old = checkpoints.sign_now()
    make_site(actor=qa_reviewer)
    new = checkpoints.sign_now()
    proof = tree.consistency_proof(old.size, new.size)
    assert merkle.verify_consistency(
        old_size=old.size,
        new_size=new.size,
        old_root=bytes.fromhex(old.root),
        new_root=bytes.fromhex(new.root),
        proof=proof,
    )


def test_it_refuses_to_sign_a_head_that_contradicts_an_earlier_checkpoint(qa_reviewer):
    make_site(actor=qa_reviewer)
    checkpoints.sign_now()
    with connection.cursor() as cursor:
        # Simulate a forged history: the stored root no longer matches the tree.
        sqlite = connection.vendor == "sqlite"
        trigger = "ledger_checkpoint_no_update" if sqlite else "ledger_checkpoint_append_only ON ledger_checkpoint"
        cursor.execute(f"DROP TRIGGER {trigger}")
        cursor.execute("UPDATE ledger_checkpoint SET root = %s", ["ab" * 32])
    make_site(actor=qa_reviewer)
    with pytest.raises(CheckpointRefused, match="does not extend checkpoint"):
        checkpoints.sign_now()


def test_it_refuses_to_sign_without_the_key(qa_reviewer, settings, tmp_path):
    make_site(actor=qa_reviewer)
    settings.ATMP_KEY_FILE = str(tmp_path / "missing.key")
    with pytest.raises(CheckpointRefused, match="no signing key"):
        checkpoints.sign_now()


def test_it_exports_every_checkpoint_as_a_file(qa_reviewer, tmp_path):
    make_site(actor=qa_reviewer)
    checkpoints.sign_now()
    make_site(actor=qa_reviewer)
    checkpoints.sign_now()
    paths = checkpoints.export(tmp_path)
    assert sorted(p.name for p in paths) == sorted(f"{c.size}.checkpoint" for c in Checkpoint.objects.all())
