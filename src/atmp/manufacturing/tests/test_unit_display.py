"""Units shown as people read them: every UCUM code of both tables has a display, the code stays the data."""

from __future__ import annotations

import pytest

from atmp.manufacturing import units as manufacturing_units
from atmp.trace import units
from atmp.trace.units import display


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("Cel", "°C"),
        ("10*6.{cells}/mL", "10⁶ cells/mL"),
        ("10*6.{cells}", "10⁶ cells"),
        ("10*9.{cells}", "10⁹ cells"),
        ("10*12.{vg}/mL", "10¹² vg/mL"),
        ("10*-3", "10⁻³"),
        ("{cells}/mL", "cells/mL"),
        ("{vg}/{cell}", "vg/cell"),
        ("[pH]", "pH"),
        ("[g]", "× g"),
        ("[EU]/mL", "EU/mL"),
        ("[iU]", "IU"),
        ("k[iU]", "kIU"),
        ("{vial}", "vial"),
        ("{ratio}", "ratio"),
        ("{count}", "count"),
        ("{rpm}", "rpm"),
        ("ug", "µg"),
        ("uL", "µL"),
        ("ug/mL", "µg/mL"),
        ("umol/L", "µmol/L"),
        ("mL", "mL"),
        ("mS/cm", "mS/cm"),
        ("%", "%"),
        ("1", "units"),
        ("", ""),
    ],
)
def test_a_code_is_shown_as_people_write_it(code, shown):
    assert display(code) == shown


def test_a_code_outside_the_tables_is_shown_as_given_rather_than_guessed():
    assert display("degF") == "degF" and display("min") == "min" and display("u") == "u"


def test_every_code_of_both_tables_shows_no_ucum_syntax():
    codes = set(units.UNITS) | set(manufacturing_units.UNITS)
    for code in codes:
        shown = display(code)
        assert shown and not any(mark in shown for mark in "{}[]*"), (code, shown)


def test_the_display_agrees_with_the_symbol_the_unit_table_accepts_where_it_has_one():
    for u in manufacturing_units.UNITS.values():
        if not u.code.startswith("10*"):  # the table accepts "x10^6 cells" typed; the display shows 10⁶
            assert display(u.code) == u.symbol, u.code
