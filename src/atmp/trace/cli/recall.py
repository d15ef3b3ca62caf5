"""`atmp trace recall ID`: what recalling a lot, donor or patient reaches, and where each lot's units are."""

from __future__ import annotations

from typing import Any

import click

from atmp.cli.base import handled, json_option, setup_django
from atmp.cli.output import emit
from atmp.trace.cli import trace
from atmp.trace.cli.common import READER, reader


def _impact_text(d: dict[str, Any]) -> str:
    lines = [f"{len(d['lots'])} lots affected by recalling {d['root']} ({d['elapsed_ms']} ms)"]
    for x in d["lots"]:
        where = ", ".join(x["whereabouts"]["places"]) or "nowhere"
        lines.append(f"  {x['level']:>3}  {x['lot']:<20} {x['material']:<14} {x['status']:<11} {x['site']:<8} {where}")
    lines.append(f"{len(d['patients'])} patients to reach")
    lines += [f"       {p['coi']:<20} at {p['site']}" for p in d["patients"]]
    lines.append(f"{len(d['consignees'])} consignees to reach")
    lines += [f"       {c['site']:<20} {c['kind']:<10} {', '.join(c['lots'])}" for c in d["consignees"]]
    return "\n".join(lines)


@trace.command("recall")
@click.argument("root", metavar="ID")
@READER
@json_option
@handled
def recall(root: str, username: str | None, as_json: bool) -> None:
    """Show what recalling ID (a lot number, or a donor's or patient's COI) reaches; changes nothing.

    Every lot a forward trace from ID reaches, with its status and where its units are (in stock,
    consumed into other lots, administered to patients, shipped), the patients to reach (COI only)
    and the consignees (sites). Prints {"root", "lots": [{"lot", "material", "type", "status",
    "site", "level", "quantity", "unit", "whereabouts": {"places", "in_stock", "consumed_into",
    "administered_to", "shipped"}}, …], "patients": [{"coi", "site"}, …], "consignees": [{"site",
    "kind", "lots"}, …], "elapsed_ms"}. An unknown ID exits 2, naming it. The recall itself is
    opened on the page (/trace/recall/ID/) or with POST /api/v1/trace/recall/ID.
    """
    setup_django()
    from atmp.trace.api.documents import impact_document
    from atmp.trace.selectors import recall as selectors
    from atmp.trace.selectors.lookups import root_named

    viewer = reader(username)
    found, elapsed = selectors.timed(root_named(root, viewer))
    if viewer is not None:
        found = found.visible_to(viewer.site_ids())
    emit(impact_document(found, elapsed), as_json=as_json, text=_impact_text)
