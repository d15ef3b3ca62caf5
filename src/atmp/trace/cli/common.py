"""What the traceability commands share: the options of a write, the reader of a read, printing."""

from __future__ import annotations

from typing import Any

import click

from atmp.cli.base import as_option, authenticated_user, json_option, otp_option, your_password_file_option

REASON = click.option(
    "--reason", default="", help="Why (recorded in the ledger; needed for every change after creation)."
)
READER = click.option(
    "--as",
    "username",
    default=None,
    metavar="USERNAME",
    help="Read as this user (only their sites' records); by default as the database's owner (every site).",
)


def write(func: Any) -> Any:
    """Give a write command --as, --otp, --password-file and --json."""
    for option in (json_option, your_password_file_option, otp_option, as_option):
        func = option(func)
    return func


def actor(auth: dict[str, Any]) -> Any:
    """Return the user named by --as once their password (and code) is checked."""
    return authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])


def reader(username: str | None) -> Any:
    """Return the named user for a read (no password: reading changes nothing), or None for the owner."""
    if not username:
        return None
    from atmp.accounts import services

    return services.find_user(username)


def sealed_call(call: Any) -> Any:
    """Run a service call; a missing or unusable identity key is a refusal with its message (exit 2)."""
    from atmp.cli.output import fail
    from atmp.trace.sealed import SealError

    try:
        return call()
    except SealError as exc:
        fail(str(exc))
