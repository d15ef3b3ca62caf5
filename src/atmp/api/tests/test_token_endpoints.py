"""GET/POST /tokens and POST /tokens/<ref>/revoke; a read token is refused on every unsafe method."""

from __future__ import annotations

import pytest

from atmp.accounts import auth
from atmp.api.tests.conftest import ApiClient
from atmp.api.tests.test_tokens import session_of
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


def post(client, path, body):
    return client.post(f"/api/v1{path}", body, content_type="application/json")


def test_a_stolen_session_cannot_mint_a_token_without_the_password(operator):
    response = post(session_of(operator), "/tokens", {"name": "exfiltrate"})
    assert response.status_code == 400 and response.json()["field"] == "password"
    response = post(session_of(operator), "/tokens", {"name": "exfiltrate", "password": "guess"})
    assert response.status_code == 400 and response.json()["field"] == "password"
    assert not operator.api_tokens.exists()


def test_a_token_is_made_with_a_name_scope_and_lifetime_and_shown_once(operator):
    body = {"name": "LIMS", "scope": "read", "days": 7, "password": PASSWORD}
    made = post(session_of(operator), "/tokens", body)
    assert made.status_code == 201, made.content
    doc = made.json()
    assert (doc["name"], doc["scope"]) == ("LIMS", "read")
    listed = ApiClient(doc["token"]).get("/tokens").json()
    assert [(t["prefix"], t["scope"], t["state"]) for t in listed] == [(doc["prefix"], "read", "active")]
    assert "token" not in listed[0]


def test_a_lifetime_over_the_maximum_is_refused(operator):
    response = post(session_of(operator), "/tokens", {"name": "x", "days": 365, "password": PASSWORD})
    assert response.status_code == 400 and response.json()["field"] == "days"


def test_a_read_token_reads_but_is_refused_on_every_change(operator, site):
    reader = ApiClient(auth.issue_token(actor=None, user=operator, name="reader", scope="read").raw)
    assert reader.get("/me").status_code == 200
    response = reader.post("/tokens/1/revoke", {})
    assert response.status_code == 403 and "read-only" in response.json()["detail"]
    assert reader.patch(f"/sites/{site.code}", {"name": "X", "reason": "r"}).status_code == 403


def test_a_token_is_revoked_by_its_prefix_and_then_refused(operator):
    raw = auth.issue_token(actor=None, user=operator, name="old").raw
    client = ApiClient(raw)
    response = client.post(f"/tokens/{raw[:12]}/revoke", {"reason": "rotated"})
    assert response.status_code == 200 and response.json()["state"] == "revoked"
    assert client.get("/me").status_code == 401


def test_revoking_someone_elses_token_is_404(operator, inspector):
    theirs = auth.issue_token(actor=None, user=inspector, name="theirs").token
    mine = ApiClient(auth.issue_token(actor=None, user=operator, name="mine").raw)
    assert mine.post(f"/tokens/{theirs.pk}/revoke", {}).status_code == 404
