"""COI codes: the site's scheme, a sequence per site, a check character that catches a typo."""

from __future__ import annotations

import pytest

from atmp.trace import coi


def test_a_coi_is_the_site_a_person_marker_and_a_six_digit_sequence():
    made = coi.make_coi("LEI", 123)
    assert made.startswith("LEI-P-000123")
    assert coi.sequence_of(made) == 123 and coi.is_valid(made)


def test_the_check_character_is_iso_7064_mod_37_2_over_the_letters_and_digits():
    from atmp.trace.identifiers.iso7064 import mod37_2_check_character

    assert coi.make_coi("LEI", 123) == "LEI-P-000123-" + mod37_2_check_character("LEIP000123")


def test_a_wrong_check_character_is_caught():
    assert coi.make_coi("LEI", 123) == "LEI-P-000123-I" and not coi.is_valid("LEI-P-000123-X")


def test_a_mistyped_digit_or_swapped_pair_is_caught():
    made = coi.make_coi("LEI", 123)
    assert not coi.is_valid(made.replace("000123", "000128"))
    assert not coi.is_valid(made.replace("000123", "000213"))


def test_a_coi_says_nothing_but_the_site_and_a_number():
    assert coi.COI.match(coi.make_coi("NL-AMS", 1))


@pytest.mark.parametrize(
    "bad",
    ["", "LEI-000123", "lei-P-000123", "LEI-P-12", "LEI-P-000123", "Jan Jansen", "LEI-P-000123I", "LEI-P-000123-I-"],
)
def test_other_text_is_not_a_coi(bad):
    assert not coi.is_valid(bad) and coi.sequence_of(bad) is None


@pytest.mark.parametrize("sequence", [0, -1, 10**6])
def test_a_sequence_outside_six_digits_is_refused(sequence):
    with pytest.raises(ValueError, match="sequence"):
        coi.make_coi("LEI", sequence)
