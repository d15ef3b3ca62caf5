"""The record page's Files panel: a record's attachments and, for those who may change it, an upload form."""

from __future__ import annotations

from atmp.accounts.models import User
from atmp.files import selectors, services, storage
from atmp.files.forms import UploadForm
from atmp.ledger.records import GmpRecord
from atmp.modules import Panel


def files_panel(user: User, record: GmpRecord, *, for_print: bool = False) -> Panel | None:
    """Return the Files panel of a record (None for an attachment's own page)."""
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
