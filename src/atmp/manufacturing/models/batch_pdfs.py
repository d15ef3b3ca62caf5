"""A long batch record's PDF/A, asked for and made off the request by `atmp tick` (ADR 0031).

Not a GmpRecord: the PDF is a rendition of ledger data that embeds its own proofs, and printing is a
read (docs/printing.md). The row is operational, like a reminder or a witness delivery: it says who
asked for which batch's PDF and when, what became of it, and where the file is (under ATMP_HOME).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from atmp.manufacturing.models.batches import Batch


class PdfState(models.TextChoices):
    QUEUED = "queued", "being prepared"
    RUNNING = "running", "being rendered"
    READY = "ready", "ready"
    FAILED = "failed", "failed"


class BatchPdf(models.Model):
    """One request for a batch record's PDF: who asked and when, its state, and the file once made."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="pdfs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=PdfState.choices, default=PdfState.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Why it failed, in words (never a traceback: that goes to the log).
    error = models.TextField(blank=True)
    # What the file shows: the batch's version, the newest ledger entry of the batch and its parts
    # when it was read, and the size of the tree its embedded checkpoint signs.
    batch_version = models.PositiveIntegerField(null=True, blank=True)
    last_seq = models.PositiveBigIntegerField(null=True, blank=True)
    ledger_size = models.PositiveBigIntegerField(null=True, blank=True)
    # The file, relative to ATMP_HOME/prints, with its SHA-256 and size.
    file = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["batch", "-requested_at"]), models.Index(fields=["state", "requested_at"])]

    def __str__(self) -> str:
        return f"PDF of batch {self.batch_id} asked at {self.requested_at:%Y-%m-%d %H:%M} ({self.state})"
