"""Requests Django refuses before routing still get the API's JSON answer (never an HTML page)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("host", ["", "evil.example"])
def test_a_bad_host_header_is_a_json_400_under_the_api(host):
    response = Client(HTTP_HOST=host).get("/api/v1/ledger/entries")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "Host" in response.json()["detail"]


def test_a_bad_host_header_is_a_page_elsewhere():
    response = Client(HTTP_HOST="").get("/login/")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_repeated_query_parameter_is_refused_naming_it():
    response = Client().get("/api/v1/quality/risk-assessments?status=draft&status=approved")
    assert response.status_code == 400
    assert response.json()["field"] == "status" and "given 2 times" in response.json()["detail"]


def test_a_repeated_query_parameter_outside_the_api_is_left_to_the_page():
    assert Client().get("/login/?next=/&next=/quality/").status_code == 200


def test_an_empty_query_parameter_is_refused_naming_it():
    response = Client().get("/api/v1/quality/risk-assessments?process=")
    assert response.status_code == 400
    assert response.json()["field"] == "process" and "empty" in response.json()["detail"]
