"""`atmp trace material …`: add a material to the catalogue, list the catalogue."""

from __future__ import annotations

from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, setup_django
from atmp.cli.output import emit
from atmp.trace.cli import trace
from atmp.trace.cli.common import REASON, actor, reader, write

TYPES = (
    "starting_material, plasmid, cell_line, vector_seed, critical_reagent, medium, consumable, "
    "intermediate, drug_substance, drug_product"
)


@trace.group("material")
def material() -> None:
    """The material catalogue: what lots are lots of.

    \b
    Examples:
      atmp trace material add MED-001 --name "Culture medium X" --type medium --unit mL --as rita
      atmp trace material list --as rita --json
    """


@material.command("add")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--type", "type_", required=True, help=f"One of: {TYPES}.")
@click.option("--unit", required=True, help="The UCUM code its lots are counted in, e.g. mL, mg, {cells}, {bag}.")
@click.option("--storage", default="", help="Storage conditions, e.g. '-80 °C ± 10 °C'.")
@REASON
@write
@handled
def add(code: str, name: str, type_: str, unit: str, storage: str, reason: str, **auth: Any) -> None:
    """Add a material to the catalogue (its code is what suppliers are qualified for)."""
    setup_django()
    from atmp.trace.api.documents import material_document
    from atmp.trace.services.materials import add_material

    made = add_material(actor=actor(auth), code=code, name=name, type=type_, unit=unit, storage=storage, reason=reason)
    emit(
        material_document(made),
        as_json=auth["as_json"],
        text=lambda d: f"{d['code']} {d['name']} ({d['type']}, {d['unit']})",
    )


@material.command("list")
@as_option
@click.option("--type", "type_", default=None, help=f"Only this type: {TYPES}.")
@click.option("--limit", type=click.IntRange(1, 500), default=500)
@json_option
@handled
def list_(username: str, type_: str | None, limit: int, as_json: bool) -> None:
    """List the catalogue by code (the first page: --limit, at most 500)."""
    setup_django()
    from atmp.lists import api_page
    from atmp.trace.selectors.lists import MATERIALS

    raw = {"limit": str(limit), **({"type": type_} if type_ else {})}
    page = api_page(MATERIALS, reader(username), raw)
    emit(
        page,
        as_json=as_json,
        text=lambda d: (
            "\n".join(f"{m['code']:<16} {m['type']:<18} {m['unit']:<12} {m['name']}" for m in d["items"])
            or "no materials"
        ),
    )
