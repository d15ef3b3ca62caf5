"""Security headers on every response, and the client address and scheme as a trusted reverse proxy gives them.

atmp serves plain HTTP on 127.0.0.1; TLS is the reverse proxy's work (docs/deployment.md). The
proxy says what the client used in X-Forwarded-Proto and who the client is in X-Forwarded-For,
but anyone can send those headers: they are believed only from the addresses in
ATMP_TRUSTED_PROXIES, and removed from every other request before Django reads them.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

FORWARDED = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST", "HTTP_FORWARDED")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def networks(entries: tuple[str, ...]) -> list[Network]:
    """Return the networks of ATMP_TRUSTED_PROXIES entries (addresses or CIDR ranges)."""
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()]


def _trusted(address: str, trusted: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def client_address(remote: str, forwarded_for: str, trusted: list[Network]) -> str:
    """Return the client's address: the rightmost X-Forwarded-For hop that is not a trusted proxy.

    The leftmost entries are whatever the client wrote; only the hops our proxies appended count.
    """
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # a malformed hop: keep the proxy's own address
    return hops[0] if hops else remote


class TrustedProxyMiddleware:
    """Believe X-Forwarded-Proto/For from ATMP_TRUSTED_PROXIES only; drop them from anyone else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        trusted = networks(tuple(settings.ATMP_TRUSTED_PROXIES))
        remote = request.META.get("REMOTE_ADDR", "")
        if trusted and _trusted(remote, trusted):
            request.META["ATMP_PROXY_ADDR"] = remote
            request.META["REMOTE_ADDR"] = client_address(remote, request.META.get("HTTP_X_FORWARDED_FOR", ""), trusted)
        else:
            for name in FORWARDED:
                request.META.pop(name, None)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Add the Content-Security-Policy (no inline script or style) and Permissions-Policy to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.ATMP_CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        return response
