"""ISBT 128 donation identification numbers and their ISO/IEC 7064 MOD 37-2 check character.

The published example (REGULATORY.md; the UK Red Book, Annex 2, worked example): G123498654321 → H.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atmp.trace.identifiers import IdentifierError, isbt128, iso7064

CHECK_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
FIRST = "ABCDEFGHIJKLMNPQRSTUVWXYZ123456789"  # A–N, P–Z, 1–9
FACILITY_ALNUM = "ABCDEFGHIJKLMNPQRSTUVWXYZ0123456789"  # A–N, P–Z, 0–9
DIGITS = "0123456789"


def dins() -> st.SearchStrategy[str]:
    """Return DINs of ST-001's structure: αpppp (FIN), yy, nnnnnn."""
    return st.builds(
        lambda a, p12, p34, yy, n: a + p12 + p34 + yy + n,
        st.sampled_from(FIRST),
        st.text(FACILITY_ALNUM, min_size=2, max_size=2),
        st.text(DIGITS, min_size=2, max_size=2),
        st.text(DIGITS, min_size=2, max_size=2),
        st.text(DIGITS, min_size=6, max_size=6),
    )


def test_the_published_example_gives_h():
    assert isbt128.check_character("G123498654321") == "H"
    assert iso7064.mod37_2_checksum("G123498654321") == 17  # Red Book Table A2.2: checksum 17


def test_a_thirteen_character_din_gets_its_check_character_computed():
    result = isbt128.check_din("G123498654321")
    assert result.document() == {"din": "G123498654321", "check_character": "H", "valid": True}
    assert not result.checked


def test_a_fourteen_character_din_has_its_check_character_checked():
    assert isbt128.check_din("G123498654321H").document() == {
        "din": "G123498654321",
        "check_character": "H",
        "valid": True,
    }
    wrong = isbt128.check_din("G123498654321J")
    assert wrong.checked and not wrong.valid
    assert wrong.document() == {"din": "G123498654321", "check_character": "H", "valid": False}
    assert "MOD 37-2" in wrong.refusal() and "'J'" in wrong.refusal() and "'H'" in wrong.refusal()


def test_the_eye_readable_form_with_spaces_is_read():
    assert isbt128.check_din("G1234 98 654321 H").valid


def test_the_scanned_data_structure_checks_type_3_flag_characters():
    # ST-001 Table 3: flags 60–96 carry 60 + the MOD 37-2 checksum (17 → 77).
    assert isbt128.check_din("=G12349865432177").valid
    assert not isbt128.check_din("=G12349865432176").valid
    # Flags 00 (none) and 01 (container 1 of a set) check nothing: the character is computed.
    assert isbt128.check_din("=G12349865432100").document()["check_character"] == "H"
    assert isbt128.check_din("=G12349865432101").valid


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("G12349865432", "din", "13 characters"),
        ("G1234986543210HH", "din", "13 characters"),
        ("O123498654321", "din.facility", "A–N, P–Z or 1–9"),
        ("0123498654321", "din.facility", "A–N, P–Z or 1–9"),
        ("g123498654321", "din.facility", "A–N, P–Z or 1–9"),
        ("G1O3498654321", "din.facility", "A–N, P–Z or 0–9"),
        ("G12A498654321", "din.facility", "digits"),
        ("G1234X8654321", "din.year", "two digits"),
        ("G12349865432A", "din.sequence", "six digits"),
        ("G123498654321h", "din.check_character", "0–9, A–Z or *"),
        ("=G123498654321", "din", "=αppppyynnnnnnff"),
        ("=G123498654321IO", "din.flags", "flag characters"),
        ("", "din", "13 characters"),
    ],
)
def test_a_malformed_din_is_refused_naming_the_part_and_the_rule(text, field, words):
    with pytest.raises(IdentifierError) as refused:
        isbt128.check_din(text)
    assert refused.value.field == field
    assert words in refused.value.rule, refused.value.rule
    assert str(refused.value).startswith(f"{field}: ")


@given(dins())
def test_the_check_character_round_trips(din):
    k = isbt128.check_character(din)
    assert k in CHECK_ALPHABET
    assert isbt128.check_din(din + k).valid
    assert iso7064.mod37_2_valid(din + k)


@given(dins(), st.integers(min_value=0, max_value=13), st.sampled_from(CHECK_ALPHABET))
def test_any_single_character_substitution_is_detected(din, position, replacement):
    full = din + isbt128.check_character(din)
    if full[position] == replacement or (position < 13 and replacement == "*"):
        return  # not a substitution, or not a character a DIN can hold
    altered = full[:position] + replacement + full[position + 1 :]
    assert not iso7064.mod37_2_valid(altered)


@given(dins(), st.integers(min_value=0, max_value=12))
def test_any_swap_of_two_adjacent_characters_is_detected(din, position):
    full = list(din + isbt128.check_character(din))
    if full[position] == full[position + 1]:
        return
    full[position], full[position + 1] = full[position + 1], full[position]
    assert not iso7064.mod37_2_valid("".join(full))


@given(st.text(max_size=40))
def test_any_text_is_read_or_refused_with_an_identifier_error(text):
    try:
        result = isbt128.check_din(text)
    except IdentifierError:
        return
    assert len(result.din) == 13 and result.check_character in CHECK_ALPHABET
