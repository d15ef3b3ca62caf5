"""GS1 element strings as a scanner sends them (GS1 General Specifications §3, §7.8): AIs 01, 10, 17,
21 and others, the group separator after a variable-length field, symbology identifiers, the
human-readable (AI) form; GTIN check digits inside AI 01; dates with day 00."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atmp.trace.identifiers import IdentifierError, gs1

GS = "\x1d"
TODAY = dt.date(2026, 5, 1)
# REGULATORY.md's example: 0109501101530003 17261231 10AB-123 GS 21X7Q
EXAMPLE = "0109501101530003" + "17261231" + "10AB-123" + GS + "21X7Q"
EXPECTED = [
    {"ai": "01", "title": "GTIN", "value": "09501101530003", "date": None},
    {"ai": "17", "title": "USE BY OR EXPIRY", "value": "261231", "date": "2026-12-31"},
    {"ai": "10", "title": "BATCH/LOT", "value": "AB-123", "date": None},
    {"ai": "21", "title": "SERIAL", "value": "X7Q", "date": None},
]


def read(text: str) -> gs1.ElementString:
    return gs1.parse_element_string(text, today=TODAY)


def test_the_published_example_is_read():
    found = read(EXAMPLE)
    assert found.document() == {"symbology_identifier": None, "elements": EXPECTED}
    assert found.value("10") == "AB-123" and found.value("99") is None


@pytest.mark.parametrize(
    ("text", "symbology"),
    [
        ("]d2" + EXAMPLE, "]d2"),  # GS1 DataMatrix
        ("]C1" + EXAMPLE, "]C1"),  # GS1-128
        ("]Q3" + EXAMPLE, "]Q3"),  # GS1 QR Code
        (GS + EXAMPLE, None),  # a leading FNC1 sent as GS
        ("(01)09501101530003(17)261231(10)AB-123(21)X7Q", None),  # the human-readable form
        ("(01) 09501101530003 (17) 261231 (10) AB-123 (21) X7Q", None),
    ],
)
def test_symbology_identifiers_and_the_human_readable_form_are_read(text, symbology):
    found = read(text)
    assert found.symbology_identifier == symbology
    assert found.document()["elements"] == EXPECTED


def test_the_group_separator_ends_a_variable_field_in_any_order():
    found = read("10AB-123" + GS + "21X7Q" + GS + "0109501101530003" + "17261231")
    assert [e.ai for e in found.elements] == ["10", "21", "01", "17"]


def test_day_00_means_the_last_day_of_the_month():
    assert read("17260200").elements[0].date == "2026-02-28"
    assert read("17280200").elements[0].date == "2028-02-29"
    assert read("15261100").elements[0].date == "2026-11-30"


def test_the_century_of_a_date_is_the_one_gs1_s_sliding_window_gives():
    # §7.12: a year 51–99 ahead of this one is in the previous century, 50–99 behind in the next.
    assert gs1.parse_element_string("17760101", today=dt.date(2026, 1, 1)).elements[0].date == "2076-01-01"
    assert gs1.parse_element_string("17770101", today=dt.date(2026, 1, 1)).elements[0].date == "1977-01-01"
    assert gs1.parse_element_string("17000101", today=dt.date(2099, 6, 1)).elements[0].date == "2100-01-01"


def test_the_other_keys_and_quantities_are_read():
    found = read("00345678901234567895" + "0209501101530003" + "3712" + GS + "7003261231235" + "9")
    assert [(e.ai, e.value) for e in found.elements] == [
        ("00", "345678901234567895"),
        ("02", "09501101530003"),
        ("37", "12"),
        ("7003", "2612312359"),
    ]
    assert found.elements[3].date == "2026-12-31T23:59"


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("0109501101530004", "gs1.01", "check digit"),  # GTIN check digit checked inside AI 01
        ("00345678901234567894", "gs1.00", "check digit"),
        ("010950110153000", "gs1.01", "14 digits"),
        ("01095011015300AB", "gs1.01", "14 digits"),
        ("17261331", "gs1.17", "not a date"),
        ("17260230", "gs1.17", "not a date"),
        ("1726123", "gs1.17", "6 digits"),
        ("10" + "A" * 21, "gs1.10", "at most 20"),
        ("10", "gs1.10", "empty"),
        ("10AB 123", "gs1.10", "character ' '"),
        ("10AB-123" + GS + GS + "21X", "gs1", "empty"),
        ("99ABC", "gs1", "application identifier"),
        ("10A" + GS + "10B", "gs1.10", "twice"),
        ("]C0" + EXAMPLE, "gs1", "symbology identifier"),
        ("", "gs1", "empty"),
        ("(01)09501101530003(1", "gs1", "human-readable"),
        ("37123X", "gs1.37", "digits"),
        ("70032612312460", "gs1.7003", "time"),
    ],
)
def test_malformed_element_strings_are_refused_naming_the_ai_and_the_rule(text, field, words):
    with pytest.raises(IdentifierError) as refused:
        read(text)
    assert refused.value.field == field, refused.value
    assert words in refused.value.rule, refused.value.rule


@given(st.text(max_size=60))
def test_any_text_is_read_or_refused_with_an_identifier_error(text):
    with contextlib.suppress(IdentifierError):
        gs1.parse_element_string(text, today=TODAY)


@given(st.text(alphabet="0123456789()]dC12AB-" + GS, max_size=60))
def test_text_that_looks_like_an_element_string_is_read_or_refused_with_an_identifier_error(text):
    with contextlib.suppress(IdentifierError):
        gs1.parse_element_string(text, today=TODAY)
