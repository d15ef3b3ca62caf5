"""REST operations of stored files: attach (multipart upload), list a record's files, metadata, download.

Thin over atmp.files.services and selectors, like the pages and `atmp files`.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.api.auth import user_of
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded, segment
from atmp.files import selectors, services, serving
from atmp.files.errors import FileTooLarge
from atmp.files.models import Attachment, StoredFile
from atmp.ledger.errors import NotFound
from atmp.ledger.records import GmpRecord

router = Router(tags=["files"])

RecordType = Annotated[str, segment(100), Field(examples=["accounts.site"])]
RecordId = Annotated[str, segment(64), Field(examples=["1"])]
Id = Annotated[int, Field(ge=1, le=MAX_INT)]
DOWNLOAD = {
    "responses": {
        200: {
            "description": "the file's bytes, as an attachment, with its stored media type",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                        "*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}  # fmt: skip
TOO_LARGE = {"responses": {413: {"description": "the file is larger than ATMP_MAX_FILE_BYTES"}}}


class FileOut(Schema):
    """A stored file's metadata: name, media type, size and SHA-256 of its content."""

    id: int
    name: str
    media_type: str
    size: int
    sha256: str
    backend: str
    created_at: str | None
    created_by: str | None
    voided: bool


class AttachmentOut(Schema):
    """A file attached to a record, with the note, who attached it and when."""

    id: int
    record: str
    note: str
    attached_at: str | None
    attached_by: str | None
    detached: bool
    file: FileOut


class AttachIn(Schema):
    """The form fields sent with the file: why it is attached (recorded in the ledger) and a note."""

    reason: Reason
    note: Annotated[str, bounded(2000)] = ""


class DetachIn(BodyIn):
    """Why the file is detached from its record."""

    reason: Reason


@router.post(
    "/records/{record_type}/{record_id}/attachments",
    response=answers({201: AttachmentOut}),
    openapi_extra=TOO_LARGE,
)
@requires("records.write")
def attach_file(
    request: HttpRequest,
    record_type: RecordType,
    record_id: RecordId,
    form: Form[AttachIn],
    file: UploadedFile = File(...),  # noqa: B008 - django-ninja's way to declare a file
) -> Any:
    """Store the file in the multipart field `file` and attach it to the record (a reason is required)."""
    user = user_of(request)
    record = _record(user, record_type, record_id)
    try:
        attachment = services.store_and_attach(
            actor=user,
            record=record,
            stream=file,
            name=file.name or "",
            media_type=file.content_type,
            size=file.size,
            note=form.note,
            reason=form.reason,
        )
    except FileTooLarge as exc:
        return JsonResponse({"detail": str(exc), "field": exc.field, "limit_bytes": exc.limit}, status=413)
    return Status(201, selectors.attachment_document(attachment))


@router.get("/records/{record_type}/{record_id}/attachments", response=answers({200: list[AttachmentOut]}))
@requires("records.view")
def list_attachments(request: HttpRequest, record_type: RecordType, record_id: RecordId) -> list[dict[str, Any]]:
    """Return the files attached to a record (detached ones are left out), oldest first."""
    record = _record(user_of(request), record_type, record_id)
    return [selectors.attachment_document(a) for a in selectors.attachments_of(record)]


@router.post("/attachments/{attachment_id}/void", response=answers({200: AttachmentOut}))
@requires("records.write")
def detach_file(request: HttpRequest, attachment_id: Id, body: DetachIn) -> dict[str, Any]:
    """Detach a file from its record: the attachment is voided with the reason; the file stays."""
    user = user_of(request)
    attachment = Attachment._base_manager.select_related("stored_file").filter(pk=attachment_id).first()
    if attachment is None or not can_see(user, attachment):
        raise NotFound(f"there is no attachment {attachment_id}")
    return selectors.attachment_document(services.detach(actor=user, attachment=attachment, reason=body.reason))


@router.get("/files/{file_id}", response=answers({200: FileOut}))
@requires("records.view")
def get_file(request: HttpRequest, file_id: Id) -> dict[str, Any]:
    """Return a stored file's metadata."""
    return selectors.file_document(_stored(user_of(request), file_id))


@router.get("/files/{file_id}/content", response=answers({}), openapi_extra=DOWNLOAD)
@requires("records.view")
def download_file(request: HttpRequest, file_id: Id) -> HttpResponseBase:
    """Return the stored file's bytes as a download (Content-Disposition: attachment; never rendered)."""
    return serving.download(_stored(user_of(request), file_id))


def _record(user: User, record_type: str, record_id: str) -> GmpRecord:
    try:
        return services.find_record(actor=user, record_type=record_type, record_id=record_id)
    except InvalidInput as exc:
        raise NotFound(str(exc)) from None


def _stored(user: User, file_id: int) -> StoredFile:
    stored = StoredFile._base_manager.select_related("created_by").filter(pk=file_id).first()
    if stored is None or not can_see(user, stored):
        raise NotFound(f"there is no stored file {file_id}")
    return stored
