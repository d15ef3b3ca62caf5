"""`atmp ledger …` and `atmp verify`."""

from __future__ import annotations

import click


@click.group()
def ledger() -> None:
    """Checkpoints, proofs, the verifier key and exports of the ledger."""


@click.command()
def verify() -> None:
    """Verify the ledger (being written)."""
