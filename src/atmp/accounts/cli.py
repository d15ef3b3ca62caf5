"""`atmp user …`: account administration from the command line."""

from __future__ import annotations

import click


@click.group()
def user() -> None:
    """Manage user accounts and their roles."""
