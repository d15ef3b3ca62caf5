"""`atmp trace …`: traceability's commands; each area adds its own (cli/<area>.py)."""

from __future__ import annotations

import click


@click.group()
def trace() -> None:
    """Traceability and the chain of identity.

    \b
    Today: check and read identifiers (`atmp trace id --help`): ISBT 128 donation
    identification numbers and data structures, the EU Single European Code, GS1 keys
    and element strings. They need no database and no ATMP_HOME.
    """


def _register() -> None:
    # One line per area: importing atmp.trace.cli.<area> registers its commands on the group.
    from atmp.trace.cli import identifiers  # noqa: F401


_register()
