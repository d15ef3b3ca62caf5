"""What the quality areas' commands share: acting as a re-authenticated user, records by key, output."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option, authenticated_user, json_option, otp_option, your_password_file_option

JSON = json_option
AS = as_option
OTP = otp_option
PASSWORD_FILE = your_password_file_option
# Every list command leaves voided records out unless asked, as the API (`voided=true`) and the pages do.
VOIDED = click.option("--voided", "voided", is_flag=True, help="List voided records too (each marked voided).")


def actor(username: str, password_file: str | Path | None, otp: str | None) -> Any:
    """Return the named user once their password (and code) is checked."""
    return authenticated_user(username, password_file=password_file, otp=otp)


def viewer(username: str) -> Any:
    """Return the named user for a read (no password: reading changes nothing)."""
    from atmp.accounts import services

    return services.find_user(username)


def record(key: str, model: Any, user: Any) -> Any:
    """Return the record a key (TYPE:ID or a bare ID of the model) names, or refuse."""
    from atmp.accounts.errors import InvalidInput
    from atmp.workflow.links import resolve

    found = resolve(key if ":" in key else f"{model.record_type()}:{key}", field="record", user=user)
    if not isinstance(found, model):
        raise InvalidInput("record", f"{key} is not a {model._meta.verbose_name}")
    return found


def when(text: str | None, *, field: str) -> dt.datetime | None:
    """Return an aware time from ISO 8601 text (UTC when no zone is given)."""
    from atmp.accounts.errors import InvalidInput

    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, f"{text!r} is not a time like 2026-12-01T09:30+01:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def day(text: str | None, *, field: str) -> dt.date | None:
    """Return a date from ISO 8601 text."""
    from atmp.accounts.errors import InvalidInput

    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, f"{text!r} is not a date like 2027-01-31") from None
