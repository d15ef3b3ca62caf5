"""Who is calling: a bearer token (`Authorization: Bearer atmp_…`) or the browser's Django session.

Authentication only says who the caller is; what they may do is each operation's declared
permission (atmp.accounts.access.requires), checked against `request.auth_user`. A session must
also pass Django's CSRF check on unsafe methods, since a browser sends its cookie to any site's
form; a bearer token cannot be sent by another site, so it needs none.

Two refusals live here, once for every operation: a "read" token is refused (403) on unsafe
methods, and a session whose password an administrator set is refused (403) until it is changed.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from atmp.accounts.auth import token_for_key
from atmp.accounts.client import client_address
from atmp.accounts.models import User

TOKEN = "token"  # noqa: S105 - the name of an authentication method
SESSION = "session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_SCOPE = "read"


class BearerToken(HttpBearer):
    """An API token made by `POST /tokens` or `atmp user token` (only its SHA-256 is stored)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        """Return the active user the token belongs to, or None; refuse a read token's unsafe request."""
        found = token_for_key(token.strip(), client=client_address(request))
        if found is None:
            return None
        if found.scope == READ_SCOPE and request.method not in SAFE_METHODS:
            raise HttpError(
                403, f"token {found.prefix}… is read-only: it may not {request.method}; use a read-write token"
            )
        request.auth_user = found.user  # type: ignore[attr-defined]
        request.auth_method = TOKEN  # type: ignore[attr-defined]
        return found.user


class BrowserSession(APIKeyCookie):
    """The Django session of a signed-in browser, with the CSRF check on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> User | None:
        """Return the session's user, refusing an unsafe request without a valid CSRF token."""
        if "Authorization" in request.headers:
            return None  # a request that names a token is judged by the token alone
        user = getattr(request, "user", None)
        # No session user: not authenticated (401), whether or not a CSRF token came along.
        if user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header")
        if getattr(user, "must_change_password", False):
            raise HttpError(403, "change your password first: an administrator set it (sign in at /login/)")
        request.auth_user = user  # type: ignore[attr-defined]
        request.auth_method = SESSION  # type: ignore[attr-defined]
        return user  # type: ignore[no-any-return]

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        """Unused: __call__ reads the session that Django's middleware already loaded."""
        return None


AUTH = [BearerToken(), BrowserSession()]


def user_of(request: HttpRequest) -> User:
    """Return the authenticated user of a request that passed authentication."""
    user: User = request.auth_user  # type: ignore[attr-defined]
    return user


def by_token(request: HttpRequest) -> bool:
    """Return True when the request was authenticated with a bearer token."""
    return getattr(request, "auth_method", None) == TOKEN
