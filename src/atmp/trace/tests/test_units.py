"""UCUM units of measure: the site's table, explicit conversions, refusals naming both units."""

from __future__ import annotations

from decimal import Decimal

import pytest

from atmp.trace import units
from atmp.trace.units import UnitError


def test_a_consumption_in_millilitres_of_a_lot_counted_in_litres_converts_by_the_table():
    assert units.convert(Decimal("250"), "mL", "L") == Decimal("0.25")
    assert units.convert(Decimal("0.25"), "L", "uL") == Decimal("250000")


def test_mass_converts_across_prefixes_exactly():
    assert units.convert(Decimal("1.5"), "kg", "mg") == Decimal("1500000")
    assert units.convert(Decimal("3"), "ug", "g") == Decimal("0.000003")


def test_cells_convert_between_plain_and_powers_of_ten():
    assert units.convert(Decimal("2.5"), "10*6.{cells}", "{cells}") == Decimal("2500000")
    assert units.convert(Decimal("300000000"), "{cells}", "10*9.{cells}") == Decimal("0.3")


def test_the_same_unit_converts_to_itself():
    assert units.convert(Decimal("7.125"), "{vial}", "{vial}") == Decimal("7.125")


def test_it_refuses_mass_against_volume_naming_both_units():
    with pytest.raises(UnitError, match=r"mg.*mL") as refused:
        units.convert(Decimal("1"), "mg", "mL")
    assert refused.value.field == "unit"


def test_annotations_are_not_interchangeable_although_ucum_makes_them_all_dimensionless():
    with pytest.raises(UnitError, match=r"\{vial\}.*\{bag\}"):
        units.convert(Decimal("1"), "{vial}", "{bag}")
    with pytest.raises(UnitError):
        units.convert(Decimal("1"), "{cells}", "1")


def test_an_unknown_code_is_refused_listing_the_known_ones():
    with pytest.raises(UnitError, match="'ml' is not a UCUM code this site uses.*mL"):
        units.unit("ml")


def test_codes_are_case_sensitive_as_ucum_is():
    assert units.unit("mL").dimension == units.unit("L").dimension
    with pytest.raises(UnitError):
        units.unit("ML")


def test_international_units_have_their_own_dimension():
    assert units.convert(Decimal("2"), "k[iU]", "[iU]") == Decimal("2000")
    with pytest.raises(UnitError):
        units.convert(Decimal("1"), "[iU]", "mg")


def test_every_code_in_the_table_is_its_own_key_and_has_a_positive_factor():
    for code, unit in units.UNITS.items():
        assert unit.code == code and unit.factor > 0


def test_convertible_says_whether_two_codes_share_a_dimension():
    assert units.convertible("mL", "L") and not units.convertible("mL", "mg")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10", Decimal("10")),
        ("0.001", Decimal("0.001")),
        ("999999999999.999", Decimal("999999999999.999")),
        (3, Decimal("3")),
    ],
)
def test_a_quantity_is_a_decimal(text, expected):
    assert units.quantity(text) == expected


@pytest.mark.parametrize("bad", ["", "ten", "1e400", "1e12", "NaN", "-1", "0", "1.0001", 1.5, True, "Infinity", None])
def test_it_refuses_a_quantity_that_is_not_a_positive_decimal_of_three_places(bad):
    with pytest.raises(UnitError) as refused:
        units.quantity(bad)
    assert refused.value.field == "quantity"


@pytest.mark.parametrize(("amount", "text"), [("40.000", "40"), ("5E+1", "50"), ("0.500", "0.5"), ("0.000", "0")])
def test_an_amount_is_written_plainly(amount, text):
    assert units.plain(Decimal(amount)) == text
