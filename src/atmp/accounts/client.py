"""The client's network address, as the throttles count it."""

from __future__ import annotations

from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """Return the address the request came from (REMOTE_ADDR).

    Behind a reverse proxy this is the proxy's address; a trusted-proxy setting replaces this one
    function, and every throttle follows.
    """
    return str(request.META.get("REMOTE_ADDR") or "unknown")[:64]
