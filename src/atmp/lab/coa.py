"""A batch's certificate of analysis as PDF/A-3b (atmp.printing): the CoA page in print mode, with the
proofs of the batch, its specification and the results it reports embedded (format 2, ADR 0021).
Printing is a read: it writes no ledger entry but the checkpoint it may need to sign (docs/printing.md)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.template.loader import render_to_string

from atmp.accounts.models import User
from atmp.lab.selectors.coa import coa_document
from atmp.manufacturing.models import Batch
from atmp.web import display
from atmp.web.record_page import print_stamp

log = logging.getLogger("atmp.printing")


def coa_pdf(user: User | None, batch: Batch, *, printed_by: str | None = None) -> bytes:
    """Return the batch's certificate of analysis as PDF/A-3b with the proofs of what it lists."""
    from atmp.printing import pdf, proofs

    printed_at = dt.datetime.now(dt.UTC)
    doc = coa_document(batch)
    carried = proofs.bundle(batch, members=[*doc["members"], *doc["results"]])
    zone = display.site_zone(batch)
    context: dict[str, Any] = {
        "doc": doc,
        "record": batch,
        "record_type": batch.record_type(),
        "type_label": "Certificate of analysis of batch",
        "history": proofs.record_entries(batch),
        "for_print": True,
    }
    context |= print_stamp(user, zone, printed_at, printed_by=printed_by, checkpoint_size=carried.checkpoint.size)
    html = render_to_string("lab/coa_print.html", context)
    data = pdf.render_pdf(
        html, attachments=carried.attachments, title=f"Certificate of analysis {batch.number}", created=printed_at
    )
    reader = user.username if user is not None else printed_by
    log.info("printed the certificate of analysis of batch %s for %s", batch.number, reader)
    return data


def pdf_download(data: bytes, batch: Batch) -> Any:
    """Return the CoA PDF as a download named after the batch."""
    from atmp.printing.pdf import download

    return download(data, f"coa-{batch.number}.pdf")
