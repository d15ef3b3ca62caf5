"""Cell banks and seed stocks (ICH Q5D §2.2): register a lot as a bank, made from its parent bank's vials.

A bank is a lot counted in vials (docs/adr/0024): this service adds the bank's record beside the lot
and, for a bank made from another (a WCB from MCB vials, a WVS from MVS vials, end-of-production
cells from the bank they were expanded from), records the parent's vials consumed as a genealogy use
in the same change, so the lineage is the genealogy and the parent's vials remaining are its
remainder. Rules, each refusal naming its field (atmp.trace.bank_panel holds the pure ones):

- the lot is live, not yet a bank, counted in vials, in quarantine (a bank is registered when it is
  made or received, before QA releases it with the lot's signed release);
- a cell bank is a lot of a cell line, a seed stock a lot of a vector seed;
- a WCB is made from an MCB, a WVS from an MVS, EOPC from an MCB or WCB, of the same material (the
  same cell line or virus) and counting cell age in the same unit; a master is made from none of ours;
- the cell age at banking and the limit are whole numbers, the limit at least 1, with its basis.
"""

from __future__ import annotations

from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.ledger import writer
from atmp.ledger.errors import Conflict
from atmp.quality.services import edits
from atmp.trace import bank_panel, units
from atmp.trace.models import CellBank, Lot, MaterialType
from atmp.trace.services import checks, genealogy

MAX_AGE = 10_000


def _whole(value: Any, field: str, *, least: int = 0) -> int:
    """Return a whole number of at least `least`, or refuse it naming the field."""
    text = str(value if value is not None else "").strip()
    if not text.isdecimal():
        raise InvalidInput(field, f"{value!r} is not a whole number of passages or doublings")
    number = int(text)
    if number < least or number > MAX_AGE:
        raise InvalidInput(field, f"{number} is outside {least}–{MAX_AGE}")
    return number


def register_bank(
    *,
    actor: User,
    lot: Lot,
    kind: str,
    storage: str,
    age_unit: str,
    age_at_banking: Any,
    age_limit: Any,
    limit_basis: str,
    vector_production: bool = False,
    parent: Lot | None = None,
    parent_vials: Any = 1,
    at: Any = None,
    reason: str = "",
) -> CellBank:
    """Record the lot as a bank of the kind; a bank made from another consumes the parent's vials (a genealogy use)."""
    edits.check_writer(actor, CellBank, site=lot.site)
    if lot.voided or not can_see(actor, lot):
        raise InvalidInput("lot", f"there is no lot {lot.number}")
    kind = edits.choice(kind, "kind", bank_panel.KINDS)
    bank = CellBank(
        lot=lot,
        kind=kind,
        vector_production=bool(vector_production),
        storage=edits.text(storage, "storage", required=True, limit=200),
        age_unit=edits.choice(age_unit, "age_unit", bank_panel.AGE_UNITS),
        age_at_banking=_whole(age_at_banking, "age_at_banking"),
        age_limit=_whole(age_limit, "age_limit", least=1),
        limit_basis=edits.text(limit_basis, "limit_basis", required=True, limit=2000),
    )
    wanted = MaterialType.CELL_LINE if kind in bank_panel.CELL_KINDS else MaterialType.VECTOR_SEED
    if lot.material.type != wanted:
        raise InvalidInput(
            "lot",
            f"lot {lot.number} is of {lot.material.code}, a {lot.material.get_type_display().lower()}: "
            f"a {bank_panel.KINDS[kind].lower()} is a lot of a {MaterialType(wanted).label.lower()}",
        )
    if lot.status != "quarantine":
        raise InvalidInput(
            "lot",
            f"lot {lot.number} is {lot.state_label().lower()}: a bank is registered in quarantine, "
            "before QA releases it on its test panel",
        )
    if units.UNITS[lot.unit].dimension != "vials":
        raise InvalidInput("lot", f"lot {lot.number} is counted in {lot.unit}: a bank is counted in vials ({{vial}})")
    parent_bank = _parent(actor, bank, parent)
    vials = checks.quantity(parent_vials, "parent_vials") if parent_bank is not None else None
    with writer.change(actor=actor, reason=reason or f"{lot.number} banked as {kind.upper()}") as ch:
        ch.hold()  # one bank per lot: checked under the ledger's lock
        if CellBank._base_manager.filter(lot=lot).exists():
            raise Conflict(f"lot: lot {lot.number} is a bank already")
        if parent_bank is not None and vials is not None:
            bank.parent = parent_bank
            # The parent's vials go into the new bank: the lineage is this edge of the genealogy,
            # and what the parent has left is its remainder (record_use's rules: released, enough).
            genealogy.record_use(
                actor=actor, input=parent_bank.lot, output=lot, quantity=vials, unit="{vial}", at=at,
                reason=ch.reason,
            )  # fmt: skip
        ch.save(bank)
    return bank


def _parent(actor: User, bank: CellBank, parent: Lot | None) -> CellBank | None:
    """Return the parent lot's bank once the lineage rules pass (kind, same material, same age unit)."""
    parent_bank = None
    if parent is not None:
        if parent.voided or not can_see(actor, parent):
            raise InvalidInput("parent", f"there is no lot {parent.number}")
        parent_bank = CellBank.objects.filter(lot=parent).first()
        if parent_bank is None:
            raise InvalidInput("parent", f"lot {parent.number} is not a cell bank or seed stock")
    broken = bank_panel.parent_rule(bank.kind, parent_bank.kind if parent_bank else None)
    if broken:
        raise InvalidInput("parent", broken)
    if parent_bank is None:
        return None
    if parent_bank.lot.material_id != bank.lot.material_id:
        raise InvalidInput(
            "parent",
            f"{parent_bank.label} is of {parent_bank.lot.material.code}, lot {bank.lot.number} of "
            f"{bank.lot.material.code}: a bank is made from a bank of the same cell line or virus",
        )
    if parent_bank.age_unit != bank.age_unit:
        raise InvalidInput(
            "age_unit",
            f"{parent_bank.label} counts cell age in {bank_panel.AGE_UNITS[parent_bank.age_unit]}: "
            "its line counts in one unit",
        )
    if bank.age_at_banking < parent_bank.age_at_banking:
        raise InvalidInput(
            "age_at_banking",
            f"{bank.age_at_banking} is younger than {parent_bank.label} ({parent_bank.age_at_banking}): "
            "cells made from a bank are at least its age",
        )
    return parent_bank
