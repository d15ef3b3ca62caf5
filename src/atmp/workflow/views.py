"""The workflow's form posts from a record page: transitions, assignment, links. Each returns to the record."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.ledger.errors import LedgerError
from atmp.ledger.records import GmpRecord
from atmp.web.pages import message_of
from atmp.web.views_records import load_record, render_record
from atmp.workflow import engine, links
from atmp.workflow.models import Link

MAX_TEXT = 2000


def _record(request: HttpRequest, record_type: str, record_id: str) -> GmpRecord:
    # The record page's own lookup: unknown type or id, or another site's record, is a 404.
    return load_record(request, record_type, record_id)


def _back(record: GmpRecord) -> HttpResponse:
    return redirect("web:record", record_type=record.record_type(), record_id=record.pk)


def _text(request: HttpRequest, name: str) -> str:
    value = request.POST.get(name, "")
    if len(value) > MAX_TEXT:
        raise InvalidInput(name, f"at most {MAX_TEXT} characters")
    return value


def _version(request: HttpRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdecimal() else None


def _refused(
    request: HttpRequest, record: GmpRecord, form: str, exc: LedgerError, fields: tuple[str, ...]
) -> HttpResponse:
    """Show the record page again with the refused form open, what was typed kept and the rule beside it."""
    from atmp.api.errors import status_of

    fresh = load_record(request, record.record_type(), str(record.pk))
    field = getattr(exc, "field", None)
    refused = {
        "form": form,
        "values": {name: request.POST.get(name, "")[:MAX_TEXT] for name in fields},
        "error": f"{field + ': ' if field else ''}{message_of(exc)}",
        "field": field,
    }
    return render_record(request, fresh, refused=refused, status=status_of(exc))


@requires("records.write")
@require_POST
def take_transition(request: HttpRequest, record_type: str, record_id: str, name: str) -> HttpResponse:
    """Take a transition from the record page's status panel."""
    record = _record(request, record_type, record_id)
    try:
        engine.transition(
            request.user,  # type: ignore[arg-type]
            record,
            name,
            reason=_text(request, "reason"),
            password=request.POST.get("password") or None,
            otp=request.POST.get("otp") or None,
            version=_version(request),
        )
    except LedgerError as exc:
        return _refused(request, record, f"transition:{name}", exc, ("reason",))
    messages.success(request, f"{record.record_key} is now {engine.workflow_of(record).label(record.status)}.")
    return _back(record)


@requires("records.write")
@require_POST
def assign(request: HttpRequest, record_type: str, record_id: str) -> HttpResponse:
    """Assign the record to a person or a role with a due date."""
    record = _record(request, record_type, record_id)
    try:
        username = request.POST.get("assignee", "").strip()
        assignee = User.objects.filter(username=username).first() if username else None
        if username and assignee is None:
            raise InvalidInput("assignee", f"there is no user {username!r}")
        due_text = request.POST.get("due_date", "").strip()
        try:
            due = dt.date.fromisoformat(due_text) if due_text else None
        except ValueError:
            raise InvalidInput("due_date", f"{due_text!r} is not a date like 2027-01-31") from None
        engine.assign(
            request.user,  # type: ignore[arg-type]
            record,
            reason=_text(request, "reason"),
            assignee=assignee,
            role=request.POST.get("role", ""),
            due_date=due,
            version=_version(request),
        )
    except LedgerError as exc:
        return _refused(request, record, "assign", exc, ("assignee", "role", "due_date", "reason"))
    messages.success(request, "Assigned.")
    return _back(record)


@requires("records.write")
@require_POST
def add_link(request: HttpRequest, record_type: str, record_id: str) -> HttpResponse:
    """Link the record to another record."""
    record = _record(request, record_type, record_id)
    try:
        target = links.resolve(_text(request, "target"), user=request.user)  # type: ignore[arg-type]
        links.link(
            actor=request.user,  # type: ignore[arg-type]
            source=record,
            target=target,
            relation=request.POST.get("relation", ""),
            note=_text(request, "note"),
            reason=_text(request, "reason"),
        )
    except LedgerError as exc:
        return _refused(request, record, "link", exc, ("relation", "target", "note", "reason"))
    messages.success(request, f"Linked to {target.record_key}.")
    return _back(record)


@requires("records.write")
@require_POST
def remove_link(request: HttpRequest, link_id: str) -> HttpResponse:
    """Remove (void) a link, then return to the record it was removed from."""
    row = _record(request, Link.record_type(), link_id)
    assert isinstance(row, Link)
    back_type, _, back_id = request.POST.get("back", "").partition(":")
    try:
        back = _record(request, back_type, back_id)
    except Http404:
        back = _record(request, row.source_type, row.source_id)
    try:
        links.unlink(actor=request.user, link_record=row, reason=_text(request, "reason"))  # type: ignore[arg-type]
    except LedgerError as exc:
        return _refused(request, back, f"unlink:{row.pk}", exc, ("reason",))
    messages.success(request, "The link was removed.")
    return _back(back)


@requires("records.view")
def my_work(request: HttpRequest) -> HttpResponse:
    """Show what waits for the signed-in user: assigned records, signatures, training due; overdue first."""
    from atmp.workflow.work import work_for

    items = work_for(request.user)  # type: ignore[arg-type]
    return render(
        request,
        "workflow/work.html",
        {"items": items, "overdue": sum(1 for i in items if i.overdue)},
    )
