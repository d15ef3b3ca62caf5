"""Stored files and their attachments to GMP records; both audited, neither ever deleted."""

from __future__ import annotations

from django.db import models

from atmp.accounts.models import Site
from atmp.ledger.records import GmpRecord


class StoredFile(GmpRecord):
    """One upload: its name, media type, size and SHA-256; the bytes live once per hash in the backend."""

    name = models.CharField(max_length=255)
    media_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    backend = models.CharField(max_length=20)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")


    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:12]})"


class Attachment(GmpRecord):
    """A stored file attached to any GMP record (named by type and id, as ledger entries name it).

    Detaching voids the attachment with a reason; the file and its history stay.
    """

    stored_file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="attachments")
    # The record it is attached to, named as ledger entries name records ("accounts.site", "3").
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    note = models.TextField(blank=True)
    # The attached record's site, so a site-limited user sees the attachments of their sites only.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")


    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="files_attachment_target")]

    def __str__(self) -> str:
        return f"{self.stored_file.name} on {self.target_type}:{self.target_id}"
