"""`atmp trace …`: traceability's commands; each area adds its own (cli/<area>.py)."""

from __future__ import annotations

import click


@click.group()
def trace() -> None:
    """Traceability and the chain of identity.

    \b
    Identifiers (`atmp trace id --help`): ISBT 128 donation identification numbers and
    data structures, the EU Single European Code, GS1 keys and element strings; they need
    no database and no ATMP_HOME.
    The genealogy: materials, lots (receive, release), persons, uses, administrations, and
    the trace: `atmp trace forward ID --json`, `atmp trace backward ID --json` (ID: a lot
    number or a person's COI); the recall impact: `atmp trace recall ID --json`, and QA opens the
    recall with `atmp trace recall ID --open --class … --reason …`.
    Cell banks and seed stocks (ICH Q5D): `atmp trace bank add|show|list`.
    The chain of custody: `atmp trace ship`, `handover`, `temperature-log`, `shipment`, and
    at the bedside `atmp trace administer --patient-scan … --product-scan …`.
    Labels: `atmp trace label LOT --out FILE.pdf|png` (GS1 DataMatrix, or ISBT 128 symbols),
    `atmp trace label-setup SITE --size …`, and `atmp trace scan DATA` reads a scan back.
    Migration: `atmp trace import FILE.jsonl --site SITE [--dry-run]` (docs/traceability.md).

    Every change is made as --as USER, who gives their password (--password-file,
    $ATMP_PASSWORD, or asked).
    """


def _register() -> None:
    # One line per area: importing atmp.trace.cli.<area> registers its commands on the group.
    from atmp.trace.cli import banks, custody, genealogy, identifiers, imports, labels, lots, materials, persons, recall  # noqa: F401


_register()
