"""The units of measure lots are counted in: UCUM codes, their dimension and factor, explicit conversions.

Codes are those of the Unified Code for Units of Measure (UCUM, https://ucum.org/ucum), case
sensitive as UCUM's c/s form is ("mL", not "ml"; "ug" for the microgram). Only the codes a site
uses are in the table: a code outside it is refused, listing the known ones, rather than parsed,
so that a typo never becomes a unit.

A conversion happens only where a caller asks for it (a consumption in mL of a lot counted in L),
by the table's factors, exactly (Decimal); two units of different dimensions never convert, and
the refusal names both. Pure Python (no Django): tested and reused alone (DESIGN.md, layers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext

# Three decimal places and fifteen digits in all: the columns that store quantities
# (trace.lot.quantity, trace.use.quantity) hold exactly this, and fifteen significant digits are
# what SQLite, which keeps a decimal as a double, gives back unchanged (a snapshot must read back
# as it was written). A sum of uses converted to the lot's unit is exact Decimal arithmetic.
PLACES = 3
DIGITS = 15
MAX_QUANTITY = Decimal(10) ** (DIGITS - PLACES) - Decimal(1).scaleb(-PLACES)


class UnitError(ValueError):
    """A unit or quantity the table refuses; `field` names the input ("unit" or "quantity")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Unit:
    """A UCUM code, what it measures (its dimension), and its size in the dimension's base unit."""

    code: str
    label: str
    dimension: str
    factor: Decimal


def _units(*rows: tuple[str, str, str, str]) -> dict[str, Unit]:
    return {code: Unit(code, label, dimension, Decimal(factor)) for code, label, dimension, factor in rows}


# The base of each dimension has factor 1: the gram, the litre, one cell, one vial ...
# UCUM makes every annotation ({cells}, {vial}, {bag}) dimensionless, i.e. the unity "1", so by
# UCUM alone 3 {vial} would equal 3 {bag} and 3 {cells}. A lot is counted in one kind of thing,
# so here each annotation is a dimension of its own: a vial is never converted into cells.
UNITS: dict[str, Unit] = _units(
    ("kg", "kilogram", "mass", "1000"),
    ("g", "gram", "mass", "1"),
    ("mg", "milligram", "mass", "0.001"),
    ("ug", "microgram", "mass", "0.000001"),
    ("ng", "nanogram", "mass", "0.000000001"),
    ("L", "litre", "volume", "1"),
    ("mL", "millilitre", "volume", "0.001"),
    ("uL", "microlitre", "volume", "0.000001"),
    ("{cells}", "cells", "cells", "1"),
    ("10*6.{cells}", "million cells", "cells", "1000000"),
    ("10*9.{cells}", "thousand million cells", "cells", "1000000000"),
    ("{vg}", "vector genomes", "vector genomes", "1"),
    ("10*12.{vg}", "10^12 vector genomes", "vector genomes", "1000000000000"),
    ("{vial}", "vials", "vials", "1"),
    ("{bag}", "bags", "bags", "1"),
    ("{ampoule}", "ampoules", "ampoules", "1"),
    ("{kit}", "kits", "kits", "1"),
    ("1", "units (count)", "count", "1"),
    ("[iU]", "international units", "international units", "1"),
    ("k[iU]", "thousand international units", "international units", "1000"),
)


# Dimensions that count containers: an administration gives one of them (one bag, one vial).
CONTAINER_DIMENSIONS = frozenset({"vials", "bags", "ampoules", "kits", "count"})


def is_container(code: str) -> bool:
    """Return True when a unit counts containers (a lot counted in bags or vials is given one at a time)."""
    found = UNITS.get(code)
    return found is not None and found.dimension in CONTAINER_DIMENSIONS


def known() -> str:
    """Return the codes of the table, for a refusal's message."""
    return ", ".join(UNITS)


def unit(code: object, *, field: str = "unit") -> Unit:
    """Return the table's unit of a UCUM code, or refuse a code the site does not use."""
    if not isinstance(code, str) or code not in UNITS:
        raise UnitError(field, f"{code!r} is not a UCUM code this site uses; known: {known()}")
    return UNITS[code]


def convertible(source: str, target: str) -> bool:
    """Return True when both codes are known and measure the same dimension."""
    return source in UNITS and target in UNITS and UNITS[source].dimension == UNITS[target].dimension


def convert(amount: Decimal, source: str, target: str, *, field: str = "unit") -> Decimal:
    """Return the amount in `source` units expressed in `target` units, or refuse across dimensions."""
    src, dst = unit(source, field=field), unit(target, field=field)
    if src.dimension != dst.dimension:
        raise UnitError(
            field,
            f"{source} ({src.dimension}) cannot be converted to {target} ({dst.dimension}): "
            "give the quantity in a unit of the lot's dimension",
        )
    if src.code == dst.code:
        return amount
    with localcontext() as ctx:
        ctx.prec = 60  # exact: the factors are powers of ten and quantities have at most 15 digits
        return amount * src.factor / dst.factor


def quantity(value: object, *, field: str = "quantity") -> Decimal:
    """Return a positive quantity as a Decimal of at most three places, or refuse it naming the field."""
    if isinstance(value, float | bool):
        raise UnitError(field, "give the quantity as decimal text or an integer, not a float")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise UnitError(field, f"{value!r} is not a number") from None
    if not number.is_finite() or number <= 0 or number > MAX_QUANTITY:
        raise UnitError(field, f"must be more than 0 and at most {MAX_QUANTITY.normalize():f}")
    if number != number.quantize(Decimal(1).scaleb(-PLACES)):
        raise UnitError(field, f"at most {PLACES} decimal places")
    return number


def plain(amount: Decimal) -> str:
    """Return the amount as people write it: no exponent, no trailing zeros (40, 0.5, 1500000)."""
    text = f"{amount.normalize():f}"
    return "0" if text in ("-0", "0") else text


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_POWER = re.compile(r"^10[*^](-?\d+)$")
_SPECIAL = {"Cel": "°C", "[g]": "× g", "[iU]": "IU", "k[iU]": "kIU", "1": "units"}
_MICRO = re.compile(r"^u(g|L|mol|m|s|Ci)$")


def _atom(atom: str) -> str:
    if atom in _SPECIAL:
        return _SPECIAL[atom]
    power = _POWER.match(atom)
    if power:
        return "10" + power.group(1).translate(_SUPERSCRIPT)
    if _MICRO.match(atom):
        return "µ" + atom[1:]
    # An annotation ({cells}) or a bracketed unit ([pH], [EU]) reads as its name.
    return re.sub(r"[{}\[\]]", "", atom) or atom


def display(code: str) -> str:
    """Return a UCUM code as people read it (Cel → °C, 10*6.{cells}/mL → 10⁶ cells/mL); the code stays the data."""
    if not code:
        return ""
    if code in _SPECIAL:
        return _SPECIAL[code]
    return "/".join(" ".join(_atom(a) for a in part.split(".")) for part in code.split("/"))
