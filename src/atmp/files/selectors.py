"""Reads of stored files and attachments, for pages, the API and the CLI."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from atmp.files.models import Attachment, StoredFile
from atmp.ledger.records import GmpRecord, rfc3339


def attachments_of(record: GmpRecord, *, with_detached: bool = False) -> QuerySet[Attachment]:
    """Return the record's attachments (detached ones too when asked), oldest first."""
    rows = Attachment.objects.filter(target_type=record.record_type(), target_id=str(record.pk))
    if not with_detached:
        rows = rows.filter(voided=False)
    return rows.select_related("stored_file", "created_by").order_by("pk")


def file_document(stored: StoredFile) -> dict[str, Any]:
    """Return a stored file's metadata as the API and `atmp files --json` show it."""
    return {
        "id": stored.pk,
        "name": stored.name,
        "media_type": stored.media_type,
        "size": stored.size,
        "sha256": stored.sha256,
        "backend": stored.backend,
        "created_at": rfc3339(stored.created_at) if stored.created_at else None,
        "created_by": stored.created_by.username if stored.created_by_id and stored.created_by else None,
        "voided": stored.voided,
    }


def attachment_document(attachment: Attachment) -> dict[str, Any]:
    """Return an attachment with its file's metadata."""
    return {
        "id": attachment.pk,
        "record": f"{attachment.target_type}:{attachment.target_id}",
        "note": attachment.note,
        "attached_at": rfc3339(attachment.created_at) if attachment.created_at else None,
        "attached_by": attachment.created_by.username if attachment.created_by_id and attachment.created_by else None,
        "detached": attachment.voided,
        "file": file_document(attachment.stored_file),
    }
