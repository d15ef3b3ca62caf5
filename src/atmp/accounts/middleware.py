"""Idle and absolute session timeouts (Annex 11 §12; Part 11 §11.300)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

STARTED = "atmp_session_started"
SEEN = "atmp_session_seen"


class SessionTimeoutMiddleware:
    """Log a session out when it has been idle too long or has lasted too long."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            started = request.session.get(STARTED, now)
            seen = request.session.get(SEEN, now)
            if (
                now - seen > settings.ATMP_SESSION_IDLE_SECONDS
                or now - started > settings.ATMP_SESSION_ABSOLUTE_SECONDS
            ):
                logout(request)
                request.session["atmp_timed_out"] = True
            else:
                request.session[STARTED] = started
                request.session[SEEN] = now
        return self.get_response(request)
