"""`atmp quality kpis`: the quality KPIs as of a date, computed from the records."""

from __future__ import annotations

from typing import Any

import click

from atmp.cli.base import handled, setup_django
from atmp.cli.output import emit
from atmp.quality.cli import quality
from atmp.quality.cli.common import JSON, day


def printable(found: dict[str, Any]) -> dict[str, Any]:
    """Return the KPIs with ratios as numbers (they are decimal strings in the ledger's frozen copy)."""
    return {k: float(v) if k.endswith("_compliance") else v for k, v in found.items()}


def _text(d: dict[str, Any]) -> str:
    lines = [f"quality KPIs as of {d['at']} ({d['site'] or 'all sites'})"]
    for key, value in d.items():
        if key in ("at", "site"):
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        lines.append(f"  {key.replace('_', ' ')}: {value}")
    return "\n".join(lines)


@quality.command("kpis")
@click.option("--site", default=None, help="A site's code (default: every site).")
@click.option("--at", "at", default=None, help="As of this date (default: today, UTC).")
@JSON
@handled
def kpis(site: str | None, at: str | None, as_json: bool) -> None:
    """Print the quality KPIs computed from the records as of a date."""
    setup_django()
    from atmp.quality.api.common import site as find_site
    from atmp.quality.selectors.kpis import kpis as compute
    from atmp.workflow.engine import today

    found = compute(day=day(at, field="at") or today(), site=find_site(site) if site else None)
    emit(printable(found), as_json=as_json, text=_text)
