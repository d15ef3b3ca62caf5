"""A stored file as an HTTP download: always an attachment, never rendered, never sniffed."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from atmp.files import services, sniff, storage
from atmp.files.models import StoredFile

# A file's content is never a page: no script runs, no plugin loads, nothing is fetched for it.
SANDBOX = "sandbox; default-src 'none'; frame-ancestors 'none'"
RENDERED = frozenset(
    {"text/html", "application/xhtml+xml", "image/svg+xml", "text/javascript", "application/javascript"}
)


def content_type(stored: StoredFile) -> str:
    """Return the Content-Type to serve a stored file with (raw data for anything a browser would render)."""
    if stored.media_type in RENDERED or stored.media_type not in sniff.ALLOWED:
        return sniff.OCTET_STREAM
    if stored.media_type in sniff.TEXT_TYPES:
        return f"{stored.media_type}; charset=utf-8"
    return stored.media_type


def download(stored: StoredFile) -> StreamingHttpResponse:
    """Return the stored file's bytes, streamed in chunks, as a download (NotFound if its blob is missing)."""
    blob = services.open_blob(stored)
    response = StreamingHttpResponse(storage.chunks(blob), content_type=content_type(stored))
    response["Content-Disposition"] = content_disposition_header(True, stored.name) or "attachment"
    response["Content-Length"] = str(stored.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    response["Cache-Control"] = "private, no-store"
    response["Repr-Digest"] = f"sha-256=:{_b64(stored.sha256)}:"  # RFC 9530
    return response


def _b64(hex_digest: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")
