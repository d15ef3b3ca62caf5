"""POST /tokens: a signed-in person makes a token for themselves, shown once; a token cannot mint more."""

from __future__ import annotations

import pytest
from django.test import Client

from atmp.accounts.models import ApiToken
from atmp.api.tests.conftest import ApiClient
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db
CSRF = "csrfsecret" * 3 + "ok"


def session_of(user) -> Client:
    client = Client(enforce_csrf_checks=True, headers={"X-CSRFToken": CSRF})
    client.force_login(user)
    client.cookies["csrftoken"] = CSRF
    return client


def test_a_signed_in_user_creates_a_token_that_then_authenticates(operator):
    response = session_of(operator).post(
        "/api/v1/tokens", {"name": "lab script", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    doc = response.json()
    assert doc["token"].startswith("atmp_") and doc["prefix"] == doc["token"][:12]
    stored = ApiToken.objects.get(prefix=doc["prefix"])
    assert doc["token"] not in (stored.key_hash, stored.prefix)  # only the hash is kept
    assert ApiClient(doc["token"]).get("/me").json()["username"] == "olga"


def test_a_token_cannot_create_another_token(as_operator):
    response = as_operator.post("/tokens", {"name": "more", "password": PASSWORD})
    assert response.status_code == 403
    assert "a token cannot create tokens" in response.json()["detail"]


def test_a_token_needs_a_name(operator):
    response = session_of(operator).post(
        "/api/v1/tokens", {"name": " ", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["field"] == "name"
