"""The record page's Files panel: a record's attachments and, for those who may change it, an upload form."""

from __future__ import annotations

from atmp.accounts.models import User
from atmp.files import selectors, services, storage
from atmp.files.forms import UploadForm
from atmp.files.models import Attachment, StoredFile
from atmp.ledger.records import GmpRecord
from atmp.modules import Panel


def files_panel(user: User, record: GmpRecord, *, for_print: bool = False) -> Panel | None:
    """Return the Files panel of a record; a stored file's own page gets its download link instead."""
    if isinstance(record, StoredFile):
        return _stored_file_panel(record, for_print=for_print)
    if record.record_type() in services.UNATTACHABLE:
        return None
    may_attach = not for_print and not record.voided and user.can("records.write") and user.can(record.write_permission)
    return Panel(
        title="Files",
        template="files/panel.html",
        context={
            "attachments": list(selectors.attachments_of(record)),
            "may_attach": may_attach,
            "for_print": for_print,
            "form": UploadForm() if may_attach else None,
            "record_type": record.record_type(),
            "record_id": str(record.pk),
            "max_bytes": storage.max_file_bytes(),
        },
        order=50,
        slug="files",
    )


def _stored_file_panel(stored: StoredFile, *, for_print: bool) -> Panel:
    """Return the panel of a stored file's own page: the download, and the records it is attached to."""
    attached = Attachment.objects.filter(stored_file=stored).order_by("pk")
    return Panel(
        title="File",
        template="files/stored_file_panel.html",
        context={"stored": stored, "attachments": list(attached), "for_print": for_print},
        order=50,
        slug="files",
    )
