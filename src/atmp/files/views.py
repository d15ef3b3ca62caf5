"""The Files pages: download a stored file, attach one to a record, detach one. Thin over the services."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse

from atmp.accounts.access import NotAuthenticated, requires
from atmp.accounts.errors import NotAllowed
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.files import services, serving
from atmp.files.errors import FileTooLarge
from atmp.files.forms import DetachForm, UploadForm
from atmp.files.models import Attachment, StoredFile
from atmp.ledger.errors import LedgerError, NotFound

View = Callable[..., HttpResponseBase]


def signs_in(view: View) -> View:
    """Send a visitor who is not signed in to /login/ (a refusal is the shell's 403 page)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotAuthenticated:
            back = request.get_full_path() if request.method == "GET" else request.headers.get("Referer", "/")
            return redirect_to_login(back if back.startswith("/") else "/")

    return wrapper


def record_url(record_type: str, record_id: str) -> str:
    """Return the record page's Files panel."""
    return reverse("web:record", args=[record_type, record_id]) + "#files"


@signs_in
@requires("records.view")
def download(request: HttpRequest, file_id: int) -> HttpResponseBase:
    """Send a stored file as a download (never rendered in the browser)."""
    stored = StoredFile._base_manager.filter(pk=file_id).first()
    user: User = request.user  # type: ignore[assignment]
    if stored is None or not can_see(user, stored):
        raise Http404(f"no stored file {file_id}")
    try:
        return serving.download(stored)
    except NotFound as exc:
        raise Http404(str(exc)) from None


@signs_in
@requires("records.write")
def upload(request: HttpRequest, record_type: str, record_id: str) -> HttpResponse:
    """Store the posted file and attach it to the record; back to the record page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user: User = request.user  # type: ignore[assignment]
    form = UploadForm(request.POST, request.FILES)
    try:
        record = services.find_record(actor=user, record_type=record_type, record_id=record_id)
    except LedgerError as exc:
        raise Http404(str(exc)) from None
    back = record_url(record_type, record_id)
    if not form.is_valid():
        return _refused(request, back, "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items()))
    upload = form.cleaned_data["file"]
    try:
        services.store_and_attach(
            actor=user,
            record=record,
            stream=upload,
            name=upload.name or "",
            media_type=upload.content_type,
            size=upload.size,
            note=form.cleaned_data["note"],
            reason=form.cleaned_data["reason"],
        )
    except FileTooLarge as exc:
        return _refused(request, back, str(exc), status=413)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from None
    except LedgerError as exc:
        return _refused(request, back, str(exc))
    messages.success(request, f"{upload.name} is attached.")
    return redirect(back)


@signs_in
@requires("records.write")
def detach(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """Detach a file from its record (the attachment is voided with the reason)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user: User = request.user  # type: ignore[assignment]
    attachment = Attachment._base_manager.select_related("stored_file").filter(pk=attachment_id).first()
    if attachment is None or not can_see(user, attachment):
        raise Http404(f"no attachment {attachment_id}")
    back = record_url(attachment.target_type, attachment.target_id)
    form = DetachForm(request.POST)
    if not form.is_valid():
        return _refused(request, back, "reason: a reason is required to detach a file")
    try:
        services.detach(actor=user, attachment=attachment, reason=form.cleaned_data["reason"])
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from None
    except LedgerError as exc:
        return _refused(request, back, str(exc))
    messages.success(request, f"{attachment.stored_file.name} is detached.")
    return redirect(back)


def _refused(request: HttpRequest, back: str, message: str, *, status: int = 400) -> HttpResponse:
    return render(request, "files/refused.html", {"message": message, "back": back}, status=status)
