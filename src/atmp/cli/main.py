"""The `atmp` command: builds the group and registers every command group in it.

The helpers the groups share (handled, setup_django, LazyGroup, --json, --as and passwords) live in
atmp.cli.base, below every module's cli.py: nothing imports this module but the console script
and tests.
"""

from __future__ import annotations

import os
import sys

import click

from atmp.cli.base import LazyGroup

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
    from atmp.cli import reviews as reviews_cli

    ledger_cli.ledger.add_command(reviews_cli.review)
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
