"""`atmp trace bank …`: register a lot as a cell bank or seed stock (ICH Q5D), show one, list them."""

from __future__ import annotations

from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, setup_django
from atmp.cli.output import emit
from atmp.trace.cli import trace
from atmp.trace.cli.common import READER, REASON, actor, reader, write


def _bank_text(d: dict[str, Any]) -> str:
    unit = "passages" if d["age_unit"] == "passages" else "population doublings"
    lines = [
        f"{d['lot']}  {d['kind_label']} of {d['material']}  {d['status_label']}  at {d['site']}",
        f"vials {d['vials_remaining']} of {d['vials_banked']} remain; storage {d['storage']}",
        f"cell age at banking {d['age_at_banking']} {unit}; limit for production {d['age_limit']} {unit} "
        f"from the bank's thaw ({d['limit_basis']})",
    ]
    if d.get("parent"):
        lines.append(f"made from {d['parent']}")
    lines.append("required panel: " + "; ".join(f"{t['name']} ({t['basis']}): {t['status']}" for t in d["panel"]))
    for key, title in (("ancestors", "came from"), ("banks", "banks made from it"), ("made", "lots made with it")):
        if d.get(key):
            lines.append(f"{title}: " + ", ".join(x["number"] for x in d[key]))
    return "\n".join(lines)


@trace.group("bank")
def bank() -> None:
    """Cell banks and seed stocks (ICH Q5D): MCB, WCB, MVS, WVS, end-of-production cells.

    A bank is a lot counted in vials ({vial}) of a cell line or vector seed; its status is the lot's
    (QA releases it: `atmp trace lot release`). A WCB names the MCB it was made from (--parent) and
    the MCB vials it took (--parent-vials): a genealogy use.

    \b
    Examples:
      atmp trace bank add MCB-HEK-01 --kind mcb --storage "LN2 vapour phase, dewar D1" \\
          --age-unit passages --age-at-banking 8 --age-limit 20 \\
          --limit-basis "VAL-CB-004: EOPC at passage 30 conform" --vector-production --as rita
      atmp trace bank add WCB-HEK-01 --kind wcb --parent MCB-HEK-01 --parent-vials 1 ... --as rita
      atmp trace bank show WCB-HEK-01 --json
      atmp trace bank list --kind wcb --json
    """


@bank.command("add")
@click.argument("lot")
@click.option("--kind", required=True, help="mcb, wcb, mvs, wvs or eopc.")
@click.option("--storage", required=True, help="Where and how it is kept, e.g. 'LN2 vapour phase, dewar D1'.")
@click.option("--age-unit", required=True, help="passages or pdl (population doublings).")
@click.option("--age-at-banking", required=True, help="In-vitro cell age when banked (from the MCB's thaw).")
@click.option("--age-limit", required=True, help="The most passages (or doublings) from this bank's thaw.")
@click.option("--limit-basis", required=True, help="The validation that justifies the limit.")
@click.option("--vector-production", is_flag=True, help="Its cells or seeds produce a viral vector.")
@click.option("--parent", default=None, help="The lot number of the bank it was made from (WCB, WVS, EOPC).")
@click.option("--parent-vials", default="1", help="How many of the parent's vials it took.")
@click.option("--at", default=None, help="When the parent's vials were taken, ISO 8601 (default: now).")
@REASON
@write
@handled
def add(
    lot: str,
    kind: str,
    storage: str,
    age_unit: str,
    age_at_banking: str,
    age_limit: str,
    limit_basis: str,
    vector_production: bool,
    parent: str | None,
    parent_vials: str,
    at: str | None,
    reason: str,
    **auth: Any,
) -> None:
    """Register a lot (in quarantine, counted in vials) as a cell bank or seed stock."""
    setup_django()
    from atmp.trace.selectors.banks import bank_document
    from atmp.trace.services.banks import register_bank
    from atmp.trace.services.lots import find_lot

    user = actor(auth)
    made = register_bank(
        actor=user,
        lot=find_lot(lot, field="lot", user=user),
        kind=kind,
        storage=storage,
        age_unit=age_unit,
        age_at_banking=age_at_banking,
        age_limit=age_limit,
        limit_basis=limit_basis,
        vector_production=vector_production,
        parent=find_lot(parent, field="parent", user=user) if parent else None,
        parent_vials=parent_vials,
        at=at,
        reason=reason,
    )
    emit(bank_document(made), as_json=auth["as_json"], text=_bank_text)


@bank.command("show")
@click.argument("lot")
@READER
@json_option
@handled
def show(lot: str, username: str | None, as_json: bool) -> None:
    """Show a bank: its vials, limit of in-vitro cell age, required test panel and lineage."""
    setup_django()
    from atmp.trace.selectors.banks import bank_document, bank_named, lineage_document

    user = reader(username)
    found = bank_named(lot, user)
    emit({**bank_document(found), **lineage_document(found, user)}, as_json=as_json, text=_bank_text)


@bank.command("list")
@as_option
@click.option("--kind", default=None, help="mcb, wcb, mvs, wvs or eopc.")
@click.option("--limit", type=click.IntRange(1, 500), default=50)
@json_option
@handled
def list_(username: str, kind: str | None, limit: int, as_json: bool) -> None:
    """List the banks of your sites."""
    setup_django()
    from atmp.lists import api_page
    from atmp.trace.selectors.banks import BANKS

    raw = {"limit": str(limit), **({"kind": kind} if kind else {})}
    page = api_page(BANKS, reader(username), raw)
    emit(
        page,
        as_json=as_json,
        text=lambda d: (
            "\n".join(f"{x['lot']:<16} {x['kind']:<24} {x['material']:<12} {x['status']:<11}" for x in d["items"])
            or "no banks"
        ),
    )
