"""The units a specification's attribute is reported in: UCUM codes (pure, no Django).

The lots' table (atmp.trace.units) is reused as it is; a QC result also needs concentrations and
dimensionless quantities a lot is never counted in, so this adds them, each a UCUM c/s code
(https://ucum.org/ucum): a percentage, the pH (UCUM "[pH]"), osmolality, endotoxin units (Ph. Eur.
2.6.14 reports EU; UCUM writes the unit as the arbitrary "[EU]"), vector genomes and cells per
millilitre, and mass per dose or per mL. A code outside both tables is refused, listing them.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

from atmp.trace.units import UNITS as LOT_UNITS
from atmp.trace.units import UnitError

__all__ = ["LAB_UNITS", "check", "convert", "convertible"]

LAB_UNITS: dict[str, str] = {
    "%": "percent",
    "[pH]": "pH",
    "mosm/kg": "milliosmole per kilogram",
    "[EU]/mL": "endotoxin units per millilitre",
    "[EU]/kg": "endotoxin units per kilogram",
    "{vg}/mL": "vector genomes per millilitre",
    "{cp}/mL": "capsid particles per millilitre",
    "{cells}/mL": "cells per millilitre",
    "ng/mL": "nanogram per millilitre",
    "pg/mL": "picogram per millilitre",
    "ug/mL": "microgram per millilitre",
    "mg/mL": "milligram per millilitre",
    "ng/{dose}": "nanogram per dose",
    "[CFU]/mL": "colony-forming units per millilitre",
    "{IU}/mL": "infectious units per millilitre",
}


def known() -> str:
    """Return the codes a result may be reported in, for a refusal's message."""
    return ", ".join([*LAB_UNITS, *LOT_UNITS])


def check(code: object, *, field: str = "unit") -> str:
    """Return the UCUM code, '' for none, or refuse a code neither table holds (UnitError naming the field)."""
    if code is None or code == "":
        return ""
    if isinstance(code, str) and (code in LAB_UNITS or code in LOT_UNITS):
        return code
    raise UnitError(field, f"{code!r} is not a UCUM code the laboratory uses; known: {known()}")


def label(code: str) -> str:
    """Return the unit's readable name (the code itself when unknown)."""
    if code in LAB_UNITS:
        return LAB_UNITS[code]
    found = LOT_UNITS.get(code)
    return found.label if found else code


# Units of the laboratory's table that convert into each other: (dimension, factor to its base).
# Mass concentrations only (exact powers of ten); every other lab code is a dimension of its own.
_LAB_DIMENSIONS: dict[str, tuple[str, str]] = {
    "pg/mL": ("mass concentration", "0.000000000001"),
    "ng/mL": ("mass concentration", "0.000000001"),
    "ug/mL": ("mass concentration", "0.000001"),
    "mg/mL": ("mass concentration", "0.001"),
}


def convertible(source: str, target: str) -> bool:
    """Return True when a value in `source` may be converted to `target` (same dimension in one table)."""
    from atmp.trace.units import convertible as lot_convertible

    if source == target:
        return True
    if source in _LAB_DIMENSIONS and target in _LAB_DIMENSIONS:
        return _LAB_DIMENSIONS[source][0] == _LAB_DIMENSIONS[target][0]
    return lot_convertible(source, target)


def convert(amount: Decimal, source: str, target: str, *, field: str = "unit") -> Decimal:
    """Return the amount in `source` expressed in `target`, exactly, or refuse ('wrong unit')."""
    from atmp.trace.units import convert as lot_convert

    if source == target:
        return amount
    if not convertible(source, target):
        raise UnitError(field, f"wrong unit: {source} cannot be converted to {target}")
    if source in _LAB_DIMENSIONS:
        with localcontext() as ctx:
            ctx.prec = 60  # exact: the factors are powers of ten
            return amount * Decimal(_LAB_DIMENSIONS[source][1]) / Decimal(_LAB_DIMENSIONS[target][1])
    return lot_convert(amount, source, target, field=field)
