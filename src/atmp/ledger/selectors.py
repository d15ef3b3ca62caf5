"""Reads of the ledger shared by the CLI, the API and the web: entries, proofs and checkpoints as documents,
and the entry selections that exports stream.

Proof documents are built here and nowhere else, so every entry point hands an auditor the same JSON:
base64 hashes, RFC 9162 proofs, and the leaf hash an RFC 6962 verifier starts from.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from atmp.ledger import checkpoints, merkle, trail, tree
from atmp.ledger.errors import NotFound
from atmp.ledger.models import AuditEntry, Checkpoint

# The stored columns of an entry, in the order exports and `atmp verify` read them.
ENTRY_COLUMNS = (
    "seq", "at", "actor_id", "actor_name", "actor_roles", "action", "record_type", "record_id",
    "record_version", "reason", "changes", "snapshot_hash", "prev_hash", "hash",
)  # fmt: skip


def b64(digest: bytes) -> str:
    """Return a hash as standard base64, the encoding of checkpoints and proofs."""
    return base64.b64encode(digest).decode("ascii")


def entry(seq: int, *, scope: Q | None = None) -> AuditEntry:
    """Return the entry with this seq, or raise NotFound naming it (also when it is outside `scope`)."""
    found = trail.entry(seq, scope=scope)
    if found is None:
        raise NotFound(f"there is no ledger entry {seq}: the ledger has {tree.size()} entries (seq counts from 1)")
    return found


def inclusion_proof_document(seq: int, size: int | None = None, *, scope: Q | None = None) -> dict[str, Any]:
    """Return the RFC 9162 inclusion proof of entry seq in the tree of size entries, as JSON-ready data.

    Without a size the proof is against the latest checkpoint, whose root is signed, when that
    checkpoint covers the entry; otherwise (no checkpoint yet, or a newer entry) the current head.
    """
    leaf = merkle.leaf_hash(bytes.fromhex(entry(seq, scope=scope).hash))
    if size is None:
        latest = checkpoints.latest()
        size = latest.size if latest is not None and latest.size >= seq else tree.size()
    proof = tree.inclusion_proof(seq, size)
    return {
        "seq": seq,
        "index": seq - 1,
        "size": size,
        "leaf_hash": b64(leaf),
        "root": b64(tree.root(size)),
        "proof": [b64(p) for p in proof],
    }


def consistency_proof_document(old: int, new: int) -> dict[str, Any]:
    """Return the RFC 9162 proof that the tree of new entries extends the tree of old entries."""
    if old > new:
        raise NotFound(f"no consistency proof from {old} to {new}: the old size must not exceed the new")
    proof = tree.consistency_proof(old, new)
    return {
        "old_size": old,
        "new_size": new,
        "old_root": b64(tree.root(old)),
        "new_root": b64(tree.root(new)),
        "proof": [b64(p) for p in proof],
    }


def checkpoint_document(checkpoint: Checkpoint) -> dict[str, Any]:
    """Return a stored checkpoint as JSON-ready data (the root in base64, as in the note)."""
    return {
        "size": checkpoint.size,
        "root": b64(bytes.fromhex(checkpoint.root)),
        "signed_at": checkpoint.signed_at,
        "note": checkpoint.note,
    }


def checkpoint_documents() -> list[dict[str, Any]]:
    """Return every stored checkpoint, smallest tree first."""
    return [checkpoint_document(c) for c in Checkpoint.objects.order_by("size")]


def actor_id_of(text: str) -> int:
    """Return the user id that a user id or a username names, or raise NotFound."""
    text = text.strip()
    if text.isascii() and text.isdecimal():
        # An id is taken as given: an entry keeps its actor's id even if the account is gone.
        return int(text)
    user_model = get_user_model()
    found = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: text}).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound(f"there is no user named {text!r}")
    return int(found)


def selected_entries(
    f: trail.TrailFilter, *, from_seq: int | None = None, to_seq: int | None = None
) -> QuerySet[AuditEntry]:
    """Return the entries the filter and the seq range select (both ends included), in seq order."""
    if from_seq is not None and to_seq is not None and from_seq > to_seq:
        raise NotFound(f"the seq range {from_seq}..{to_seq} is empty: the first seq is after the last")
    qs = trail.filtered(f)
    if from_seq is not None:
        qs = qs.filter(seq__gte=from_seq)
    if to_seq is not None:
        qs = qs.filter(seq__lte=to_seq)
    return qs.order_by("seq")


def entry_rows(
    f: trail.TrailFilter, *, from_seq: int | None = None, to_seq: int | None = None
) -> Iterator[tuple[Any, ...]]:
    """Stream the selected entries as tuples of ENTRY_COLUMNS, in seq order, without loading them all."""
    rows = selected_entries(f, from_seq=from_seq, to_seq=to_seq).values_list(*ENTRY_COLUMNS)
    return rows.iterator(chunk_size=2000)
