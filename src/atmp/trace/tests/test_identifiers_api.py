"""/api/v1/trace/identifiers/…: the CLI's documents; 400 naming the parameter and the rule; reads only."""

from __future__ import annotations

import pytest

from atmp.testing import ApiClient, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(inspector):
    return ApiClient(token_for(inspector))  # read-only: the inspector may check identifiers too


def test_the_din_check_character_is_computed_and_checked(api):
    computed = api.get("/trace/identifiers/isbt128", din="G123498654321")
    assert computed.status_code == 200
    assert computed.json() == {"din": "G123498654321", "check_character": "H", "valid": True}
    assert api.get("/trace/identifiers/isbt128", din="G123498654321H").json()["valid"] is True


def test_a_wrong_check_character_is_a_400_naming_the_rule(api):
    wrong = api.get("/trace/identifiers/isbt128", din="G123498654321J")
    assert wrong.status_code == 400
    assert wrong.json()["field"] == "din"
    assert wrong.json()["detail"].startswith("din.check_character: 'J' is not the check character")


def test_a_malformed_din_is_a_400_naming_the_part(api):
    answer = api.get("/trace/identifiers/isbt128", din="O123498654321")
    assert answer.status_code == 400
    assert answer.json() == {
        "detail": "din.facility: character 1 'O': the facility identification number starts with A–N, P–Z or 1–9",
        "field": "din",
    }


def test_isbt128_data_structures_are_read(api):
    answer = api.get("/trace/identifiers/isbt128/parse", data="=G12349865432177=%9700")
    assert answer.status_code == 200
    first, second = answer.json()["structures"]
    assert first["fields"]["din"] == "G123498654321" and first["data_identifier"] == "=G"
    assert second["fields"]["intended_use"] == "For autologous use only"
    refused = api.get("/trace/identifiers/isbt128/parse", data="=G12349865432170")
    assert refused.status_code == 400 and refused.json()["detail"].startswith("isbt128.001.flags: ")


def test_an_sec_s_errors_are_its_answer(api):
    answer = api.get("/trace/identifiers/sec", code="SEC XX000123G123498654321 A123456700120261231")
    assert answer.status_code == 200
    assert answer.json()["valid"] is False
    assert answer.json()["errors"] == ["country: 'XX' is not the ISO 3166-1 code of an EU or EEA state"]


def test_the_gs1_check_digit_is_computed_and_checked(api):
    assert api.get("/trace/identifiers/gs1", digits="629104150021").json() == {"check_digit": 3, "valid": True}
    assert api.get("/trace/identifiers/gs1", digits="036000291452", key="gtin12").json()["valid"] is True
    wrong = api.get("/trace/identifiers/gs1", digits="6291041500214")
    assert wrong.status_code == 400 and wrong.json()["field"] == "digits"
    assert api.get("/trace/identifiers/gs1", digits="629104150021", key="isbn").status_code == 400


def test_a_scanned_element_string_is_read_with_its_group_separator(api):
    answer = api.get(
        "/trace/identifiers/gs1/parse", data="]d2" + "0109501101530003" + "17261231" + "10AB-123" + "\x1d" + "21X7Q"
    )
    assert answer.status_code == 200, answer.json()
    assert [e["ai"] for e in answer.json()["elements"]] == ["01", "17", "10", "21"]
    assert answer.json()["elements"][1]["date"] == "2026-12-31"
    refused = api.get("/trace/identifiers/gs1/parse", data="0109501101530004")
    assert refused.status_code == 400 and refused.json()["detail"].startswith("gs1.01: the check digit")


def test_the_operations_are_in_the_openapi_document_and_need_a_sign_in(db):
    paths = ApiClient().get("/openapi.json").json()["paths"]
    for path in ("isbt128", "isbt128/parse", "sec", "gs1", "gs1/parse"):
        assert list(paths[f"/api/v1/trace/identifiers/{path}"]) == ["get"]
    assert ApiClient().get("/trace/identifiers/isbt128", din="G123498654321").status_code == 401


def test_checking_writes_nothing_to_the_ledger(api):
    from atmp.ledger.models import LedgerHead

    before = LedgerHead.objects.get(pk=1).size
    api.get("/trace/identifiers/isbt128", din="G123498654321")
    api.get("/trace/identifiers/sec", code="x")
    assert LedgerHead.objects.get(pk=1).size == before
