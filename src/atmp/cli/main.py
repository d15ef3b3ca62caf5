"""The `atmp` command: set-up, demo, serving, verification, accounts and the ledger."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


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
            message = _message(exc)
            if message is None:
                raise
            fail(message)

    return wrapper  # type: ignore[return-value]


def _message(exc: Exception) -> str | None:
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
    and the other ledger commands should not pay for them.
    """

    def __init__(self, name: str, module: str, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.module = module

    def _group(self) -> click.Group:
        import importlib

        group = getattr(importlib.import_module(self.module), self.name or "")
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


STATS_HELP = "Statistics of a regulated CMC lab: shelf life, equivalence, tolerance, trends, clearance, signals."


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="atmp")
def main() -> None:
    """atmp: a verifiable GMP system of record for advanced therapy medicinal products.

    \b
    State lives under ATMP_HOME (default ./var; a relative path is taken from the working
    directory). `atmp init` prepares it; every other command refuses a home it has not prepared.
    ATMP_DATABASE_URL chooses the database (default: SQLite at ATMP_HOME/atmp.sqlite3):
      sqlite:///var/x.sqlite3       a path relative to the working directory (three slashes)
      sqlite:////srv/atmp/x.sqlite3 an absolute path (four slashes)
      postgresql://USER@HOST:PORT/DB
    """
    # Everything atmp creates (home, database and its -wal/-shm, keys, exports) is its owner's only.
    os.umask(0o077)


def _register() -> None:
    from atmp.cli import commands
    from atmp.ledger import cli as ledger_cli

    commands.register(main)
    from atmp.accounts import cli as accounts_cli

    main.add_command(ledger_cli.ledger)
    main.add_command(ledger_cli.backup)
    main.add_command(ledger_cli.restore)
    main.add_command(accounts_cli.user)
    main.add_command(LazyGroup("stats", "atmp.stats.cli", help=STATS_HELP))
    from atmp import modules

    # Each domain module's group, imported only when it is used (atmp.modules).
    for module in modules.declared():
        if module.cli:
            dotted, _, name = module.cli.partition(":")
            main.add_command(LazyGroup(name or module.label, dotted, help=module.cli_help))
        for command in module.commands:
            main.add_command(modules.load(command))


_register()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
