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
    "intermediate, drug_substance, drug_product, reference_standard"
)


@trace.group("material")
def material() -> None:
    """The material catalogue: what lots are lots of.

    \b
    Examples:
      atmp trace material add MED-001 --name "Culture medium X" --type medium --unit mL --as rita
      atmp trace material codes MED-001 --gtin 09501101530003 --as rita --reason "GTIN for labels"
      atmp trace material list --as rita --json
    """


@material.command("add")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--type", "type_", required=True, help=f"One of: {TYPES}.")
@click.option("--unit", required=True, help="The UCUM code its lots are counted in, e.g. mL, mg, {cells}, {bag}.")
@click.option("--storage", default="", help="Storage conditions, e.g. '-80 °C ± 10 °C'.")
@click.option("--gtin", default="", help="Its GS1 GTIN (8, 12, 13 or 14 digits with the check digit), for labels.")
@click.option("--isbt128-product-code", default="", help="Its ISBT 128 product code (αooootds), for labels.")
@REASON
@write
@handled
def add(
    code: str,
    name: str,
    type_: str,
    unit: str,
    storage: str,
    gtin: str,
    isbt128_product_code: str,
    reason: str,
    **auth: Any,
) -> None:
    """Add a material to the catalogue (its code is what suppliers are qualified for)."""
    setup_django()
    from atmp.trace.api.documents import material_document
    from atmp.trace.services.materials import add_material

    made = add_material(
        actor=actor(auth),
        code=code,
        name=name,
        type=type_,
        unit=unit,
        storage=storage,
        gtin=gtin,
        isbt128_product_code=isbt128_product_code,
        reason=reason,
    )
    emit(material_document(made), as_json=auth["as_json"], text=_material_text)


def _material_text(d: dict[str, Any]) -> str:
    codes = "".join(
        f"; {label} {d[key]}" for key, label in (("gtin", "GTIN"), ("isbt128_product_code", "ISBT 128")) if d[key]
    )
    return f"{d['code']} {d['name']} ({d['type']}, {d['unit']}{codes})"


@material.command("codes")
@click.argument("code")
@click.option("--gtin", default=None, help="Its GS1 GTIN with the check digit ('' removes it).")
@click.option("--isbt128-product-code", default=None, help="Its ISBT 128 product code αooootds ('' removes it).")
@click.option("--reason", required=True, help="Why (recorded in the ledger).")
@write
@handled
def codes(code: str, gtin: str | None, isbt128_product_code: str | None, reason: str, **auth: Any) -> None:
    """Set the codes a material's lots' labels carry: its GTIN (GS1) or ISBT 128 product code."""
    setup_django()
    from atmp.trace.api.documents import material_document
    from atmp.trace.selectors.lookups import material_named
    from atmp.trace.services.materials import set_label_codes

    changed = set_label_codes(
        actor=actor(auth),
        material=material_named(code),
        gtin=gtin,
        isbt128_product_code=isbt128_product_code,
        reason=reason,
    )
    emit(material_document(changed), as_json=auth["as_json"], text=_material_text)


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
