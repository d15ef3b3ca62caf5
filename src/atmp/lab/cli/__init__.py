"""`atmp lab …`: the QC laboratory's commands."""

from __future__ import annotations

import click


@click.group()
def lab() -> None:
    """QC laboratory and release (docs/lab.md).

    Every change is made as --as USER, who gives their password (--password-file,
    $ATMP_PASSWORD, or asked).
    """


def _register() -> None:
    # One line per area: importing atmp.lab.cli.<area> registers its commands on the group.
    from atmp.lab.cli import viral  # noqa: F401


_register()
