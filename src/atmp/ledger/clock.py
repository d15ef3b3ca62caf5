"""The server's clock: the one place atmp reads the time, so tests can move it."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """Return the current time in UTC."""
    return dt.datetime.now(dt.UTC)
