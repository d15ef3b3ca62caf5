"""The command shapes the lab's studies share (viral clearance, stability): sign a study with your password
and show it; list the studies of your sites. Services and documents are named as 'module:name' and imported
once Django is set up."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, otp_option, setup_django, user_and_password
from atmp.cli.base import your_password_file_option as PASSWORD_FILE
from atmp.cli.output import emit
from atmp.trace.cli.common import reader


def _load(dotted: str) -> Any:
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)


def signed_command(
    group: click.Group,
    name: str,
    help_text: str,
    *,
    find: str,
    service: str,
    document: str,
    text: Callable[[dict[str, Any]], str],
    reason_help: str = "Why (recorded in the ledger).",
) -> click.Command:
    """Add a command signing a study (find it, sign with password and OTP through the service), showing it after."""

    @group.command(name, help=help_text)
    @click.argument("study")
    @as_option
    @click.option("--reason", required=True, help=reason_help)
    @otp_option
    @PASSWORD_FILE
    @json_option
    @handled
    def run(study: str, username: str, reason: str, otp: str | None, password_file: Path | None, as_json: bool) -> None:
        setup_django()
        user, password = user_and_password(username, password_file)
        record = _load(find)(study, user=user)
        _load(service)(actor=user, study=record, password=password, otp=otp, reason=reason)
        emit(_load(document)(record), as_json=as_json, text=text)

    return run


def list_command(group: click.Group, *, selector: str, help_text: str, states: str) -> click.Command:
    """Add the `list` command: the studies of your sites, newest first, filtered by state."""

    @group.command("list", help=help_text)
    @as_option
    @click.option("--status", default=None, help=f"Only studies in this state ({states}, …).")
    @click.option("--limit", type=click.IntRange(1, 500), default=500)
    @json_option
    @handled
    def run(username: str, status: str | None, limit: int, as_json: bool) -> None:
        setup_django()
        from atmp.lists import api_page

        raw = {"limit": str(limit), **({"status": status} if status else {})}
        page = api_page(_load(selector), reader(username), raw)

        def text(d: dict[str, Any]) -> str:
            rows = [f"{i['number']}  {i['product']}  {i['site']}  {i['status']}  {i['title']}" for i in d["items"]]
            return "\n".join(rows) or "none"

        emit(page, as_json=as_json, text=text)

    return run
