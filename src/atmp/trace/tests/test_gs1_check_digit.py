"""GS1 keys (GTIN-8/12/13/14, SSCC) and their mod-10 check digit (GS1 General Specifications §7.9).

The published example (REGULATORY.md, GS1's check digit calculator): 629104150021 → 3.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atmp.trace.identifiers import IdentifierError, gs1


def test_the_published_example_gives_3():
    assert gs1.check_digit("629104150021") == 3


def test_twelve_digits_are_a_gtin_13_without_its_check_digit():
    result = gs1.check_key("629104150021")
    assert result.document() == {"check_digit": 3, "valid": True}
    assert (result.key, result.computed, result.complete_key) == ("gtin13", True, "6291041500213")


def test_a_complete_gtin_13_is_checked():
    assert gs1.check_key("6291041500213").document() == {"check_digit": 3, "valid": True}
    wrong = gs1.check_key("6291041500214")
    assert wrong.document() == {"check_digit": 3, "valid": False}
    assert "mod-10" in wrong.refusal() and "GTIN-13" in wrong.refusal()


@pytest.mark.parametrize(
    ("digits", "key", "computed"),
    [
        ("9638507", "gtin8", True),
        ("96385074", "gtin8", False),
        ("03600029145", "gtin12", True),
        ("12345678901", "gtin12", True),
        ("09501101530003", "gtin14", False),
        ("3765432100000009", None, None),  # 16 digits: no GS1 key has that length
        ("34567890123456789", "sscc", True),
        ("345678901234567895", "sscc", False),
    ],
)
def test_the_length_says_which_key_and_whether_the_check_digit_is_there(digits, key, computed):
    if key is None:
        with pytest.raises(IdentifierError) as refused:
            gs1.check_key(digits)
        assert refused.value.field == "gs1" and "8, 12, 13, 14 or 18" in refused.value.rule
        return
    result = gs1.check_key(digits)
    assert (result.key, result.computed) == (key, computed)


def test_a_named_key_resolves_twelve_and_thirteen_digits():
    upc = gs1.check_key("036000291452", key="gtin12")  # a GTIN-12 with its check digit
    assert upc.document() == {"check_digit": 2, "valid": True} and not upc.computed
    assert gs1.check_key("0950110153000", key="gtin14").complete_key == "09501101530003"
    with pytest.raises(IdentifierError) as refused:
        gs1.check_key("0950110153000", key="gtin8")
    assert "7 or 8 digits" in refused.value.rule


@pytest.mark.parametrize("text", ["", "62910415002a", "6291 0415 0021", "٦٢٩١٠٤١٥٠٠٢١"])
def test_anything_but_ascii_digits_is_refused(text):
    with pytest.raises(IdentifierError) as refused:
        gs1.check_key(text)
    assert refused.value.field == "gs1"


def test_an_unknown_key_name_is_refused():
    with pytest.raises(IdentifierError) as refused:
        gs1.check_key("6291041500213", key="isbn")
    assert refused.value.field == "key"


@given(st.sampled_from(sorted(gs1.KEY_LENGTHS)), st.data())
def test_the_check_digit_round_trips(key, data):
    body = data.draw(st.text("0123456789", min_size=gs1.KEY_LENGTHS[key] - 1, max_size=gs1.KEY_LENGTHS[key] - 1))
    computed = gs1.check_key(body, key=key)
    assert computed.computed and computed.valid
    checked = gs1.check_key(computed.complete_key, key=key)
    assert checked.valid and checked.check_digit == computed.check_digit


@given(st.text("0123456789", min_size=13, max_size=13), st.integers(0, 13), st.integers(0, 9))
def test_any_single_digit_error_is_detected(body, position, digit):
    full = body + str(gs1.check_digit(body))
    if full[position] == str(digit):
        return
    altered = full[:position] + str(digit) + full[position + 1 :]
    assert not gs1.check_key(altered, key="gtin14").valid


@given(st.text(max_size=30))
def test_any_text_is_read_or_refused_with_an_identifier_error(text):
    with contextlib.suppress(IdentifierError):
        gs1.check_key(text)
