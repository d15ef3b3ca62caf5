"""`atmp trace …`: traceability commands; each area adds its own (cli/<area>.py)."""

from __future__ import annotations

import click


@click.group()
def trace() -> None:
    """Traceability: materials, lots, donors and patients, genealogy, forward and backward trace.

    Every change is made as --as USER, who gives their password (--password-file,
    $ATMP_PASSWORD, or asked).
    """


def _register() -> None:
    # One line per area: importing atmp.trace.cli.<area> registers its commands on the group.
    from atmp.trace.cli import persons  # noqa: F401


_register()
