"""Sessions: idle and absolute timeouts (Annex 11 §12; Part 11 §11.300), and the account's state.

A session ends at once when its account is disabled or locked (ASVS V3.3.1), on its next
request; an account whose password an administrator set is sent to change it before any page.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

STARTED = "atmp_session_started"
SEEN = "atmp_session_seen"
# What a person who must change their password may still open (the API answers 403 by itself).
PASSWORD_PAGE = "/account/password/"  # noqa: S105 - a URL, not a password
OPEN_WHILE_CHANGING = ("/account/password/", "/logout/", "/login/", "/static/", "/api/")


class SessionTimeoutMiddleware:
    """Log a session out when it has been idle or lasted too long, or its account is disabled or locked."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            from atmp.accounts.auth import is_locked

            now = time.time()
            started = request.session.get(STARTED, now)
            seen = request.session.get(SEEN, now)
            if not request.user.is_active or is_locked(request.user):  # type: ignore[arg-type]
                logout(request)
            elif (
                now - seen > settings.ATMP_SESSION_IDLE_SECONDS
                or now - started > settings.ATMP_SESSION_ABSOLUTE_SECONDS
            ):
                logout(request)
                request.session["atmp_timed_out"] = True
            else:
                # The last request's time is written only when it has moved by a tenth of the idle
                # limit (at most a minute): not every page then ends with a session UPDATE, and an idle
                # session ends that much early at worst, never late.
                if STARTED not in request.session:
                    request.session[STARTED] = started
                if SEEN not in request.session or now - seen >= min(60.0, settings.ATMP_SESSION_IDLE_SECONDS / 10):
                    request.session[SEEN] = now
                if getattr(request.user, "must_change_password", False) and not request.path.startswith(
                    OPEN_WHILE_CHANGING
                ):
                    return redirect(PASSWORD_PAGE)
        return self.get_response(request)
