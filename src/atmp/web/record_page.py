"""The record page as a composition of panels: the shell's own and every installed module's.

One context for the page and for its PDF (atmp.printing): the same template renders both, in print
mode without navigation, forms or scripts, with the whole history instead of one page of it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

import atmp
from atmp import modules
from atmp.accounts.models import Site, User
from atmp.ledger import reviews, signatures, trail
from atmp.ledger.errors import NotFound
from atmp.ledger.models import AuditTrailReview
from atmp.ledger.records import GmpRecord, model_for, rfc3339
from atmp.modules import Panel
from atmp.web import display

log = logging.getLogger("atmp.printing")

# The shell's own panels and their places (atmp.modules.Panel.order).
FIELDS, STATUS, SIGNATURES, HISTORY = 10, 20, 60, 90


def shell_panels(user: User | None, record: GmpRecord, *, for_print: bool = False) -> list[Panel]:
    """Return the panels every record page has: fields, status, signatures, history."""
    zone = display.site_zone(record)
    every = "every entry, " if for_print else ""
    history_note = f"{every}newest first" + (f" · times in UTC and in the site's zone ({zone})" if zone else "")
    return [
        Panel("Fields", "web/panels/fields.html", order=FIELDS, slug="fields"),
        Panel("Status", "web/panels/status.html", order=STATUS, slug="status"),
        Panel("Signatures", "web/panels/signatures.html", order=SIGNATURES, slug="signatures"),
        Panel("History", "web/panels/history.html", {"subtitle": history_note}, order=HISTORY, slug="history"),
    ]


def module_panels(user: User | None, record: GmpRecord, *, for_print: bool = False) -> list[Panel]:
    """Return the panels the installed modules contribute for this record (those that have something)."""
    found = []
    for module in modules.installed():
        for dotted in module.panels:
            panel = modules.load(dotted)(user, record, for_print=for_print)
            if panel is not None:
                found.append(panel)
    return found


def panels(user: User | None, record: GmpRecord, *, for_print: bool = False) -> list[Panel]:
    """Return the record page's panels in their order (a stable sort: equal orders keep module order).

    A module's panel with the slug of one of the shell's takes its place: the workflow's status
    panel (state, assignment, transitions) replaces the shell's plain status on a workflow record.
    """
    contributed = module_panels(user, record, for_print=for_print)
    taken = {p.slug for p in contributed if p.slug}
    own = [p for p in shell_panels(user, record, for_print=for_print) if p.slug not in taken]
    return sorted(own + contributed, key=lambda p: p.order)


def _actions(user: User, record: GmpRecord) -> list[dict[str, str]]:
    """Return the write actions the record's page offers the user (hidden when not permitted)."""
    if record.voided:
        return []
    if isinstance(record, Site) and user.can(Site.write_permission):
        return [
            {"label": "Edit", "url": reverse("web:site_edit", args=[record.pk]), "kind": "button"},
            {"label": "Void", "url": reverse("web:site_void", args=[record.pk]), "kind": "button danger"},
        ]
    found: list[dict[str, str]] = []
    for module in modules.installed():
        for dotted in module.actions:
            found.extend(modules.load(dotted)(user, record))
    return found


def _history(record: GmpRecord, *, before: int | None, for_print: bool) -> tuple[list[Any], int | None]:
    """Return the history entries shown (one page on screen, every entry in print) and where older ones start."""
    if for_print:
        f = trail.TrailFilter(record_type=record.record_type(), record_id=str(record.pk))
        return list(trail.filtered(f).order_by("-seq")), None
    page = trail.history(record.record_type(), str(record.pk), before=before)
    return page.entries, page.next_before


def reviewed_selection(record: GmpRecord) -> str | None:
    """Return the audit-trail link that lists the entries an audit-trail review covered."""
    if not isinstance(record, AuditTrailReview):
        return None
    selection = reviews.selection_of(record)
    params: dict[str, Any] = {
        "record_type": selection.record_type or "",
        "record_id": selection.record_id or "",
        # A review without an action filter covered the sign-ins too; "-sign-ins" is the page's default.
        "action": "" if selection.action == trail.WITHOUT_SIGN_INS else selection.action or "",
        "sign_ins": "" if selection.action else "on",
        "since": rfc3339(selection.since) if selection.since else "",
        "until": rfc3339(selection.until) if selection.until else "",
    }
    user = User.objects.filter(pk=selection.actor_id).first() if selection.actor_id is not None else None
    params["user"] = user.username if user is not None else ""
    if record.last_seq:
        params["before"] = record.last_seq + 1
    return reverse("web:audit") + "?" + urlencode({k: v for k, v in params.items() if v != ""})


