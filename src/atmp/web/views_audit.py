"""The audit trail for reviewers: filtered, keyset-paginated; entries with their proofs; reviews."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from atmp.accounts import visibility
from atmp.accounts.access import requires
from atmp.accounts.models import User
from atmp.ledger import checkpoints, keys, reviews, selectors, trail, tree
from atmp.ledger.errors import LedgerError
from atmp.ledger.models import Checkpoint
from atmp.web import display
from atmp.web.forms import ReviewForm, TrailFilterForm
from atmp.web.pages import message_of


def _choices(viewer: User) -> dict[str, Any]:
    """Return what the filter fields offer, in the words the table shows, of the people the viewer sees."""
    users = visibility.visible_users(viewer).order_by("username")
    return {
        "record_types": sorted({display.type_label(t) for t in display.record_types()}),
        "actions": sorted(display.ACTIONS.values()),
        "usernames": list(users.values_list("username", "full_name")[:500]),
    }


@requires("audit.view")
def audit(request: HttpRequest) -> HttpResponse:
    """Show the audit trail filtered by record, user, action and period, newest first."""
    form = TrailFilterForm(request.GET or None)
    before = request.GET.get("before", "")
    rows: list[display.EntryRow] = []
    next_before = None
    # Sign-ins are not GMP changes: the trail leaves them out unless asked (a box, or their action).
    selection = trail.TrailFilter(action=trail.WITHOUT_SIGN_INS)
    if not request.GET or form.is_valid():
        if request.GET:
            selection = form.trail_filter()
        scope = visibility.entry_scope(request.user)  # type: ignore[arg-type]  # @requires: a signed-in User
        page = trail.trail(selection, before=int(before) if before.isdecimal() else None, scope=scope)
        rows = display.mark_reviewed(display.entry_rows(page.entries))
        next_before = page.next_before
    filtered = any(v not in (None, "", False, trail.WITHOUT_SIGN_INS) for v in vars(selection).values())
    review_form = None
    if request.user.can("audit.review"):  # type: ignore[union-attr]
        initial = {k: v for k, v in request.GET.items() if k in TrailFilterForm.base_fields}
        review_form = ReviewForm(initial=initial)
    context = {
        "form": form,
        "rows": rows,
        "next_before": next_before,
        "paged": before.isdecimal(),
        "filtered": filtered,
        "review_form": review_form,
        "size": tree.size(),
        **_choices(request.user),  # type: ignore[arg-type]
    }
    # A filter the form refuses (a malformed or out-of-range time) is the client's error: 400.
    return render(request, "web/audit.html", context, status=400 if request.GET and not form.is_valid() else 200)


@requires("audit.review")
@require_POST
def start_review(request: HttpRequest) -> HttpResponse:
    """Record a review of the selection shown, then take the reviewer to it to sign."""
    form = ReviewForm(request.POST)
    back = (
        reverse("web:audit")
        + "?"
        + urlencode({k: v for k, v in request.POST.items() if k in TrailFilterForm.base_fields and v})
    )
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label or field.capitalize() if field in form.fields else "Review"
            messages.error(request, f"{label}: {' '.join(str(e) for e in errors)}")
        return redirect(back)
    try:
        review = reviews.start_review(
            actor=request.user,  # type: ignore[arg-type]  # @requires: a signed-in User
            filter=form.trail_filter(),
            comment=form.cleaned_data["comment"],
            visible=visibility.entry_scope(request.user),  # type: ignore[arg-type]
        )
    except LedgerError as exc:
        messages.error(request, message_of(exc))
        return redirect(back)
    messages.success(request, f"Review recorded over {review.entry_count} entries: now sign it “Audit trail reviewed”.")
    return redirect(reverse("web:record", args=[review.record_type(), review.pk]) + "?sign=1")


@requires("audit.view")
def entry(request: HttpRequest, seq: int) -> HttpResponse:
    """Show every field of one entry, its hashes, and where to get its inclusion proof."""
    e = trail.entry(seq, scope=visibility.entry_scope(request.user))  # type: ignore[arg-type]
    if e is None:
        raise Http404(f"no entry {seq}")
    context = {
        "row": display.entry_row(e),
        "actor_url": display.record_url(display.USER_TYPE, e.actor_id) if e.actor_id else None,
        "body": json.dumps(trail.as_dict(e), indent=2, ensure_ascii=False),
        "checkpoint": checkpoints.latest(),
        "size": tree.size(),
        "has_prev": seq > 1,
    }
    return render(request, "web/entry.html", context)


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@requires("audit.view")
def proof(request: HttpRequest, seq: int) -> HttpResponse:
    """Download the entry's RFC 9162 inclusion proof with the signed checkpoint whose root it reaches."""
    size = request.GET.get("size", "")
    scope = visibility.entry_scope(request.user)  # type: ignore[arg-type]  # @requires: a signed-in User
    if trail.entry(seq, scope=scope) is None:
        raise Http404(f"no entry {seq}")
    latest = checkpoints.latest()
    if not size.isdecimal() and (latest is None or latest.size < seq):
        # A proof against an unsigned head proves nothing offline: sign a checkpoint that covers the
        # entry now (atmp itself signs it, as the periodic tick does).
        latest = checkpoints.sign_now(actor=None)
    try:
        at = int(size) if size.isdecimal() else (latest.size if latest is not None else None)
        document = selectors.inclusion_proof_document(seq, at, scope=scope)
    except LedgerError as exc:
        raise Http404(str(exc)) from None
    signed = Checkpoint.objects.filter(size=document["size"]).first()
    document["checkpoint"] = signed.note if signed is not None else None
    response = JsonResponse(document, json_dumps_params={"indent": 2, "ensure_ascii": False})
    return _attachment(response, f"atmp-entry-{seq}-proof.json")


@requires("audit.view")
def checkpoint_note(request: HttpRequest) -> HttpResponse:
    """Download the latest signed checkpoint (a C2SP tlog-checkpoint note)."""
    latest = checkpoints.latest()
    if latest is None:
        raise Http404("no checkpoint has been signed yet")
    response = HttpResponse(latest.note, content_type="text/plain; charset=utf-8")
    return _attachment(response, f"{latest.size}.checkpoint")


@requires("audit.view")
def vkey(request: HttpRequest) -> HttpResponse:
    """Download the ledger's verifier key (C2SP signed-note vkey)."""
    response = HttpResponse(keys.verifier_key() + "\n", content_type="text/plain; charset=utf-8")
    return _attachment(response, "atmp-ledger.vkey")


@requires("ledger.checkpoint")
@require_POST
def sign_checkpoint(request: HttpRequest) -> HttpResponse:
    """Sign a checkpoint for the ledger as it stands now."""
    try:
        cp = checkpoints.sign_now(actor=request.user)  # type: ignore[arg-type]
    except LedgerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Checkpoint signed at size {cp.size}.")
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "web:home")
