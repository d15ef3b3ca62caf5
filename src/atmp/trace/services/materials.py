"""The material catalogue: add a material (its code, type, storage and the unit its lots are counted in)."""

from __future__ import annotations

from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.ledger import writer
from atmp.ledger.errors import Conflict
from atmp.quality.services import edits
from atmp.trace.identifiers import IdentifierError, gs1, isbt128
from atmp.trace.models import Material, MaterialType
from atmp.trace.services import checks

# A complete GTIN by its number of digits (GS1 General Specifications §4.2): twelve digits are a
# GTIN-12 here, since a material's GTIN is given whole, with its check digit.
_GTIN_KEYS = {8: "gtin8", 12: "gtin12", 13: "gtin13", 14: "gtin14"}


def add_material(
    *,
    actor: User,
    code: str,
    name: str,
    type: str,
    unit: str,
    storage: str = "",
    gtin: str = "",
    isbt128_product_code: str = "",
    reason: str = "",
) -> Material:
    """Add a material to the catalogue (every site's); its code is what suppliers are qualified for."""
    edits.check_writer(actor, Material)
    material = Material(
        code=checks.code(code, "code", limit=40),
        name=edits.text(name, "name", required=True, limit=200),
        type=edits.choice(type, "type", MaterialType.values),
        storage=edits.text(storage, "storage", limit=200),
        unit=checks.unit(unit),
        gtin=checked_gtin(gtin),
        isbt128_product_code=checked_product_code(isbt128_product_code),
    )
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()  # two clerks adding the same code at once: the second is refused by name, not by the index
        if Material.objects.filter(code=material.code).exists():
            raise Conflict(f"code: material {material.code} is already in the catalogue")
        ch.save(material)
    return material


def find_material(code: str, *, field: str = "material") -> Material:
    """Return the live material of the code, or refuse naming the field."""
    from atmp.accounts.errors import InvalidInput

    found = Material.objects.filter(code=str(code).strip(), voided=False).first()
    if found is None:
        raise InvalidInput(field, f"there is no material {code!r} in the catalogue")
    return found


def set_label_codes(
    *,
    actor: User,
    material: Material,
    reason: str,
    version: int | None = None,
    gtin: str | None = None,
    isbt128_product_code: str | None = None,
) -> Material:
    """Give a material its GTIN or ISBT 128 product code for its lots' labels (blank: remove it)."""
    edits.check_may_edit(actor, material, version=version)
    values: dict[str, Any] = {}
    if gtin is not None:
        values["gtin"] = checked_gtin(gtin)
    if isbt128_product_code is not None:
        values["isbt128_product_code"] = checked_product_code(isbt128_product_code)
    return edits.apply(actor=actor, record=material, values=values, reason=reason)


def checked_gtin(value: Any) -> str:
    """Return a complete GTIN as GTIN-14 (padded with zeros), blank for none, or refuse it naming the rule."""
    digits = edits.text(value, "gtin", limit=14)
    if not digits:
        return ""
    key = _GTIN_KEYS.get(len(digits))
    if key is None or not digits.isdecimal():
        raise InvalidInput("gtin", f"{digits!r}: a GTIN is 8, 12, 13 or 14 digits with its check digit")
    try:
        checked = gs1.check_key(digits, key=key)
    except IdentifierError as exc:
        raise InvalidInput("gtin", exc.rule) from None
    if not checked.valid:
        raise InvalidInput("gtin", checked.refusal().removeprefix("gs1: "))
    return digits.rjust(14, "0")


def checked_product_code(value: Any) -> str:
    """Return an ISBT 128 product code αooootds (ST-001 §2.4.3), blank for none, or refuse it naming the rule."""
    code = edits.text(value, "isbt128_product_code", limit=8)
    if not code:
        return ""
    try:
        isbt128.product_code_structure(code)
    except IdentifierError as exc:
        raise InvalidInput("isbt128_product_code", str(exc)) from None
    return code
