"""Counting failed authentications per client address and overall, in the database, per time window.

The lockout counts failures per account (User.failed_logins). That does not stop one address
trying one password on many accounts, nor many addresses sharing the work; these counters do
(ASVS 2.2.1). They live in a table, not in a process, so every server process sees the same
counts. An attempt from a throttled address is refused before any password or token is checked,
and is not counted again: the ledger records when a limit is reached, once per window, so a
flood of attempts cannot flood the audit trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, F, Value, When


class AuthThrottle(models.Model):
    """Failed attempts under one key (a client address, or every client) since `window_start`.

    Not a GMP record: security state, like the per-account failure count on User.
    """

    key = models.CharField(max_length=120, primary_key=True)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        app_label = "accounts"
        indexes = [models.Index(fields=["window_start"], name="accounts_throttle_window")]

    def __str__(self) -> str:
        return f"{self.key}: {self.count} since {self.window_start:%Y-%m-%dT%H:%M:%SZ}"


@dataclass(frozen=True)
class Limit:
    """A counter and how many failures it allows per window; `scope` is what the refusal names."""

    scope: str
    key: str
    allowed: int


def sign_in_limits(client: str | None) -> list[Limit]:
    """Return the limits on failed sign-ins from this client (None: a caller with no address)."""
    limits = [Limit("all", "sign-in:all", settings.ATMP_THROTTLE_GLOBAL_FAILURES)]
    if client:
        limits.insert(0, Limit("address", f"sign-in:address:{client[:64]}", settings.ATMP_THROTTLE_ADDRESS_FAILURES))
    return limits


def token_limits(client: str | None) -> list[Limit]:
    """Return the limits on failed API tokens from this client."""
    if not client:
        return []
    return [Limit("address", f"token:address:{client[:64]}", settings.ATMP_THROTTLE_TOKEN_FAILURES)]


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.ATMP_THROTTLE_WINDOW_SECONDS)


def blocked(limits: list[Limit], now: dt.datetime) -> tuple[Limit, int] | None:
    """Return the first limit reached in its current window, with the seconds until it reopens."""
    if not limits:
        return None
    current = AuthThrottle.objects.filter(key__in=[limit.key for limit in limits], window_start__gt=now - _window())
    rows = {row.key: row for row in current}
    for limit in limits:
        row = rows.get(limit.key)
        if row is not None and row.count >= limit.allowed:
            seconds = (row.window_start + _window() - now).total_seconds()
            return limit, max(1, int(seconds + 0.999))
    return None


def count_failure(limits: list[Limit], now: dt.datetime) -> list[Limit]:
    """Count one failure under each limit; return those this failure has just reached."""
    reached = []
    for limit in limits:
        if _hit(limit.key, now) == limit.allowed:
            reached.append(limit)
    return reached


def _hit(key: str, now: dt.datetime) -> int:
    expired = now - _window()
    with transaction.atomic():
        # One statement increments, or starts a new window; SET expressions read the old row, and
        # the row stays locked until the transaction ends, so the count read next is this one's.
        updated = AuthThrottle.objects.filter(key=key).update(
            count=Case(When(window_start__lte=expired, then=Value(1)), default=F("count") + 1),
            window_start=Case(When(window_start__lte=expired, then=Value(now)), default=F("window_start")),
        )
        if not updated:
            # A new key: forget the keys whose window has passed (each once), then start this one.
            AuthThrottle.objects.filter(window_start__lte=expired).delete()
            AuthThrottle.objects.bulk_create([AuthThrottle(key=key, window_start=now, count=0)], ignore_conflicts=True)
            AuthThrottle.objects.filter(key=key).update(count=F("count") + 1)
        return AuthThrottle.objects.values_list("count", flat=True).get(key=key)
