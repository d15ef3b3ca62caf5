"""What every page shares: access refusals turned into pages, service errors turned into form errors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atmp.accounts.access import NotAuthenticated
from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import LedgerError, ReasonRequired

View = Callable[..., HttpResponse]


def page(view: View) -> View:
    """Send a visitor who is not signed in to /login/, and show a refusal as a 403 page.

    The view keeps its declared permission (functools.wraps copies `atmp_permission` and sets
    `__wrapped__`), so the access contract test sees what it declared.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotAuthenticated:
            return redirect_to_login(request.get_full_path())
        except PermissionDenied as exc:
            return forbidden(request, str(exc))

    return wrapper


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """Render the refusal page."""
    return render(request, "web/403.html", {"message": message or "your roles do not allow this"}, status=403)


def signed_in(request: HttpRequest) -> None:
    """Raise NotAuthenticated unless a user is signed in (for pages every account may use)."""
    if not request.user.is_authenticated:
        raise NotAuthenticated("sign in first")


def message_of(exc: Exception) -> str:
    """Return a refusal's message without the 'field: ' prefix InvalidInput adds."""
    text = str(exc)
    if isinstance(exc, InvalidInput) and text.startswith(f"{exc.field}: "):
        return text[len(exc.field) + 2 :]
    return text


def add_service_error(form: forms.Form, exc: LedgerError, *, aliases: dict[str, str] | None = None) -> None:
    """Show a service's refusal beside the field it names, or above the form."""
    field: str | None = None
    if isinstance(exc, InvalidInput):
        field = (aliases or {}).get(exc.field, exc.field)
    elif isinstance(exc, ReasonRequired):
        field = "reason"
    if field not in form.fields:
        field = None
    form.add_error(field, message_of(exc))
