"""The batch record as PDF/A-3b (atmp.printing): the batch's header, every step with its entries
(superseded ones struck through, with the correction's reason), every signature's manifestation,
review by exception and the history, with the proofs of the batch, its steps and its entries embedded.

The print is made of the pages' own partials (manufacturing/_batch_summary.html, _batch_exceptions.html,
_step_started.html, _step_entries.html) so it shows what the batch and step pages show. Printing is a
read: it writes no ledger entry but the checkpoint it may need to sign (ADR 0021, docs/printing.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from typing import Any

from django.template.loader import render_to_string

from atmp.accounts.models import User
from atmp.ledger import signatures
from atmp.ledger.models import AuditEntry
from atmp.ledger.records import GmpRecord
from atmp.manufacturing.models import Batch, BatchEntry, BatchStep
from atmp.manufacturing.selectors.batch_documents import batch_document, exception_document
from atmp.manufacturing.selectors.batches import batch_parts, exceptions
from atmp.manufacturing.views.batch_rows import exception_links, lines_by_step, rows_by_step, step_ranges
from atmp.web import display
from atmp.web.record_page import print_stamp

log = logging.getLogger("atmp.printing")


def members(batch: Batch) -> list[GmpRecord]:
    """Return the records the batch record is made of: its steps in order, then each step's entries, voided ones too."""
    steps = list(BatchStep._base_manager.filter(batch=batch).order_by("number", "pk"))
    entries = list(BatchEntry._base_manager.filter(step__batch=batch).order_by("step__number", "at", "pk"))
    return [*steps, *entries]


def _history(records: list[GmpRecord], zone: str | None) -> list[Any]:
    """Return every ledger entry of the batch, its steps and its entries, newest first, as rows."""
    from django.db.models import Q

    wanted = Q(pk__in=[])
    by_type: dict[str, list[str]] = {}
    for r in records:
        by_type.setdefault(r.record_type(), []).append(str(r.pk))
    for record_type, ids in by_type.items():
        wanted |= Q(record_type=record_type, record_id__in=ids)
    names = _names(records)
    rows = [display.entry_row(e, zone=zone, names=names) for e in AuditEntry.objects.filter(wanted).order_by("-seq")]
    return [_shown_above(r) for r in rows]


# A step's or an entry's values at creation are what the step tables above print (a later change
# shows old → new here), and entries.jsonl carries every field: repeating a dozen fields per entry
# doubled the pages and the time of a long batch's print (docs/performance.md, batch record PDF).
SHOWN_ABOVE = {
    BatchStep.record_type(): "created: its values are in the steps above (every field in entries.jsonl)",
    BatchEntry.record_type(): "created: its values are in its step's table above (every field in entries.jsonl)",
}


def _shown_above(row: display.EntryRow) -> display.EntryRow:
    """Return the row with a creation of a step or an entry pointing at the step tables instead of its fields."""
    note = SHOWN_ABOVE.get(row.entry.record_type)
    if note is None or row.entry.action not in display.CREATIONS:
        return row
    return replace(row, changes=[], changes_shown_as=note)


def _names(records: list[GmpRecord]) -> display.Names:
    """Return the names the history shows (the records and the rows they point to), read once per model.

    display.entry_rows would read each step's and entry's name on its own: hundreds of queries for a
    large batch. A row an older version pointed to, and no current one, is still read when shown.
    """
    from django.db.models import ForeignKey

    wanted: dict[Any, set[Any]] = {}
    for r in records:
        wanted.setdefault(type(r), set()).add(r.pk)
        for f in r._meta.concrete_fields:
            if isinstance(f, ForeignKey) and getattr(r, f.attname) is not None:
                wanted.setdefault(f.related_model, set()).add(getattr(r, f.attname))
    names = display.Names()
    for model, pks in wanted.items():
        # A name may say what its row points to ("step 10 of batch …"): those rows joined, not read one by one.
        joined = [f.name for f in model._meta.concrete_fields if isinstance(f, ForeignKey)]
        names.remember(model._base_manager.filter(pk__in=pks).select_related(*joined))
    return names


