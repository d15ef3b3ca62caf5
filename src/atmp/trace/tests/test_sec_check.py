"""The EU Single European Code (Directive 2006/86/EC Annex VII, as amended by (EU) 2015/565): structure
and field checks; every error names the field and the rule, and the fields read are returned."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atmp.trace.identifiers import sec

DONATION = "NL000123G123498654321"  # NL + tissue establishment 000123 + unique donation number (a DIN)
PRODUCT = "A1234567001" + "20261231"  # ISBT 128 + product number + split 001 + expiry


def test_a_well_formed_code_is_valid_and_its_fields_are_returned():
    result = sec.check_sec(f"SEC {DONATION} {PRODUCT}")
    assert result.valid and result.errors == []
    assert result.fields == {
        "donation_identification_sequence": DONATION,
        "eu_tissue_establishment_code": "NL000123",
        "country": "NL",
        "tissue_establishment_number": "000123",
        "unique_donation_number": "G123498654321",
        "product_identification_sequence": PRODUCT,
        "product_code": "A1234567",
        "coding_system": "A",
        "coding_system_name": "ISBT 128",
        "product_number": "1234567",
        "split_number": "001",
        "expiry_date": "2026-12-31",
    }
    assert result.document() == {"valid": True, "errors": [], "fields": result.fields}


@pytest.mark.parametrize(
    "text",
    [
        f"{DONATION} {PRODUCT}",  # without the letters SEC
        f"SEC: {DONATION} {PRODUCT}",
        f"SEC {DONATION}\n{PRODUCT}",  # printed on two lines
        f"SEC\n{DONATION}\r\n{PRODUCT}\n",
        DONATION + PRODUCT,  # 40 characters, as ISBT 128 Data Structure 038 carries it
    ],
)
def test_the_printed_and_scanned_forms_are_read(text):
    result = sec.check_sec(text)
    assert result.valid, result.errors


def test_no_expiry_date_is_eight_zeros():
    result = sec.check_sec(f"{DONATION} E0000012000" + "00000000")
    assert result.valid and result.fields["expiry_date"] is None
    assert result.fields["coding_system_name"] == "EUTC"


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        (f"XX000123G123498654321 {PRODUCT}", "country", "EU or EEA"),
        (f"nl000123G123498654321 {PRODUCT}", "country", "two capital letters"),
        (f"NL0001-3G123498654321 {PRODUCT}", "tissue_establishment_number", "6 letters or digits"),
        (f"NL000123G12349865432/ {PRODUCT}", "unique_donation_number", "13 letters or digits"),
        (f"{DONATION} X123456700120261231", "coding_system", "E (EUTC), A (ISBT 128) or B (Eurocode)"),
        (f"{DONATION} A12345.700120261231", "product_number", "7 letters or digits"),
        (f"{DONATION} A12345670 120261231", "sec", "found 3 parts"),
        (f"{DONATION} A1234567001202612AB", "expiry_date", "YYYYMMDD"),
        (f"{DONATION} A123456700120260230", "expiry_date", "not a date"),
        (f"NL000123G12349865432 {PRODUCT}", "donation_identification_sequence", "21 characters"),
        (f"{DONATION} A12345670012026123", "product_identification_sequence", "19 characters"),
        (f"{DONATION}  {PRODUCT}", "separator", "one space or a line break"),
        ("", "sec", "donation identification sequence"),
        (DONATION + PRODUCT + "0", "sec", "41 characters"),
    ],
)
def test_each_error_names_the_field_and_the_rule(text, field, words):
    result = sec.check_sec(text)
    assert not result.valid
    matching = [e for e in result.errors if e.startswith(f"{field}: ")]
    assert matching, result.errors
    assert any(words in e for e in matching), matching


def test_every_error_is_listed_not_only_the_first():
    result = sec.check_sec("SEC XX0001-3G123498654321 X123456700120260230")
    fields = [e.split(":")[0] for e in result.errors]
    assert fields == ["country", "tissue_establishment_number", "coding_system", "expiry_date"]
    assert result.fields["country"] == "XX"  # what was read is returned, valid or not


@given(st.text(max_size=60))
def test_any_text_gets_an_answer_never_an_exception(text):
    result = sec.check_sec(text)
    assert result.valid == (result.errors == [])
