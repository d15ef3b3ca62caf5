"""What every page shares: access refusals turned into pages, service errors turned into form errors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from atmp.accounts.access import NotAuthenticated
from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import LedgerError, ReasonRequired

View = Callable[..., HttpResponse]
Resume = Callable[..., str]
SAFE_METHODS = ("GET", "HEAD")


def page(view: View) -> View:
    """Send a visitor who is not signed in to /login/, and show a refusal as a 403 page.

    The view keeps its declared permission (functools.wraps copies `atmp_permission` and sets
    `__wrapped__`), so the access contract test sees what it declared.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except NotAuthenticated:
            return redirect_to_login(resume_url(view, request, *args, **kwargs))
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        if response.status_code == 405 and not response.content:
            return method_not_allowed(request, response)
        return response

    return wrapper


def resumes_at(where: Resume) -> Callable[[View], View]:
    """Declare the page a POST that found its session ended resumes at after sign-in.

    A POST cannot be replayed by a redirect: sending the user back to a POST-only URL would
    answer 405 and lose what they were doing (a signature), so they return to the page where
    they can do it again.
    """

    def decorate(view: View) -> View:
        view.atmp_resume = where  # type: ignore[attr-defined]
        return view

    return decorate


def resume_url(view: View, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
    """Return where sign-in leads back to: the page itself for a GET, else a GET-able page."""
    if request.method in SAFE_METHODS:
        return request.get_full_path()
    where: Resume | None = getattr(view, "atmp_resume", None)
    if where is not None:
        return where(request, *args, **kwargs)
    # Another form: back to the page it was sent from, when that page is ours.
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"


def method_not_allowed(request: HttpRequest, refused: HttpResponse) -> HttpResponse:
    """Render the 405 page, keeping the Allow header of the refusal."""
    response = render(request, "web/405.html", {"allowed": refused.get("Allow", "")}, status=405)
    if refused.has_header("Allow"):
        response["Allow"] = refused["Allow"]
    return response


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