def print_context(user: User | None, batch: Batch, parts: list[GmpRecord] | None = None) -> dict[str, Any]:
    """Return what the batch's print shows: the page's header, exceptions and steps, with every signature.

    parts: the batch's member records (`members`), when the caller read them already.
    """
    parts = members(batch) if parts is None else parts
    zone = display.site_zone(batch)
    steps = sorted(
        batch.steps.filter(voided=False).select_related("mbr_step", "room", "operator"), key=lambda s: s.number
    )
    # Every step's entries, signatures and ranges read at once: a 300-step batch costs what a 3-step one does.
    rows = rows_by_step(batch, steps, with_signatures=True)
    lines = lines_by_step(steps)
    return {
        "batch": batch,
        "doc": batch_document(batch),
        "record": batch,
        "record_type": batch.record_type(),
        "type_label": display.type_label(batch.record_type()),
        "zone": zone,
        "exceptions": exception_links(batch, [exception_document(x) for x in exceptions(batch)]),
        "batch_signatures": signatures.for_record(batch),
        "steps": [
            {"step": s, "ranges": step_ranges(s, lines[s.mbr_step_id]), "rows": rows.get(s.pk, [])} for s in steps
        ],
        "history": _history([batch, *parts], zone),
        "record_count": 1 + len(parts),
        "for_print": True,
    }


def print_html(
    user: User | None,
    batch: Batch,
    *,
    printed_at: dt.datetime,
    printed_by: str | None = None,
    checkpoint_size: int | None = None,
    parts: list[GmpRecord] | None = None,
) -> str:
    """Return the batch record in print mode: the HTML its PDF is rendered from."""
    context = print_context(user, batch, parts)
    context |= print_stamp(user, context["zone"], printed_at, printed_by=printed_by, checkpoint_size=checkpoint_size)
    return render_to_string("manufacturing/batch_print.html", context)


@dataclass(frozen=True)
class Printed:
    """A batch record's PDF with what it shows: the newest entry of the batch and its parts, the checkpoint's size."""

    data: bytes
    last_seq: int | None
    ledger_size: int


def newest_seq(batch: Batch, parts: list[GmpRecord] | None = None) -> int | None:
    """Return the seq of the newest ledger entry about the batch, its steps or its entries (None: none)."""
    from django.db.models import Max, Q

    # Without the parts at hand, their ids only (the batch page asks this of a long batch).
    pairs = batch_parts(str(batch.pk)) if parts is None else [(r.record_type(), str(r.pk)) for r in parts]
    wanted = Q(pk__in=[])
    by_type: dict[str, list[str]] = {batch.record_type(): [str(batch.pk)]}
    for record_type, record_id in pairs:
        by_type.setdefault(record_type, []).append(record_id)
    for record_type, ids in by_type.items():
        wanted |= Q(record_type=record_type, record_id__in=ids)
    newest: int | None = AuditEntry.objects.filter(wanted).aggregate(m=Max("seq"))["m"]
    return newest


def render_batch(user: User | None, batch: Batch, *, printed_by: str | None = None) -> Printed:
    """Return the batch record as PDF/A-3b with the proofs of the batch, its steps and entries embedded."""
    from atmp.printing import pdf, proofs

    printed_at = dt.datetime.now(dt.UTC)
    parts = members(batch)
    # Read before the proofs: an entry appended while the PDF is made can only make it look older.
    last_seq = newest_seq(batch, parts)
    # The proofs first: they may sign a checkpoint (atmp itself signs it, as record_pdf does), whose
    # size the pages print.
    carried = proofs.bundle(batch, members=parts)
    html = print_html(
        user,
        batch,
        printed_at=printed_at,
        printed_by=printed_by,
        checkpoint_size=carried.checkpoint.size,
        parts=parts,
    )
    data = pdf.render_pdf(html, attachments=carried.attachments, title=f"Batch {batch.number}", created=printed_at)
    # Printing is a read, not a GMP write: no ledger entry (docs/printing.md), only this log line.
    reader = user.username if user is not None else printed_by
    log.info("printed batch %s (%s:%s v%s) for %s", batch.number, batch.record_type(), batch.pk, batch.version, reader)
    return Printed(data=data, last_seq=last_seq, ledger_size=carried.checkpoint.size)


def batch_pdf(user: User | None, batch: Batch, *, printed_by: str | None = None) -> bytes:
    """Return the batch record as PDF/A-3b with the proofs of the batch, its steps and entries embedded."""
    return render_batch(user, batch, printed_by=printed_by).data


def pdf_download(data: bytes, batch: Batch) -> Any:
    """Return the batch's PDF as a download named after its number and version (the page's and the API's)."""
    from atmp.printing.pdf import download

    return download(data, f"batch-{batch.number}-v{batch.version}.pdf")
