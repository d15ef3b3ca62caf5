"""`atmp environment …`: environmental monitoring's commands (Annex 1)."""

from __future__ import annotations

import click


@click.group()
def environment() -> None:
    """Environmental monitoring (EU GMP Annex 1 (2022)).

    \b
    Rooms and sample points (QA): `atmp environment room add|change|list|show`, `point add`.
    The limits: `atmp environment limits --json` prints Annex 1's action limits (Table 5
    particles, Table 6 viable; 0 is "no growth", null: no limit); `alert-limit set` and
    `alert-limits` the site's alert limits, always below them.
    Results: `atmp environment result add`, `results`, and
    `atmp environment import FILE.csv --site SITE [--dry-run]` (format: docs/environment.md).

    Trends (docs/environment.md): `trend SITE ROOM POINT [--svg FILE]`, `alerts [--open]`,
    `alert show|assess ID`, `trend-policy show|set`, `summary SITE --month YYYY-MM [--pdf FILE]`,
    `heat-map SITE ROOM --month YYYY-MM [--svg FILE]`.

    Every change is made as --as USER, who gives their password (--password-file,
    $ATMP_PASSWORD, or asked).
    """


def _register() -> None:
    from atmp.environment.cli import commands, results, trends  # noqa: F401


_register()
