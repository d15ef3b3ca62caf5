"""Signed checkpoints: C2SP tlog-checkpoint notes that pin the tree head, never contradicting an earlier one."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from atmp.ledger import keys, merkle, note, tree
from atmp.ledger.actors import ActsInLedger
from atmp.ledger.errors import CheckpointRefused
from atmp.ledger.models import Checkpoint
from atmp.ledger.records import rfc3339
from atmp.ledger.writer import Change, change


def latest() -> Checkpoint | None:
    """Return the checkpoint with the largest tree size, if any."""
    return Checkpoint.objects.order_by("-size").first()


def sign_in_change(ch: Change) -> Checkpoint:
    """Sign a checkpoint for the head as it stands inside this change, and record it in the ledger."""
    head = ch._lock()
    size = head.size
    existing = Checkpoint.objects.filter(size=size).first()
    # The stored right edge is the perfect decomposition of [0, size): its fold is the root.
    root = merkle.hash_from_perfect(head.frontier) if size else merkle.EMPTY_ROOT
    previous = latest()
    if existing is not None:
        if existing.root != root.hex():
            raise CheckpointRefused(
                f"checkpoint at size {size} was signed with root {existing.root}, the tree now gives {root.hex()}"
            )
        return existing
    if previous is not None:
        _check_extends(previous, size, root)
    text = note.checkpoint_text(keys.origin(), size, root)
    signed = note.sign_note(text, name=keys.origin(), private_key=keys.private_key())
    at = rfc3339(ch._next_at(head))
    checkpoint = Checkpoint(size=size, root=root.hex(), note=signed, signed_at=at)
    checkpoint.save(force_insert=True)
    ch.event(
        action="checkpoint",
        record_type="ledger.checkpoint",
        record_id=str(size),
        record_version=1,
        changes={"root": [None, base64.b64encode(root).decode()], "size": [None, size]},
        snapshot_hash=hashlib.sha256(signed.encode()).hexdigest(),
        reason="",
        checkpoint=False,
    )
    return checkpoint


def _check_extends(previous: Checkpoint, size: int, root: bytes) -> None:
    # Never sign a head that a verifier could not prove extends what we signed before.
    if size < previous.size:
        raise CheckpointRefused(
            f"the ledger has {size} entries but checkpoint {previous.size} was signed before: "
            "the ledger was truncated or restored from an older copy; run `atmp verify`"
        )
    proof = tree.consistency_proof(previous.size, size)
    if not merkle.verify_consistency(
        old_size=previous.size, new_size=size, old_root=bytes.fromhex(previous.root), new_root=root, proof=proof
    ):
        raise CheckpointRefused(
            f"the tree at size {size} does not extend checkpoint {previous.size}: refusing to sign; run `atmp verify`"
        )


def sign_now(*, actor: ActsInLedger | None = None) -> Checkpoint:
    """Sign a checkpoint for the current head on demand (or return the one already signed for it)."""
    with change(actor=actor, reason="") as ch:
        return sign_in_change(ch)


def export(directory: Path) -> list[Path]:
    """Write every stored checkpoint to DIRECTORY/<size>.checkpoint; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for checkpoint in Checkpoint.objects.order_by("size").iterator():
        path = directory / f"{checkpoint.size}.checkpoint"
        path.write_text(checkpoint.note, encoding="utf-8")
        written.append(path)
    return written
