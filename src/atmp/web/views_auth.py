"""Sign-in (password, then the TOTP code for enrolled users), sign-out, password change and MFA enrolment."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login as start_session
from django.contrib.auth import logout as end_session
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from atmp.accounts import auth
from atmp.accounts.access import public
from atmp.accounts.client import client_address
from atmp.accounts.errors import AccountError, LoginRefused, Throttled
from atmp.accounts.middleware import PASSWORD_PAGE
from atmp.accounts.models import User
from atmp.web.forms import CodeForm, LoginForm
from atmp.web.forms_accounts import MfaForm, PasswordChangeForm
from atmp.web.pages import add_service_error, signed_in

PENDING = "atmp_login_pending"
PENDING_SECONDS = 300
TIMED_OUT = "atmp_timed_out"
MFA_SECRET = "atmp_mfa_secret"  # noqa: S105 - a session key name, not a secret


@public
@never_cache
def login(request: HttpRequest) -> HttpResponse:
    """Ask for username and password; for an account with MFA, then ask for the code."""
    if request.user.is_authenticated:
        return redirect(_next(request))
    timed_out = bool(request.session.pop(TIMED_OUT, False))
    if request.method == "POST" and request.POST.get("step") == "code":
        return _code_step(request)
    form = LoginForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            # The first factor is checked, audited and counted by the service; nothing of the
            # password is kept: an enrolled user's session holds only their id until the code.
            user = auth.check_password_step(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                client=client_address(request),
            )
        except LoginRefused as exc:
            error = str(exc)
            status = 429 if isinstance(exc, Throttled) else 200
        else:
            if user.mfa_enabled:
                request.session[PENDING] = {"user_id": user.pk, "at": time.time(), "next": _next(request)}
                return render(request, "web/login_code.html", {"form": CodeForm(), "username": user.username})
            return _signed_in(request, auth.complete_login(user))
    return render(
        request,
        "web/login.html",
        {"form": form, "error": error, "timed_out": timed_out, "next": _next(request)},
        status=status,
    )


def _code_step(request: HttpRequest) -> HttpResponse:
    pending: dict[str, Any] | None = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        messages.error(request, "the sign-in took too long: enter your username and password again")
        return redirect("web:login")
    user = User.objects.get(pk=pending["user_id"])
    form = CodeForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            user = auth.check_code_step(user=user, otp=form.cleaned_data["code"], client=client_address(request))
        except LoginRefused as exc:
            error = str(exc)
            if not user.is_active or auth.is_locked(user):
                request.session.pop(PENDING, None)
        else:
            request.session.pop(PENDING, None)
            return _signed_in(request, user, pending.get("next"))
    return render(request, "web/login_code.html", {"form": form, "error": error, "username": user.username})


def _signed_in(request: HttpRequest, user: User, next_url: str | None = None) -> HttpResponseRedirect:
    start_session(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.pop(PENDING, None)
    target = next_url if next_url and _safe(request, next_url) else _next(request)
    if user.must_change_password:
        # An administrator chose this password: replace it before anything else (ASVS V2.1.6).
        return redirect(f"{PASSWORD_PAGE}?{urlencode({'next': target})}")
    return redirect(target)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if _safe(request, target) else "/"


def _safe(request: HttpRequest, url: str) -> bool:
    return url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())


@public
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Sign out (audited) and return to the sign-in page."""
    if request.user.is_authenticated:
        auth.record_logout(request.user)  # type: ignore[arg-type]
        end_session(request)
        messages.success(request, "You are signed out.")
    return redirect("web:login")


@public
@never_cache
def password(request: HttpRequest) -> HttpResponse:
    """Change your own password (required first when an administrator set it)."""
    signed_in(request)
    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            auth.change_password(user=user, current=form.cleaned_data["current"], new=form.cleaned_data["new"])
        except AccountError as exc:
            if not user.is_active or auth.is_locked(user):
                end_session(request)
                return redirect("web:login")
            add_service_error(form, exc)
        else:
            update_session_auth_hash(request, user)  # this session stays; every other one ends
            messages.success(request, "Your password is changed.")
            return redirect(_next(request))
    context = {"form": form, "forced": user.must_change_password, "next": _next(request)}
    return render(request, "web/password.html", context)


@public
@never_cache
def mfa(request: HttpRequest) -> HttpResponse:
    """Enrol in TOTP: give the password again, scan the QR code (or type the secret), confirm with a code."""
    signed_in(request)
    user: User = request.user  # type: ignore[assignment]
    if user.mfa_enabled:
        return render(request, "web/mfa.html", {"enabled": True})
    secret = request.session.get(MFA_SECRET) or auth.new_totp_secret()
    request.session[MFA_SECRET] = secret
    form = MfaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            auth.enable_mfa(
                user=user,
                secret=secret,
                code=form.cleaned_data["code"].replace(" ", ""),
                password=form.cleaned_data["password"],
            )
        except AccountError as exc:
            if not user.is_active or auth.is_locked(user):
                end_session(request)
                return redirect("web:login")
            add_service_error(form, exc, aliases={"secret": "code"})
        else:
            request.session.pop(MFA_SECRET, None)
            messages.success(request, "Multi-factor authentication is on: sign-ins and signatures now ask for a code.")
            return redirect("web:mfa")
    uri = auth.provisioning_uri(user, secret)
    context = {"enabled": False, "form": form, "secret": secret, "uri": uri, "qr": qr_svg(uri)}
    return render(request, "web/mfa.html", context)


def qr_svg(text: str) -> SafeString:
    """Return the text as a QR code in inline SVG, made here: the secret never leaves the server."""
    import segno

    svg = segno.make(text, error="m").svg_inline(scale=4, title="QR code for your authenticator app")
    return mark_safe(svg)  # noqa: S308 - segno's own SVG markup of a URI it escaped
