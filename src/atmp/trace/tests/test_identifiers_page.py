"""/trace/identifiers/: type or scan an identifier; the page shows what it holds or the rule it breaks."""

from __future__ import annotations

import pytest
from django.test import Client

from atmp.testing import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_operator(operator):
    return signed_in(operator)


def test_the_trace_page_lists_the_identifiers_area_and_the_top_bar_links_it(as_operator):
    page = as_operator.get("/trace/").content.decode()
    assert 'href="/trace/identifiers/"' in page
    assert 'href="/trace/" aria-current="page">Trace</a>' in page


def test_a_din_s_check_character_is_shown(as_operator):
    response = as_operator.get("/trace/identifiers/", {"kind": "isbt128", "value": "G123498654321"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-valid="yes"' in page and "<code>H</code>" in page


def test_a_wrong_check_character_is_answered_with_the_rule(as_operator):
    response = as_operator.get("/trace/identifiers/", {"kind": "isbt128", "value": "G123498654321J"})
    page = response.content.decode()
    assert 'data-valid="no"' in page and "MOD 37-2 gives &#x27;H&#x27;" in page


def test_malformed_input_is_a_400_with_the_rule_beside_the_field(as_operator):
    response = as_operator.get("/trace/identifiers/", {"kind": "gs1-parse", "value": "0109501101530004"})
    assert response.status_code == 400
    assert 'data-testid="error-value"' in response.content.decode()
    assert "gs1.01: the check digit" in response.content.decode()


def test_an_sec_lists_every_error(as_operator):
    code = "SEC XX0001-3G123498654321 A123456700120261231"
    page = as_operator.get("/trace/identifiers/", {"kind": "sec", "value": code}).content.decode()
    assert "country: &#x27;XX&#x27;" in page and "tissue_establishment_number" in page


def test_a_scanned_element_string_is_read(as_operator):
    value = "]d2" + "0109501101530003" + "17261231" + "10AB-123" + "\x1d" + "21X7Q"
    page = as_operator.get("/trace/identifiers/", {"kind": "gs1-parse", "value": value}).content.decode()
    assert "2026-12-31" in page and "AB-123" in page


def test_a_visitor_is_sent_to_sign_in(db):
    response = Client().get("/trace/identifiers/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
