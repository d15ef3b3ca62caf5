"""`atmp lab …`: the QC laboratory's commands."""

from __future__ import annotations

import click


@click.group()
def lab() -> None:
    """QC laboratory and release (docs/lab.md).

    Every change is made as --as USER, who gives their password (--password-file,
    $ATMP_PASSWORD, or asked).
    """
