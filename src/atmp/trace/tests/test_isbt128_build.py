"""Building ISBT 128 data structures for a label: each reads back with the scanner's reader; a compound
message (Data Structure 023) announces how many structures follow it, and a wrong count is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.trace.identifiers import IdentifierError, isbt128


def test_the_structures_of_a_label_read_back():
    din = isbt128.din_structure("G123498654321")
    code = isbt128.product_code_structure("S1295100")
    expiry = isbt128.expiration_date_structure(dt.date(2026, 12, 31))
    assert (din, code, expiry) == ("=G12349865432100", "=<S1295100", "=>026365")
    read = isbt128.read_data_structures(din + code + expiry)
    assert [s.number for s in read] == ["001", "003", "004"]
    assert read[0].fields["din"] == "G123498654321" and read[2].fields["date"] == "2026-12-31"


def test_a_compound_message_carries_its_count_and_reference():
    message = isbt128.compound_message(["=G12349865432100", "=>026365"])
    assert message == "=+02000=G12349865432100=>026365"
    head = isbt128.read_data_structures(message)[0]
    assert (head.number, head.name, head.fields) == ("023", "Compound Message", {"structures": 2, "reference": "000"})


@pytest.mark.parametrize(
    ("scan", "field", "rule"),
    [
        ("=+03000=G12349865432100=>026365", "isbt128.023.structures", "announces 3 data structures; 2 follow"),
        ("=+00000", "isbt128.023.structures", "at least 01"),
        ("=+0a000=G12349865432100", "isbt128.023", "five digits"),
    ],
)
def test_a_compound_message_that_does_not_hold_is_refused(scan, field, rule):
    with pytest.raises(IdentifierError, match=rule) as refused:
        isbt128.read_data_structures(scan)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("call", "rule"),
    [
        (lambda: isbt128.din_structure("O123498654321"), "starts with A–N, P–Z or 1–9"),
        (lambda: isbt128.din_structure("G123498654321", "O0"), "flag characters"),
        (lambda: isbt128.product_code_structure("S1295"), "8 characters"),
        (lambda: isbt128.product_code_structure("S12959A0"), "not a type of collection"),
        (lambda: isbt128.expiration_date_structure(dt.date(1999, 1, 1)), "2000–2999"),
        (lambda: isbt128.compound_message([]), "1–99 structures"),
    ],
)
def test_what_no_structure_can_carry_is_refused(call, rule):
    with pytest.raises(IdentifierError, match=rule):
        call()


def test_the_first_day_of_2000_and_a_leap_day():
    assert isbt128.expiration_date_structure(dt.date(2000, 1, 1)) == "=>000001"
    assert isbt128.expiration_date_structure(dt.date(2024, 12, 31)) == "=>024366"
    assert isbt128.eye_readable_din("G123498654321") == "G1234 98 654321"
