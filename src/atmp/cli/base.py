"""What every `atmp` command group shares: Django set-up, refusals as exit 2, lazy groups, the
`--json` flag, and the person who acts (`--as`, their password, their authenticator code).

Module CLIs (atmp.accounts.cli, atmp.ledger.cli, each domain module's cli.py) import from here and
from atmp.cli.output, never from atmp.cli.main: main only builds the `atmp` group and registers them,
so it imports the modules, not the other way round (atmp/cli/tests/test_cli_imports.py holds it).
Nothing here imports Django at import time: `atmp --help` stays fast.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

PASSWORD_ENV = "ATMP_PASSWORD"  # noqa: S105 - the name of a variable, not a password

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")


def setup_django(*, prepared: bool = True) -> None:
    """Configure Django from the environment (ATMP_HOME, ATMP_DATABASE_URL).

    With prepared (every command but `atmp init` and `atmp openapi`), refuse with exit 2 and
    "run `atmp init`" when the home or the database is not ready, before anything is created.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atmp.settings")
    import django

    django.setup()
    if prepared:
        from atmp import prepared as readiness
        from atmp.cli.output import fail

        if (problem := readiness.problem()) is not None:
            fail(problem)


def handled(func: F) -> F:
    """Turn the domain's refusals into a message on stderr and exit code 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from atmp.cli.output import fail

        try:
            return func(*args, **kwargs)
        except click.exceptions.Exit:
            raise
        except Exception as exc:
            message = refusal_message(exc)
            if message is None:
                raise
            fail(message)

    return wrapper  # type: ignore[return-value]


def refusal_message(exc: Exception) -> str | None:
    """Return the message a refusal prints, or None for a fault (which keeps its traceback)."""
    from django.core.exceptions import ValidationError
    from django.db import DatabaseError

    from atmp.config import ConfigError
    from atmp.ledger.errors import LedgerError
    from atmp.ledger.note import NoteError

    if isinstance(exc, LedgerError | ConfigError | NoteError):
        return str(exc)
    if isinstance(exc, ValidationError):
        return (
            "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
            if hasattr(exc, "error_dict")
            else " ".join(exc.messages)
        )
    if isinstance(exc, DatabaseError):
        return f"database: {exc}".strip()
    if isinstance(exc, OSError):
        return f"{exc.filename or ''}: {exc.strerror}".lstrip(": ")
    return None


class LazyGroup(click.Group):
    """A command group whose module is imported only when it is used.

    `atmp stats` brings SciPy, statsmodels and matplotlib (about a second of imports); `atmp verify`
    and the other ledger commands should not pay for them. `module` is "package.module" (the group
    is the attribute named like the group) or "package.module:attribute".
    """

    def __init__(self, name: str, module: str, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.module = module

    def _group(self) -> click.Group:
        dotted, _, attribute = self.module.partition(":")
        group = getattr(importlib.import_module(dotted), attribute or self.name or "")
        assert isinstance(group, click.Group)
        return group

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return the real group's commands."""
        return self._group().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return one of the real group's commands."""
        return self._group().get_command(ctx, cmd_name)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Print the real group's help."""
        self._group().format_help(ctx, formatter)


# --- passwords ------------------------------------------------------------------------------------


def password_file_option(help: str) -> Callable[[F], F]:
    """Return the `--password-file` option with its help (where the password comes from otherwise)."""
    return click.option("--password-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help=help)


def read_password(path: Path | str | None, *, confirm: bool = True) -> str:
    """Return a password: from the file, the environment (ATMP_PASSWORD), or asked (twice for a new one)."""
    if path is not None:
        # One line: a trailing newline written by an editor or `echo` is not part of the password.
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    if env := os.environ.get(PASSWORD_ENV):
        return env
    if not can_prompt():
        from atmp.accounts.errors import InvalidInput

        raise InvalidInput("password", f"no terminal to ask on: give --password-file or set ${PASSWORD_ENV}")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=confirm, err=True))


def can_prompt() -> bool:
    """Return True when a person can be asked for the password (stdin is a terminal)."""
    return sys.stdin.isatty()


# --- the person who acts --------------------------------------------------------------------------

ACTING = "Your username: you act, and are recorded, as this user."
as_option = click.option("--as", "username", required=True, metavar="USERNAME", help=ACTING)
otp_option = click.option("--otp", default=None, help="Your authenticator code, if you use MFA.")
your_password_file_option = password_file_option(
    f"Read your password from this file (else ${PASSWORD_ENV}, else it is asked)."
)


@dataclass(frozen=True)
class Actor:
    """A person acting on the command line, with what re-authenticates them for a signature.

    The password and code are checked by the service that signs (atmp.accounts.signing, the
    workflow), which audits a failed attempt; `authenticated_user` checks them for a command
    that acts without signing.
    """

    user: Any  # atmp.accounts.models.User; not imported here, so the CLI starts without Django
    password: str
    otp: str | None


def actor_options(what: str = "") -> Callable[[F], F]:
    """Add `--as USERNAME`, `--otp` and `--password-file` to a command that acts as a person.

    `what` says what the person does, e.g. "you sign the approval ('approved')". The command gets
    the keyword arguments `username`, `otp` and `password_file`: pass them to `acting_user` or
    `authenticated_user`.
    """
    acting = click.option(
        "--as", "username", required=True, metavar="USERNAME", help=f"Your username: {what}." if what else ACTING
    )

    def decorate(command: F) -> F:
        for option in (your_password_file_option, otp_option, acting):
            command = option(command)
        return command

    return decorate


def acting_user(username: str, *, password_file: Path | str | None, otp: str | None) -> Actor:
    """Return the person named by `--as`, with their password (file, environment or asked once) and code.

    Nothing is checked here: pass them to the service that signs, which checks and audits. Call it
    after setup_django; an unknown username is bad input naming the field.
    """
    from atmp.accounts import services

    user = services.find_user(username)
    return Actor(user=user, password=read_password(password_file, confirm=False), otp=otp)


def authenticated_user(username: str, *, password_file: Path | str | None, otp: str | None) -> Any:
    """Return the person named by `--as` once their password (and code) is checked: the CLI acts only
    as a known person. A wrong password is refused, counted and audited (atmp.accounts.auth)."""
    from atmp.accounts import auth

    actor = acting_user(username, password_file=password_file, otp=otp)
    auth.reauthenticate(actor.user, actor.password, actor.otp)
    return actor.user


def user_and_password(username: str, password_file: Path | str | None) -> tuple[Any, str]:
    """Return the named user and the password they give (from the file, $ATMP_PASSWORD or asked), unchecked.

    For a command whose service checks the password itself, as part of a signature.
    """
    from atmp.accounts import services

    return services.find_user(username), read_password(password_file, confirm=False)
