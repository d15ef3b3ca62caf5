"""Who may call the API: bearer tokens, browser sessions with CSRF, and JSON refusals."""

from __future__ import annotations

import pytest
from django.test import Client

from atmp.accounts import services
from atmp.api.tests.conftest import ApiClient, token_for

pytestmark = pytest.mark.django_db


def test_a_request_without_credentials_is_refused_with_401_json(anonymous):
    response = anonymous.get("/me")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "sign in" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_valid_bearer_token_authenticates_its_user(as_operator):
    response = as_operator.get("/me")
    assert response.status_code == 200
    assert response.json()["username"] == "olga"


@pytest.mark.parametrize("header", ["Bearer atmp_not-a-token", "Bearer ", "Basic b2xnYTpwYXNz", "atmp_x"])
def test_an_unknown_or_malformed_token_is_401(db, header):
    response = Client(headers={"Authorization": header}).get("/api/v1/me")
    assert response.status_code == 401


def test_a_disabled_users_token_stops_working(operator, sysadmin):
    client = ApiClient(token_for(operator))
    services.disable_user(actor=sysadmin, user=operator, reason="left the company")
    assert client.get("/me").status_code == 401


def test_a_role_without_the_permission_gets_403_naming_it(as_operator):
    response = as_operator.post("/users", {"username": "x1", "full_name": "X", "password": "p" * 20})
    assert response.status_code == 403
    assert "accounts.manage" in response.json()["detail"]


def test_a_browser_session_reads_without_a_csrf_token(operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    assert client.get("/api/v1/me").json()["username"] == "olga"


def test_a_session_write_without_the_csrf_token_is_refused(qa_reviewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(qa_reviewer)
    response = client.post("/api/v1/sites", {"code": "NOC", "name": "No CSRF"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_session_write_with_the_csrf_token_is_accepted(qa_reviewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(qa_reviewer)
    token = "csrfsecret" * 3 + "ok"  # 32 characters: Django takes the cookie's secret itself as a token
    client.cookies["csrftoken"] = token
    response = client.post(
        "/api/v1/sites",
        {"code": "CSR", "name": "With CSRF"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201, response.content


def test_a_request_naming_a_token_is_judged_by_the_token_alone(operator, qa_reviewer):
    client = Client(headers={"Authorization": "Bearer atmp_wrong"})
    client.force_login(qa_reviewer)
    assert client.get("/api/v1/me").status_code == 401


def test_an_anonymous_write_is_401_not_a_csrf_refusal(anonymous):
    response = anonymous.post("/sites", {"code": "ANO", "name": "Anonymous"})
    assert response.status_code == 401


def test_failed_tokens_from_one_address_are_throttled_with_429(operator, settings):
    settings.ATMP_THROTTLE_TOKEN_FAILURES = 2
    token = token_for(operator)
    for _ in range(2):
        assert ApiClient("atmp_forged", REMOTE_ADDR="10.9.9.9").get("/me").status_code == 401
    response = ApiClient(token, REMOTE_ADDR="10.9.9.9").get("/me")
    assert response.status_code == 429
    assert "token" in response.json()["detail"] and int(response["Retry-After"]) > 0
    assert ApiClient(token, REMOTE_ADDR="10.9.9.8").get("/me").status_code == 200


def test_a_locked_users_token_still_works(operator, settings):
    from atmp.accounts import auth

    settings.ATMP_LOCKOUT_THRESHOLD = 1
    client = ApiClient(token_for(operator))
    with pytest.raises(auth.LoginRefused):
        auth.authenticate(username="olga", password="wrong password")
    operator.refresh_from_db()
    assert auth.is_locked(operator)
    assert client.get("/me").status_code == 200
