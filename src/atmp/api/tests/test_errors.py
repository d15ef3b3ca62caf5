"""Every refusal is JSON with the right status and names the field or rule; never a 500 or a traceback."""

from __future__ import annotations

import pytest

from atmp.api import errors
from atmp.ledger.errors import LedgerError, NothingChanged, SignatureRefused, StaleRecord

pytestmark = pytest.mark.django_db


def test_malformed_json_is_400(as_reviewer):
    response = as_reviewer.post("/sites", '{"code": "X1", ')
    assert response.status_code == 400
    assert "parse" in response.json()["detail"]


def test_a_body_that_is_not_an_object_is_400(as_reviewer):
    response = as_reviewer.post("/sites", "[1, 2]")
    assert response.status_code == 400


def test_a_missing_field_is_400_naming_it(as_reviewer):
    response = as_reviewer.post("/sites", {"code": "AMS"})
    assert response.status_code == 400
    assert response.json()["field"] == "name"
    assert "name" in response.json()["detail"]


def test_a_query_parameter_out_of_range_is_400_naming_it(as_inspector):
    response = as_inspector.get("/ledger/entries", limit=100000)
    assert response.status_code == 400
    assert response.json()["field"] == "limit"


def test_a_nul_byte_is_refused_as_bad_input(as_inspector):
    response = as_inspector.get("/ledger/entries", action="log\x00in")
    assert response.status_code == 400
    assert response.json()["field"] == "action"


def test_a_text_longer_than_its_column_is_refused_before_the_database(as_reviewer):
    response = as_reviewer.post("/sites", {"code": "LNG", "name": "n" * 201})
    assert response.status_code == 400
    assert response.json()["field"] == "name"


def test_a_services_invalid_input_is_400_with_its_field(as_reviewer):
    response = as_reviewer.post("/sites", {"code": "bad code!", "name": "Bad"})
    assert response.status_code == 400
    assert response.json()["field"] == "code"


def test_a_change_without_a_reason_is_400_naming_the_reason(as_reviewer, site):
    response = as_reviewer.patch(f"/sites/{site.code}", {"name": "Leiden II", "reason": " "})
    assert response.status_code == 400
    assert response.json()["field"] == "reason"
    assert "Annex 11" in response.json()["detail"]


def test_a_bad_time_filter_is_400_naming_it(as_inspector):
    response = as_inspector.get("/ledger/entries", since="yesterday")
    assert response.status_code == 400
    assert response.json()["field"] == "since"


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (StaleRecord("changed"), 409),
        (NothingChanged("same"), 422),
        (SignatureRefused("no"), 422),
        (LedgerError("a later module's rule"), 422),
    ],
)
def test_domain_refusals_map_to_their_status(exc, status):
    assert errors.status_of(exc) == status


def test_an_unexpected_error_is_a_json_500_without_a_traceback(as_inspector, monkeypatch):
    from atmp.ledger import keys

    def broken() -> str:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(keys, "verifier_key", broken)
    response = as_inspector.get("/ledger/vkey")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error: the server's log has the details"}
    assert b"secret internals" not in response.content and b"Traceback" not in response.content
