"""`atmp quality …`: the quality system's commands; each area adds its own (cli/<area>.py)."""

from __future__ import annotations

import click


@click.group()
def quality() -> None:
    """The quality system: deviations, CAPA, change control, documents and training, KPIs.

    Every change is made as --as USER, who gives their password (--password-file,
    $ATMP_PASSWORD, or asked). Records are named TYPE:ID, e.g. quality.deviation:12.
    """


def _register() -> None:
    # One line per area: importing atmp.quality.cli.<area> registers its commands on the group.
    from atmp.quality.cli import (  # noqa: F401
        capa,
        changes,
        complaints,
        deviations,
        documents,
        inspections,
        kpis,
        overdue,
        recalls,
        risk,
        suppliers,
    )


_register()
