"""Cell banks and seed stocks: the list, a bank's document, and its lineage read from the genealogy.

The lineage is the genealogy's (docs/adr/0024): one recursive trace forward from the bank's lot
reaches the banks made from its vials and the lots (batches' outputs) made with it; one backward
reaches the banks it came from. No walk of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.accounts.visibility import visible_records
from atmp.ledger.errors import NotFound
from atmp.ledger.records import rfc3339
from atmp.lists import ChoiceFilter, Column, ListSpec, TextFilter
from atmp.trace import bank_panel
from atmp.trace.models import CellBank
from atmp.trace.selectors import genealogy
from atmp.trace.selectors.genealogy import TracedLot
from atmp.trace.selectors.lists import record_url, site_choices
from atmp.trace.units import plain
from atmp.trace.workflows.lots import LOT_WORKFLOW


@dataclass(frozen=True)
class Lineage:
    """What a bank came from (its ancestors that are banks) and what was made with it (banks and other lots)."""

    ancestors: list[tuple[TracedLot, str]]
    banks: list[tuple[TracedLot, str]]
    made: list[TracedLot]


def lineage(bank: CellBank, viewer: User | None = None) -> Lineage:
    """Return the bank's lineage: two recursive traces of its lot, the lots that are banks named by kind."""
    ids = viewer.site_ids() if viewer is not None else None
    down = genealogy.forward(bank.lot).visible_to(ids).lots
    up = genealogy.backward(bank.lot).visible_to(ids).lots
    reached = [lot.id for lot in (*down, *up) if lot.level > 0]
    kinds = dict(CellBank.objects.filter(lot_id__in=reached, voided=False).values_list("lot_id", "kind"))
    return Lineage(
        ancestors=[(lot, kinds[lot.id]) for lot in up if lot.level > 0 and lot.id in kinds],
        banks=[(lot, kinds[lot.id]) for lot in down if lot.level > 0 and lot.id in kinds],
        made=[lot for lot in down if lot.level > 0 and lot.id not in kinds],
    )


def lineage_document(bank: CellBank, viewer: User | None = None) -> dict[str, Any]:
    """Return the bank's lineage as the API's ancestors, banks and made lists."""
    found = lineage(bank, viewer)

    def row(lot: TracedLot, kind: str | None = None) -> dict[str, Any]:
        return {"number": lot.number, "material": lot.material, "status": lot.status, "level": lot.level, "kind": kind}

    return {
        "ancestors": [row(lot, kind) for lot, kind in found.ancestors],
        "banks": [row(lot, kind) for lot, kind in found.banks],
        "made": [row(lot) for lot in found.made],
    }


def bank_document(bank: CellBank) -> dict[str, Any]:
    """Return a bank as CellBankOut: the lot, the bank's attributes, its panel with each test's status."""
    from atmp.trace.bank_results import statuses

    status = statuses(bank)
    lot = bank.lot
    return {
        "id": bank.pk,
        "record": bank.record_key,
        "version": bank.version,
        "lot": lot.number,
        "lot_record": lot.record_key,
        "kind": bank.kind,
        "kind_label": bank_panel.KINDS[bank.kind],
        "material": lot.material.code,
        "material_name": lot.material.name,
        "site": lot.site.code,
        "status": lot.status,
        "status_label": lot.state_label(),
        "parent": bank.parent.lot.number if bank.parent is not None else None,
        "vials_banked": plain(lot.quantity),
        "vials_remaining": plain(genealogy.remaining(lot)),
        "storage": bank.storage,
        "location": lot.location,
        "expiry_date": lot.expiry_date.isoformat() if lot.expiry_date else None,
        "age_unit": bank.age_unit,
        "age_at_banking": bank.age_at_banking,
        "age_limit": bank.age_limit,
        "limit_basis": bank.limit_basis,
        "vector_production": bank.vector_production,
        "panel": [
            {"code": t.code, "name": t.name, "basis": t.basis, "status": status[t.code]}
            for t in bank_panel.panel(bank.kind, vector_production=bank.vector_production)
        ],
        "created_at": rfc3339(bank.created_at) if bank.created_at is not None else None,
    }


def bank_named(number: str, viewer: User | None = None) -> CellBank:
    """Return the live bank of the lot number the viewer may see, or refuse as not found, naming it."""
    found = (
        CellBank.objects.select_related("lot__material", "lot__site", "parent__lot")
        .filter(lot__number=number.strip(), voided=False)
        .first()
    )
    if found is None or (viewer is not None and not can_see(viewer, found)):
        raise NotFound(f"there is no cell bank or seed stock {number!r}")
    return found


def banks(viewer: User) -> QuerySet[CellBank]:
    """Return the live banks of the viewer's sites, with what their columns read."""
    rows = CellBank.objects.filter(voided=False).select_related("lot__material", "lot__site", "parent__lot")
    return visible_records(viewer, rows)


BANKS = ListSpec(
    name="cell-banks",
    title="Cell banks and seed stocks",
    rows=banks,
    default_sort="lot",
    columns=(
        Column("lot", "Bank (lot)", value="lot.number", sort="lot__number", link=record_url),
        Column("kind", "Kind", value=lambda b: bank_panel.KINDS[b.kind], sort="kind"),
        Column("material", "Cell line / virus", value="lot.material.code", sort="lot__material__code"),
        Column("parent", "Made from", value=lambda b: b.parent.lot.number if b.parent_id else None),
        Column("status", "Status", value="lot.status", sort="lot__status"),
        Column("site", "Site", value="lot.site.code", sort="lot__site__code"),
        Column("vials", "Vials banked", value=lambda b: plain(b.lot.quantity)),
        Column("limit", "Cell age limit", value=lambda b: f"{b.age_limit} {bank_panel.AGE_UNITS[b.age_unit]}"),
        Column("storage", "Storage"),
    ),
    filters=(
        TextFilter("q", "Lot or cell line", fields=("lot__number", "lot__material__code")),
        ChoiceFilter("kind", "Kind", lookup="kind", choices=list(bank_panel.KINDS.items())),
        ChoiceFilter(
            "status", "Status", lookup="lot__status", choices=[(s.name, s.label) for s in LOT_WORKFLOW.states]
        ),
        ChoiceFilter("site", "Site", lookup="lot__site__code", choices=site_choices),
    ),
)
