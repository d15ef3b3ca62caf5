"""Tables of the ledger: audit entries, the Merkle tree's stored nodes, the chain head,
signed checkpoints and electronic signatures. All but the head are append-only in the database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.db import models

from atmp.ledger.records import GmpRecord, GmpRecordManager

__all__ = [
    "AuditEntry",
    "AuditTrailReview",
    "Checkpoint",
    "GmpRecord",
    "GmpRecordManager",
    "LedgerHead",
    "Signature",
    "TreeNode",
    "WitnessDelivery",
]


class AuditEntry(models.Model):
    """One ledger entry; its columns are exactly the fields of the hashed body (docs/ledger-format.md)."""

    seq = models.BigIntegerField(primary_key=True)  # on SQLite the rowid itself (migration 0004)
    at = models.CharField(max_length=27)  # RFC 3339 UTC, microseconds, Z: sorts as text
    # Not a foreign key: an entry outlives any account, and keeps the name the actor had then.
    actor_id = models.BigIntegerField(null=True)
    actor_name = models.CharField(max_length=200)
    actor_roles = models.TextField()  # canonical JSON array
    action = models.CharField(max_length=40)
    record_type = models.CharField(max_length=100)
    record_id = models.CharField(max_length=64, null=True)
    record_version = models.IntegerField(null=True)
    reason = models.TextField(blank=True)
    changes = models.TextField()  # canonical JSON object {field: [old, new]}
    snapshot_hash = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    # No index: no query looks an entry up by its hash, and the chain makes each one unique (a
    # repeated hash is a failed hash check in `atmp verify`). Every index is one more B-tree that
    # every audited write updates (docs/performance.md).
    hash = models.CharField(max_length=64)

    class Meta:
        # Indexes are declared here rather than with db_index/unique: on PostgreSQL those add a
        # varchar_pattern_ops twin for LIKE queries, which nothing here runs.
        indexes = [
            models.Index(fields=["at"], name="ledger_entry_at"),
            models.Index(fields=["record_type", "record_id", "seq"], name="ledger_entry_record"),
            models.Index(fields=["actor_id", "at"], name="ledger_entry_actor_at"),
            models.Index(fields=["action", "at"], name="ledger_entry_action_at"),
        ]
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.record_type}:{self.record_id}"


class TreeNode(models.Model):
    """The hash of a complete, aligned subtree of the RFC 6962 tree: leaves [index·2^level, (index+1)·2^level).

    Stored as entries are appended, so any root or proof needs O(log n) reads, never a rehash.
    On SQLite the table is WITHOUT ROWID (migration 0004): one B-tree keyed by (level, index).
    """

    pk = models.CompositePrimaryKey("level", "index")
    level = models.SmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    def __str__(self) -> str:
        return f"node {self.level}/{self.index}"


class LedgerHead(models.Model):
    """The single row that appends lock: the tree size, the last hash and the last timestamp."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    at = models.CharField(max_length=27, blank=True)
    # The right edge of the tree: the hashes of the complete subtrees that make up [0, size),
    # largest first, 32 bytes each. Appends extend it without reading any node.
    frontier = models.BinaryField(default=b"")

    def __str__(self) -> str:
        return f"head {self.size}"


class Checkpoint(models.Model):
    """A C2SP tlog-checkpoint signed by the server key, pinning the tree head at `size`."""

    size = models.BigIntegerField(primary_key=True)
    root = models.CharField(max_length=64)  # hex, for reading; the note holds it in base64
    note = models.TextField()
    signed_at = models.CharField(max_length=27)

    class Meta:
        ordering = ["size"]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class WitnessDelivery(models.Model):
    """How far `atmp tick` has delivered the checkpoints to one witness (a folder or an HTTP endpoint).

    Delivery state, not GMP data: it is updated in place. Checkpoints are delivered in size order,
    so the largest size delivered says which are still pending.
    """

    witness = models.CharField(max_length=500, primary_key=True)  # "dir:/path" or "url:https://host/path"
    delivered_size = models.BigIntegerField(null=True)  # the largest checkpoint size delivered; None: none yet
    delivered_at = models.CharField(max_length=27, blank=True)
    error = models.TextField(blank=True)  # the last failure, cleared by the next delivery
    failed_at = models.CharField(max_length=27, blank=True)

    def __str__(self) -> str:
        return f"{self.witness} up to {self.delivered_size}"


class Signature(models.Model):
    """An electronic signature bound to one version of one record (Part 11 §11.50, §11.70)."""

    record_type = models.CharField(max_length=100)
    record_id = models.CharField(max_length=64)
    record_version = models.IntegerField()
    snapshot_hash = models.CharField(max_length=64)
    meaning = models.CharField(max_length=40)
    signer_id = models.BigIntegerField()
    signer_name = models.CharField(max_length=200)
    signed_at = models.CharField(max_length=27)
    entry_seq = models.BigIntegerField(unique=True)
    server_signature = models.CharField(max_length=100)  # base64 Ed25519 over the manifest

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id", "record_version", "meaning"],
                name="ledger_signature_once_per_meaning",
            )
        ]
        indexes = [models.Index(fields=["record_type", "record_id"], name="ledger_signature_record")]

    def __str__(self) -> str:
        return f"{self.meaning} by {self.signer_name} on {self.record_type}:{self.record_id} v{self.record_version}"


class AuditTrailReview(GmpRecord):
    """A reviewer's review of a selection of the audit trail (Annex 11 §9; PIC/S PI 041 §9.4).

    The selection is frozen when the review starts: the filter, the seq range, the number of
    entries and a hash over their entry hashes, so the signature "audit trail reviewed" binds to
    exactly the entries the reviewer was shown. Nobody reviews their own work: the entries of the
    reviewer who starts it (its `created_by`) are left out and counted in `excluded_count`, for a
    second reviewer to review, and nobody else whose entries it holds may sign it.
    """

    record_type_filter = models.CharField(max_length=100, blank=True)
    record_id_filter = models.CharField(max_length=64, blank=True)
    # The record's parts too (atmp.ledger.parts): a batch with its steps and entries.
    with_parts_filter = models.BooleanField(default=False)
    actor_id_filter = models.BigIntegerField(null=True, blank=True)
    action_filter = models.CharField(max_length=40, blank=True)
    since = models.DateTimeField(null=True, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    first_seq = models.BigIntegerField(null=True)
    last_seq = models.BigIntegerField(null=True)
    entry_count = models.BigIntegerField(default=0)
    entries_hash = models.CharField(max_length=64)
    comment = models.TextField(blank=True)
    # Entries the filter selected that are the reviewer's own, left out of this review.
    excluded_count = models.BigIntegerField(default=0)
    # What the reviewer concluded, recorded with the signature (atmp.ledger.reviews.conclude).
    outcome = models.CharField(
        max_length=20, blank=True, choices=[("no_findings", "No findings"), ("findings", "Findings")]
    )
    findings = models.TextField(blank=True)

    # QA and the QP review the audit trail (PIC/S PI 041 §9.4); a review takes no other meaning.
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = {
        "audit_trail_reviewed": frozenset({"qa_reviewer", "qa_approver", "qualified_person"}),
    }

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"audit-trail review #{self.pk} ({self.entry_count} entries)"

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the sites of the reviewer who started it: a site-limited reviewer's selection holds
        only what they see (reviews.start_review), so their review concerns their sites alone."""
        creator = self.created_by  # type: ignore[attr-defined]
        if creator is None:
            return None
        ids = creator.site_ids()
        return None if ids is None else frozenset(ids)
