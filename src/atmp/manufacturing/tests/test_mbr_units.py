"""The parameter units (pure): a fixed list, a symbol accepted for its code, conversions only within a
dimension and exact, °C never converted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from atmp.manufacturing import units


def test_a_code_or_its_symbol_names_the_unit():
    assert units.unit("°C").code == units.unit("Cel").code == "Cel"
    assert units.unit("µg").code == "ug" and units.unit("x10^6 cells").code == "10*6.{cells}"


def test_a_unit_not_in_the_list_is_refused_listing_them():
    with pytest.raises(units.UnitRefused, match="'degC' is not a unit of the list; known: Cel \\(°C\\)"):
        units.unit("degC")


def test_conversions_are_exact_within_a_dimension():
    assert units.convert(Decimal("90"), "min", "h") == Decimal("1.5")
    assert units.convert(Decimal("2.5"), "L", "mL") == Decimal("2500")
    assert units.convert(Decimal("1.2"), "10*6.{cells}/mL", "{cells}/mL") == Decimal("1200000")


@pytest.mark.parametrize(("source", "target"), [("min", "mL"), ("%", "[pH]"), ("{cells}", "{cells}/mL")])
def test_no_conversion_crosses_dimensions(source, target):
    assert not units.convertible(source, target)
    with pytest.raises(units.UnitRefused, match="cannot be converted"):
        units.convert(Decimal(1), source, target)


def test_celsius_converts_only_to_itself():
    assert units.convertible("Cel", "Cel") and units.convert(Decimal("37"), "°C", "Cel") == Decimal("37")
