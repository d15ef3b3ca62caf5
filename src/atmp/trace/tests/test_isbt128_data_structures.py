"""ISBT 128 data structures as a scanner sends them (ICCBBA ST-001 v6.2.2, §2.4 and its reference tables)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atmp.trace.identifiers import IdentifierError, isbt128

SEC = "NL000123G123498654321A123456700120261231"  # 21 + 19 characters, no space (Data Structure 038)


def one(text: str) -> isbt128.DataStructure:
    found = isbt128.read_data_structures(text)
    assert len(found) == 1, found
    return found[0]


def test_the_donation_identification_number_with_its_flags():
    ds = one("=G12349865432101")
    assert (ds.number, ds.name, ds.data_identifier) == ("001", "Donation Identification Number", "=G")
    assert ds.fields == {
        "din": "G123498654321",
        "facility": "G1234",
        "year": "98",
        "sequence": "654321",
        "flags": "01",
        "flag_meaning": "Container 1 of a set",
        "check_character": "H",
    }


def test_type_3_flag_characters_must_match_the_check_character():
    assert one("=G12349865432177").fields["flag_meaning"].startswith("ISO/IEC 7064 modulo 37-2")
    with pytest.raises(IdentifierError) as refused:
        isbt128.read_data_structures("=G12349865432170")
    assert refused.value.field == "isbt128.001.flags"
    assert "77" in refused.value.rule


def test_locally_defined_flags_are_not_interpreted():
    assert "local" in one("=G12349865432125").fields["flag_meaning"]


def test_the_product_code_of_an_autologous_cellular_therapy_product():
    ds = one("=<S12951A0")
    assert (ds.number, ds.name) == ("003", "Product Code")
    assert ds.fields == {
        "product_description_code": "S1295",
        "product_type": "Cellular Therapy products",
        "collection_type": "1",
        "collection_type_meaning": "For autologous use only",
        "division": "A0",
    }


def test_a_tissue_product_code_has_a_three_character_division():
    ds = one("=<T1295003")
    assert ds.fields["product_type"] == "Tissue products"
    assert ds.fields["division"] == "003" and ds.fields["collection_type"] is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("=<s12951A0", "isbt128.003.product_description_code"),
        ("=<S12959A0", "isbt128.003.collection_type"),  # 9 is not in Table 7
        ("=<S12951a0", "isbt128.003.division"),  # d is a capital letter or a digit
        ("=<S12951AA", "isbt128.003.division"),  # s is a small letter or a digit
        ("=<S1295", "isbt128.003"),
    ],
)
def test_a_malformed_product_code_is_refused(text, field):
    with pytest.raises(IdentifierError) as refused:
        isbt128.read_data_structures(text)
    assert refused.value.field == field


def test_the_expiration_date_and_time():
    ds = one("&>0263651330")
    assert (ds.number, ds.name) == ("005", "Expiration Date and Time")
    assert ds.fields == {"date": "2026-12-31", "time": "13:30"}
    assert one("&>0240602359").fields["date"] == "2024-02-29"  # a leap year's day 60


@pytest.mark.parametrize("text", ["&>0253660000", "&>0260002359", "&>0260012400", "&>0260010060", "&>026001"])
def test_an_impossible_expiration_date_or_time_is_refused(text):
    with pytest.raises(IdentifierError) as refused:
        isbt128.read_data_structures(text)
    assert refused.value.field.startswith("isbt128.005")


def test_the_dates_without_a_time():
    assert one("=>026001").fields == {"date": "2026-01-01"}
    assert one("=*025200").name == "Collection Date"


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("=%5100", {"abo_rhd": "O RhD positive", "intended_use": "Default: intended use not specified"}),
        ("=%9700", {"abo_rhd": "O RhD negative", "intended_use": "For autologous use only"}),
        ("=%0600", {"abo_rhd": "A RhD negative", "intended_use": "Default: intended use not specified"}),
        ("=%8400", {"abo_rhd": "AB RhD positive", "intended_use": "Default: intended use not specified"}),
        ("=%8800", {"abo_rhd": "AB", "intended_use": "Default: intended use not specified"}),
        ("=%P800", {"abo_rhd": "O", "intended_use": "For autologous use only"}),
        ("=%D600", {"abo_rhd": "para-Bombay, RhD negative", "intended_use": "Default: intended use not specified"}),
        ("=%I000", {"abo_rhd": "A1", "intended_use": None}),
        ("=%Ma00", {"special_message": "Autologous collection"}),
        ("=%0000", {"special_message": "No ABO or Rh information is available"}),
    ],
)
def test_blood_groups_are_read_from_tables_4_and_5(text, fields):
    ds = one(text)
    assert ds.number == "002"
    for key, value in fields.items():
        assert ds.fields[key] == value, (key, ds.fields)


def test_the_rh_and_kell_phenotype_is_read_from_table_6():
    ds = one("=%51E0")  # E: K negative, C−, c+, E+, e+ (ST-001's own example)
    assert ds.fields["kell"] == "negative"
    assert ds.fields["phenotype"] == {"C": "negative", "c": "positive", "E": "positive", "e": "positive"}
    assert one("=%51V0").fields["mia_mur"] == "positive"


def test_an_unknown_blood_group_code_is_refused():
    with pytest.raises(IdentifierError) as refused:
        isbt128.read_data_structures("=%Zz00")
    assert refused.value.field == "isbt128.002.abo_rhd"


def test_the_single_european_code_structure_is_checked_as_an_sec():
    ds = one("&,4" + SEC)
    assert ds.number == "038"
    assert ds.fields["valid"] is True and ds.fields["fields"]["country"] == "NL"


def test_the_chain_of_identity_identifier():
    ds = one("&/CHA999926AB12C4")
    assert (ds.number, ds.name) == ("040", "Chain of Identity Identifier")
    assert ds.fields == {"facility": "A9999", "year": "26", "sequence": "AB12C4"}


def test_a_scanner_s_concatenated_structures_are_read_in_order():
    found = isbt128.read_data_structures("]C4=G12349865432100=<S12951A0")
    assert [d.number for d in found] == ["001", "003"]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "isbt128"),
        ("=G1234986543", "isbt128.001"),
        ("&(12345", "isbt128"),  # Special Testing: General is a real structure atmp does not read
        ("X12345", "isbt128"),
        ("=G12349865432100junk", "isbt128"),
    ],
)
def test_what_atmp_cannot_read_is_refused_naming_the_rule(text, field):
    with pytest.raises(IdentifierError) as refused:
        isbt128.read_data_structures(text)
    assert refused.value.field == field


@given(st.text(max_size=60))
def test_any_text_is_read_or_refused_with_an_identifier_error(text):
    with contextlib.suppress(IdentifierError):
        isbt128.read_data_structures(text)


@given(st.text(alphabet="=&<>%*},/CH0123456789ABGSTa", max_size=40))
def test_text_that_looks_like_isbt_128_is_read_or_refused_with_an_identifier_error(text):
    with contextlib.suppress(IdentifierError):
        isbt128.read_data_structures(text)
