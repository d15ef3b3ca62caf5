"""Storing files and attaching them to records: one service per use case, for web, API and CLI alike."""

from __future__ import annotations

import unicodedata
from typing import IO

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see, require
from atmp.accounts.visibility import site_of
from atmp.files import sniff, storage
from atmp.files.errors import FileRefused, FileTooLarge, StorageUnavailable
from atmp.files.models import Attachment, StoredFile
from atmp.ledger import writer
from atmp.ledger.errors import LedgerError, NotFound, ReasonRequired, RecordVoided
from atmp.ledger.records import GmpRecord, model_for

MAX_NAME = 255
UNATTACHABLE = frozenset({"files.attachment", "files.storedfile"})  # files attach to records, not to files


def parse_record_ref(ref: str) -> tuple[str, str]:
    """Return (type, id) of "type:id", e.g. "accounts.site:3", or refuse naming the form expected."""
    record_type, sep, record_id = ref.strip().partition(":")
    if not sep or not record_type or not record_id:
        raise InvalidInput("record", f"{ref!r} is not TYPE:ID, e.g. accounts.site:1")
    return record_type, record_id


def find_record(*, actor: User, record_type: str, record_id: str) -> GmpRecord:
    """Return the record the actor may see, or refuse naming it (a record of another site is not found)."""
    model = model_for(record_type)
    record = None
    if model is not None and record_id.isdecimal() and len(record_id) < 19:
        record = model._base_manager.filter(pk=int(record_id)).first()
    if record is None or not can_see(actor, record):
        raise InvalidInput("record", f"there is no record {record_type}:{record_id}")
    return record


def store(
    *,
    actor: User,
    stream: IO[bytes],
    name: str,
    reason: str = "",
    media_type: str | None = None,
    site: Site | None = None,
    size: int | None = None,
) -> StoredFile:
    """Store a file (checked, hashed while it streams, kept once per content) and record it."""
    require(actor, StoredFile.write_permission)
    name, media_type = _checked_name(name, media_type)
    stored = _keep(stream, name, media_type, size)
    with writer.change(actor=actor, reason=reason):
        stored.site = site
        stored.save()
    return stored


def attach(*, actor: User, record: GmpRecord, stored_file: StoredFile, note: str = "", reason: str) -> Attachment:
    """Attach a stored file to a record the actor may change."""
    _check_attachable(actor, record, reason)
    if stored_file.voided:
        raise RecordVoided(f"{stored_file.record_key} is voided: a voided file is not attached again")
    attachment = _attachment(record, stored_file, note)
    with writer.change(actor=actor, reason=reason):
        attachment.save()
    return attachment


def store_and_attach(
    *,
    actor: User,
    record: GmpRecord,
    stream: IO[bytes],
    name: str,
    reason: str,
    note: str = "",
    media_type: str | None = None,
    size: int | None = None,
) -> Attachment:
    """Store a file and attach it to a record in one audited change (refused before any byte is kept)."""
    require(actor, StoredFile.write_permission)
    _check_attachable(actor, record, reason)
    name, media_type = _checked_name(name, media_type)
    stored = _keep(stream, name, media_type, size)
    site_id = site_of(record)
    stored.site_id = site_id  # type: ignore[attr-defined]
    attachment = _attachment(record, stored, note)
    with writer.change(actor=actor, reason=reason):
        stored.save()
        attachment.stored_file = stored
        attachment.save()
    return attachment


def detach(*, actor: User, attachment: Attachment, reason: str) -> Attachment:
    """Detach a file from its record: the attachment is voided with the reason; the file stays."""
    record = find_record(actor=actor, record_type=attachment.target_type, record_id=attachment.target_id)
    require(actor, record.write_permission)
    if attachment.voided:
        raise RecordVoided(f"{attachment.record_key} is already detached")
    with writer.change(actor=actor, reason=reason):
        attachment.voided = True
        attachment.status = "voided"
        attachment.save()
    return attachment


def open_blob(stored_file: StoredFile) -> IO[bytes]:
    """Return the stored file's bytes for reading, or refuse when its blob is missing."""
    try:
        return storage.backend(stored_file.backend).open(stored_file.sha256)
    except storage.BlobMissing:
        raise NotFound(
            f"{stored_file.record_key}: its content ({stored_file.sha256[:12]}…) is missing from the file store"
        ) from None
    except LedgerError:
        raise
    except Exception as exc:  # the object store's own errors: say so, never a traceback
        raise StorageUnavailable(f"the file store ({stored_file.backend}) could not be read: {exc}") from None


def _check_attachable(actor: User, record: GmpRecord, reason: str) -> None:
    if record.record_type() in UNATTACHABLE:
        raise InvalidInput("record", f"files are attached to records, not to {record.record_type()}")
    if not can_see(actor, record):
        raise InvalidInput("record", f"there is no record {record.record_key}")
    require(actor, record.write_permission)
    if record.voided:
        raise RecordVoided(f"{record.record_key} is voided: nothing is attached to a voided record")
    if not reason.strip():
        raise ReasonRequired(f"{record.record_key}: attaching a file changes the record, so it needs a reason")


def _attachment(record: GmpRecord, stored_file: StoredFile, note: str) -> Attachment:
    return Attachment(
        stored_file=stored_file,
        target_type=record.record_type(),
        target_id=str(record.pk),
        note=note.strip(),
        site_id=site_of(record),
    )


def _checked_name(name: str, media_type: str | None) -> tuple[str, str]:
    """Return the file's base name and its media type, or refuse a name or type atmp does not store."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not base or base in (".", ".."):
        raise FileRefused("name", "a file needs a name")
    if len(base) > MAX_NAME:
        raise FileRefused("name", f"a file name has at most {MAX_NAME} characters")
    for char in base:
        if unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp"):
            raise FileRefused("name", f"contains the invisible or control character U+{ord(char):04X}")
    try:
        return base, sniff.media_type_of(base, media_type)
    except sniff.Refused as exc:
        raise FileRefused(exc.field, str(exc)) from None


def _keep(stream: IO[bytes], name: str, media_type: str, size: int | None) -> StoredFile:
    """Receive the stream, check its content, keep its blob; return the (unsaved) record of it."""
    limit = storage.max_file_bytes()
    if size is not None and size > limit:
        raise FileTooLarge(limit)
    store = storage.backend()
    try:
        staged = storage.receive(stream, staging=store.staging_dir(), limit=limit)
    except storage.TooLarge:
        raise FileTooLarge(limit) from None
    try:
        sniff.check_content(media_type, staged.head, name=name)
    except sniff.Refused as exc:
        staged.path.unlink(missing_ok=True)
        raise FileRefused(exc.field, str(exc)) from None
    try:
        store.put(staged)
    except Exception as exc:  # a full disk, an unreachable object store: refused, nothing recorded
        staged.path.unlink(missing_ok=True)
        raise StorageUnavailable(f"the file store ({store.name}) could not keep {name}: {exc}") from None
    return StoredFile(name=name, media_type=media_type, size=staged.size, sha256=staged.sha256, backend=store.name)