def record_context(
    user: User | None, record: GmpRecord, *, request: HttpRequest | None = None, for_print: bool = False
) -> dict[str, Any]:
    """Return the record page's context: the record, its panels and what the shell's panels show."""
    zone = display.site_zone(record)
    before = request.GET.get("before", "") if request is not None and not for_print else ""
    entries, next_before = _history(record, before=int(before) if before.isdecimal() else None, for_print=for_print)
    return {
        "record": record,
        "record_type": record.record_type(),
        "type_label": display.type_label(record.record_type()),
        "title": display.title_of(record),
        "rows": display.record_rows(record),
        "zone": zone,
        "history": display.entry_rows(entries, zone=zone),
        "next_before": next_before,
        "paged": bool(before),
        "signatures": signatures.for_record(record),
        "actions": [] if for_print or user is None else _actions(user, record),
        # A read, offered to everyone who sees the page; apart from the actions, which are writes.
        "pdf_url": None if for_print else reverse("web:record_pdf", args=[record.record_type(), record.pk]),
        "snapshot_hash": record.snapshot_hash(),
        "reviewed_selection": None if for_print else reviewed_selection(record),
        "panels": panels(user, record, for_print=for_print),
        "for_print": for_print,
        "base_template": "web/print_base.html" if for_print else "web/base.html",
    }


def find_record(key: str) -> GmpRecord:
    """Return the record "TYPE:ID" names (voided ones included), or raise NotFound naming it."""
    record_type, _, record_id = key.strip().partition(":")
    model = model_for(record_type)
    if model is None:
        raise NotFound(f"{key!r}: there is no record type {record_type!r} (TYPE:ID, e.g. accounts.site:1)")
    found = model._base_manager.filter(pk=int(record_id)).first() if record_id.isdecimal() else None
    if found is None:
        raise NotFound(f"{key!r}: there is no {record_type} with id {record_id!r}")
    return found


def print_html(
    user: User | None,
    record: GmpRecord,
    *,
    printed_at: dt.datetime,
    printed_by: str | None = None,
    checkpoint_size: int | None = None,
) -> str:
    """Return the record page in print mode: the HTML its PDF is rendered from."""
    context = record_context(user, record, for_print=True)
    context |= print_stamp(user, context["zone"], printed_at, printed_by=printed_by, checkpoint_size=checkpoint_size)
    return render_to_string("web/record.html", context)


def print_stamp(
    user: User | None,
    zone: str | None,
    printed_at: dt.datetime,
    *,
    printed_by: str | None = None,
    checkpoint_size: int | None = None,
) -> dict[str, Any]:
    """Return what a printed page's foot says: when (UTC and the site's zone), by whom, which atmp and checkpoint."""
    return {
        "printed_at": display.utc(printed_at),
        "printed_at_local": display.in_zone(printed_at, zone) if zone else "",
        "printed_by": printed_by or (user.full_name or user.username if user is not None else "atmp"),
        "atmp_version": atmp.__version__,
        "checkpoint_size": checkpoint_size,
    }


def record_pdf(user: User | None, record: GmpRecord, *, printed_by: str | None = None) -> bytes:
    """Return the record as PDF/A-3b with its proofs embedded; the web page's PDF and `atmp print` both call this.

    user is None for `atmp print` without --as: the command line reads with the database owner's rights.
    """
    from atmp.printing import pdf, proofs

    printed_at = dt.datetime.now(dt.UTC)
    # The proofs first: they may sign a checkpoint, whose size the pages print. atmp itself signs
    # it (actor None), as the periodic tick and the entry-proof download do: a reader asked for a
    # proof, nobody changed GMP data.
    carried = proofs.bundle(record)
    html = print_html(
        user, record, printed_at=printed_at, printed_by=printed_by, checkpoint_size=carried.checkpoint.size
    )
    data = pdf.render_pdf(html, attachments=carried.attachments, title=display.title_of(record), created=printed_at)
    # Printing is a read, not a GMP write: it leaves no ledger entry (docs/printing.md), only this log line.
    reader = user.username if user is not None else printed_by
    log.info("printed %s:%s v%s for %s", record.record_type(), record.pk, record.version, reader)
    return data
