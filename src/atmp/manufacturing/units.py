"""The units a master batch record's process parameters and in-process controls are given in.

A fixed, documented list (docs/manufacturing.md), so that batch execution can refuse a value in the
wrong unit or convert it explicitly, never silently (issue 14, "Bad input"). Each unit has a code,
UCUM's where UCUM has one (https://ucum.org/ucum: "Cel", "ug", "[pH]"; an annotation in braces where
it has none, "{rpm}"), the symbol people write (°C, µg, rpm), which is accepted for the code, a
dimension, and its size in the dimension's first unit. Two units convert only within one dimension,
by the table's factors, exactly (Decimal); °C converts to nothing (an offset scale, and the only
temperature unit here). Pure Python (no Django): tested and reused alone (DESIGN.md, layers).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext


class UnitRefused(ValueError):
    """A unit the table does not hold, or a conversion across dimensions."""


@dataclass(frozen=True)
class ParameterUnit:
    """A code, the symbol people write, what it measures, and its size in the dimension's first unit."""

    code: str
    symbol: str
    dimension: str
    factor: Decimal


def _table(*rows: tuple[str, str, str, str]) -> dict[str, ParameterUnit]:
    return {code: ParameterUnit(code, symbol, dimension, Decimal(factor)) for code, symbol, dimension, factor in rows}


UNITS: dict[str, ParameterUnit] = _table(
    ("Cel", "°C", "temperature", "1"),
    ("s", "s", "time", "1"),
    ("min", "min", "time", "60"),
    ("h", "h", "time", "3600"),
    ("d", "d", "time", "86400"),
    ("L", "L", "volume", "1"),
    ("mL", "mL", "volume", "0.001"),
    ("uL", "µL", "volume", "0.000001"),
    ("kg", "kg", "mass", "1000"),
    ("g", "g", "mass", "1"),
    ("mg", "mg", "mass", "0.001"),
    ("ug", "µg", "mass", "0.000001"),
    ("{rpm}", "rpm", "rotation", "1"),
    ("[g]", "× g", "relative centrifugal force", "1"),
    ("%", "%", "fraction", "1"),
    ("[pH]", "pH", "pH", "1"),
    ("{cells}/mL", "cells/mL", "cell concentration", "1"),
    ("10*6.{cells}/mL", "x10^6 cells/mL", "cell concentration", "1000000"),
    ("{cells}", "cells", "cells", "1"),
    ("10*6.{cells}", "x10^6 cells", "cells", "1000000"),
    ("{vg}/mL", "vg/mL", "vector genome concentration", "1"),
    ("10*12.{vg}/mL", "x10^12 vg/mL", "vector genome concentration", "1000000000000"),
    ("{vg}/{cell}", "vg/cell", "vector genomes per cell", "1"),
    ("mg/mL", "mg/mL", "mass concentration", "1"),
    ("ug/mL", "µg/mL", "mass concentration", "0.001"),
    ("g/L", "g/L", "mass concentration", "1"),
    ("mmol/L", "mmol/L", "molar concentration", "1"),
    ("mL/min", "mL/min", "flow", "1"),
    ("L/min", "L/min", "flow", "1000"),
    ("bar", "bar", "pressure", "1"),
    ("mbar", "mbar", "pressure", "0.001"),
    ("mS/cm", "mS/cm", "conductivity", "1"),
    ("mOsm/kg", "mOsm/kg", "osmolality", "1"),
    ("[EU]/mL", "EU/mL", "endotoxin", "1"),
    ("{ratio}", "ratio", "ratio", "1"),
    ("{count}", "count", "count", "1"),
    # In-vitro cell age (ICH Q5D Glossary): a parameter in one of these is a step's cell age, checked
    # against the limit of the bank the batch's cells came from (services.batch_entries, cell_age_rule).
    ("{passage}", "passage", "in-vitro cell age (passages)", "1"),
    ("{PDL}", "PDL", "in-vitro cell age (population doublings)", "1"),
)
# The cell age units, and the trace bank's age unit each counts (atmp.trace.bank_panel.AGE_UNITS).
CELL_AGE_UNITS: dict[str, str] = {"{passage}": "passages", "{PDL}": "pdl"}

_BY_SYMBOL = {u.symbol: u for u in UNITS.values()}


def known() -> str:
    """Return the table's codes with their symbols, for a refusal's message."""
    return ", ".join(u.code if u.symbol == u.code else f"{u.code} ({u.symbol})" for u in UNITS.values())


def unit(value: object) -> ParameterUnit:
    """Return the unit of a code or of its symbol, or refuse one the table does not hold."""
    if isinstance(value, str):
        found = UNITS.get(value.strip()) or _BY_SYMBOL.get(value.strip())
        if found is not None:
            return found
    raise UnitRefused(f"{value!r} is not a unit of the list; known: {known()}")


def convertible(source: str, target: str) -> bool:
    """Return True when both are units of the table measuring the same dimension (°C only to itself)."""
    try:
        a, b = unit(source), unit(target)
    except UnitRefused:
        return False
    return a.dimension == b.dimension and (a.dimension != "temperature" or a.code == b.code)


def convert(amount: Decimal, source: str, target: str) -> Decimal:
    """Return the amount given in `source` in `target` units, or refuse across dimensions."""
    a, b = unit(source), unit(target)
    if not convertible(a.code, b.code):
        raise UnitRefused(f"{a.symbol} ({a.dimension}) cannot be converted to {b.symbol} ({b.dimension})")
    if a.code == b.code:
        return amount
    with localcontext() as ctx:
        ctx.prec = 60
        return amount * a.factor / b.factor
