"""Refused writes are recorded in the ledger (ASVS 7.2.2; docs/adr/0007-refused-writes-in-the-ledger.md).

A write (POST, PUT, PATCH, DELETE) that the API or a page answers with 403 or 404, and every CSRF
failure, appends one bounded, sanitised entry: action `write_refused`, record `client:<address>`,
and in `changes` the method, the path (no query string, at most 200 characters, no control
characters), the status and why (forbidden, not_found, csrf). The actor is the authenticated user
who was refused; a CSRF failure and an anonymous request have none (a forged request is not the
session owner's act, so the session's username is noted beside it instead).

The ledger is append-only for 30 years, so an attacker must not be able to grow it without bound:
per client address and minute at most `ATMP_REFUSALS_PER_MINUTE` (20) entries of a signed-in
user's refusals, then one `write_refusals_suppressed` entry; one anonymous or CSRF refusal per
address and minute, and at most `ATMP_ANONYMOUS_REFUSALS_PER_MINUTE` (10) of them from all
addresses together, then one `write_refusals_suppressed` entry for `client:*`. Whatever a limit
leaves out is logged (logger atmp.security), never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from atmp.accounts.models import User
from atmp.ledger import clock, writer
from atmp.ledger.models import AuditEntry
from atmp.ledger.records import rfc3339

log = logging.getLogger("atmp.security")

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSED = frozenset({403, 404})
CLIENT_TYPE = "client"
ACTION = "write_refused"
SUPPRESSED = "write_refusals_suppressed"
EVERY_ADDRESS = "*"
MAX_PATH = 200
PER_MINUTE = 20  # a signed-in user's refusals, per client address
ANONYMOUS_PER_ADDRESS = 1  # anonymous and CSRF refusals, per client address
ANONYMOUS_PER_MINUTE = 10  # anonymous and CSRF refusals, all addresses together


def client_address(request: HttpRequest) -> str:
    """Return the request's client address as a valid IP address text, or "unknown"."""
    raw = str(request.META.get("REMOTE_ADDR", "")).strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return "unknown"


def clean_path(path: str) -> str:
    """Return a path fit for an entry: printable characters only, at most MAX_PATH long."""
    printable = "".join(c if c.isprintable() else "?" for c in path[: MAX_PATH + 1])
    return printable if len(printable) <= MAX_PATH else printable[: MAX_PATH - 1] + "…"


def _window_start(now: dt.datetime) -> str:
    return rfc3339(now.replace(second=0, microsecond=0))


@dataclass
class _Window:
    """What an address has in the ledger this minute."""

    signed_in: int = 0  # refusals with an actor
    anonymous: int = 0  # refusals without one (anonymous or CSRF)
    suppressed: bool = False


def _window(address: str, since: str, limit: int) -> _Window:
    # The record index (record_type, record_id, seq) walked backwards: a minute holds at most
    # limit + 2 entries of one address (its refusals, one anonymous, one suppression), so at most
    # limit + 3 rows are read, however many refusals the address has had in 30 years.
    recent = AuditEntry.objects.filter(record_type=CLIENT_TYPE, record_id=address).order_by("-seq")
    window = _Window()
    for at, action, actor_id in recent.values_list("at", "action", "actor_id")[: limit + 3]:
        if at < since:
            break
        if action == SUPPRESSED:
            window.suppressed = True
        elif actor_id is None:
            window.anonymous += 1
        else:
            window.signed_in += 1
    return window


def _anonymous_since(since: str) -> int:
    # The (action, at) index: this minute's refusals only.
    return AuditEntry.objects.filter(action=ACTION, at__gte=since, actor_id__isnull=True).count()


def record_refused_write(
    *, actor: User | None, address: str, method: str, path: str, status: int, why: str, session_user: str = ""
) -> str:
    """Append the refusal's entry, or its window's one suppression entry, or nothing; return the action written."""
    since = _window_start(clock.now())
    per_address = int(getattr(settings, "ATMP_REFUSALS_PER_MINUTE", PER_MINUTE))
    window = _window(address, since, per_address)
    if actor is not None:
        if window.signed_in >= per_address:
            if window.suppressed:
                return _not_recorded(status, method, path, address)
            return _suppressed(address, since, per_address)
    else:
        if window.anonymous >= ANONYMOUS_PER_ADDRESS:
            return _not_recorded(status, method, path, address)
        limit = int(getattr(settings, "ATMP_ANONYMOUS_REFUSALS_PER_MINUTE", ANONYMOUS_PER_MINUTE))
        if _anonymous_since(since) >= limit:
            if _window(EVERY_ADDRESS, since, 0).suppressed:
                return _not_recorded(status, method, path, address)
            return _suppressed(EVERY_ADDRESS, since, limit)
    changes: dict[str, list[Any]] = {
        "method": [None, method],
        "path": [None, clean_path(path)],
        "status": [None, status],
        "refusal": [None, why],
    }
    if session_user:
        changes["session_user"] = [None, session_user[:150]]
    with writer.change(actor=actor, reason="") as ch:
        ch.event(action=ACTION, record_type=CLIENT_TYPE, record_id=address, changes=changes)
    return ACTION


def _suppressed(target: str, since: str, limit: int) -> str:
    with writer.change(actor=None, reason="") as ch:
        ch.event(
            action=SUPPRESSED,
            record_type=CLIENT_TYPE,
            record_id=target,
            changes={"window": [None, since], "limit": [None, limit]},
        )
    return SUPPRESSED


def _not_recorded(status: int, method: str, path: str, address: str) -> str:
    log.warning("refused write not recorded (limit reached): %s %s %s from %s", status, method, path[:200], address)
    return ""


class RefusedWriteMiddleware:
    """Record every refused write (403 or 404 to POST, PUT, PATCH, DELETE) and every CSRF failure.

    It sits after Django's CsrfViewMiddleware: when that refuses a request, no later middleware's
    process_view runs, so a refused write whose view was never reached is a CSRF failure.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def process_view(self, request: HttpRequest, *args: Any) -> None:
        """Note that the request passed the CSRF check (or is exempt, as the API's views are)."""
        request._atmp_view_reached = True  # type: ignore[attr-defined]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method in WRITES and response.status_code in REFUSED:
            try:
                self._record(request, response.status_code)
            except Exception:
                # Recording must never turn a refusal into a 500; the server's log keeps the failure.
                log.exception("could not record a refused write: %s %s", request.method, request.path[:200])
        return response

    def _record(self, request: HttpRequest, status: int) -> None:
        session = getattr(request, "user", None)
        signed_in = session if session is not None and session.is_authenticated else None
        # The API authenticates in the view: a token's user, or the session's once its CSRF check passed.
        actor = getattr(request, "auth_user", None) or (signed_in if not request.path.startswith("/api/") else None)
        reached = getattr(request, "_atmp_view_reached", False)
        api_csrf = (
            request.path.startswith("/api/")
            and status == 403
            and signed_in is not None
            and actor is None
            and "Authorization" not in request.headers
        )
        csrf = (status == 403 and not reached) or api_csrf
        if csrf:
            why, actor = "csrf", None
        elif actor is None:
            return  # an anonymous 404 refused nobody anything: not recorded
        else:
            why = "forbidden" if status == 403 else "not_found"
        record_refused_write(
            actor=actor,
            address=client_address(request),
            method=str(request.method),
            path=request.path,
            status=status,
            why=why,
            session_user=signed_in.username if csrf and signed_in is not None else "",
        )
