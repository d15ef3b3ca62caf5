"""The account pages: must-change-password at sign-in, sessions ending, recovery, approvals, tokens, MFA's QR."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from atmp.accounts import auth, services
from atmp.accounts.models import RoleAssignment
from atmp.ledger import clock
from atmp.ledger.models import AuditEntry, Signature
from atmp.testing import PASSWORD, make_user

from .conftest import signed_in

pytestmark = pytest.mark.django_db
TEMPORARY = "a temporary passphrase 9"
NEW = "only nina knows this one 3"


def test_a_new_account_is_sent_to_change_its_password_before_anything_else(sysadmin):
    services.create_user(actor=sysadmin, username="nina", full_name="Nina", password=TEMPORARY)
    client = Client()
    response = client.post("/login/", {"username": "nina", "password": TEMPORARY})
    assert response.status_code == 302 and response["Location"].startswith("/account/password/")
    for url in ("/", "/users/", "/account/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/account/password/", url
    page = client.get("/account/password/")
    assert page.status_code == 200 and b'data-testid="must-change"' in page.content
    response = client.post("/account/password/", {"current": TEMPORARY, "new": NEW, "again": NEW, "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/account/").status_code == 200  # the same session goes on


def test_the_api_refuses_a_session_that_must_change_its_password(sysadmin):
    services.create_user(actor=sysadmin, username="nina", full_name="Nina", password=TEMPORARY, roles=["system_admin"])
    client = Client()
    client.post("/login/", {"username": "nina", "password": TEMPORARY})
    response = client.get("/api/v1/me")
    assert response.status_code == 403 and "change your password first" in response.json()["detail"]


@pytest.mark.parametrize("how", ["disable", "lock"])
def test_a_signed_in_session_ends_when_the_account_is_disabled_or_locked(sysadmin, operator, how):
    client = signed_in(operator)
    assert client.get("/").status_code == 200
    if how == "disable":
        services.disable_user(actor=sysadmin, user=operator, reason="left the company")
    else:
        operator.locked_until = clock.now() + dt.timedelta(minutes=15)
        operator.save(update_fields=["locked_until"])
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/api/v1/me").status_code == 401


def test_a_reset_password_ends_the_users_sessions(sysadmin, operator):
    client = signed_in(operator)
    services.reset_password(actor=sysadmin, user=operator, password=TEMPORARY, reason="phished")
    assert client.get("/")["Location"].startswith("/login/")


def test_the_administrator_recovers_an_account_on_its_page_with_a_reason(as_sysadmin, operator):
    operator.locked_until = clock.now() + dt.timedelta(minutes=15)
    operator.save(update_fields=["locked_until"])
    page = as_sysadmin.get(f"/users/{operator.pk}/").content.decode()
    for action in ("unlock", "disable", "reset-password"):
        assert f'data-testid="action-{action}"' in page
    response = as_sysadmin.post(f"/users/{operator.pk}/actions/unlock/", {"unlock-reason": "help desk call 12"})
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.locked_until is None
    assert AuditEntry.objects.get(action="user_unlocked").reason == "help desk call 12"
    as_sysadmin.post(
        f"/users/{operator.pk}/actions/reset-password/",
        {"reset-password-password": TEMPORARY, "reset-password-reason": "forgot it"},
    )
    operator.refresh_from_db()
    assert operator.must_change_password and operator.check_password(TEMPORARY)


def test_a_recovery_action_without_a_reason_changes_nothing(as_sysadmin, operator):
    as_sysadmin.post(f"/users/{operator.pk}/actions/disable/", {"disable-reason": ""})
    operator.refresh_from_db()
    assert operator.is_active


def test_the_administrators_own_page_offers_no_recovery_and_refuses_it(as_sysadmin, sysadmin):
    assert b'data-testid="recovery"' not in as_sysadmin.get(f"/users/{sysadmin.pk}/").content
    as_sysadmin.post(f"/users/{sysadmin.pk}/actions/disable/", {"disable-reason": "test"}, follow=True)
    sysadmin.refresh_from_db()
    assert sysadmin.is_active


def test_an_operator_cannot_run_recovery_actions(operator, inspector):
    response = signed_in(operator).post(f"/users/{inspector.pk}/actions/disable/", {"disable-reason": "x"})
    assert response.status_code == 403


def test_an_approver_sees_pending_roles_and_approves_one_with_a_signature(sysadmin, as_approver, qa_approver):
    nina = services.create_user(
        actor=sysadmin, username="nina", full_name="Nina", password=TEMPORARY, roles=["operator"]
    )
    assignment = RoleAssignment.objects.get(user=nina)
    users_page = as_approver.get("/users/").content.decode()
    assert 'data-testid="awaiting-approval"' in users_page and "Nina (nina)" in users_page
    assert f'data-testid="approve-{assignment.pk}"' in as_approver.get(f"/users/{nina.pk}/").content.decode()
    url = f"/users/{nina.pk}/roles/{assignment.pk}/approve/"
    as_approver.post(url, {"password": "wrong"})
    assignment.refresh_from_db()
    assert assignment.status == "pending"
    as_approver.post(url, {"password": PASSWORD, "reason": "training record checked"})
    assignment.refresh_from_db()
    assert assignment.status == "active"
    assert Signature.objects.get(record_type="accounts.roleassignment", meaning="approved").signer_id == qa_approver.pk


def test_an_approver_rejects_a_pending_role_with_a_reason(sysadmin, as_approver):
    nina = services.create_user(
        actor=sysadmin, username="nina", full_name="Nina", password=TEMPORARY, roles=["operator"]
    )
    assignment = RoleAssignment.objects.get(user=nina)
    as_approver.post(f"/users/{nina.pk}/roles/{assignment.pk}/reject/", {"reason": "no training record"})
    assignment.refresh_from_db()
    assert (assignment.status, assignment.voided) == ("rejected", True)


def test_the_administrator_is_offered_no_approval(sysadmin, as_sysadmin):
    nina = services.create_user(
        actor=sysadmin, username="nina", full_name="Nina", password=TEMPORARY, roles=["operator"]
    )
    assert b"approve-" not in as_sysadmin.get(f"/users/{nina.pk}/").content
    assert b"awaiting-approval" not in as_sysadmin.get("/users/").content


def test_the_account_page_makes_a_token_after_the_password_and_shows_it_once(operator):
    client = signed_in(operator)
    refused = client.post("/account/", {"name": "LIMS", "scope": "read", "days": 7, "password": "wrong"})
    assert b'data-testid="error-password"' in refused.content and not operator.api_tokens.exists()
    made = client.post("/account/", {"name": "LIMS", "scope": "read", "days": 7, "password": PASSWORD})
    raw = re.search(r'data-testid="token-value">(atmp_[^<]+)<', made.content.decode())[1]
    assert auth.user_for_token(raw) == operator
    again = client.get("/account/").content.decode()
    assert raw not in again and raw[:12] in again  # listed by its prefix, never shown again
    token = operator.api_tokens.get()
    client.post(f"/account/tokens/{token.pk}/revoke/")
    assert auth.user_for_token(raw) is None


def test_mfa_enrolment_shows_a_qr_code_made_on_the_server_as_inline_svg(as_reviewer):
    page = as_reviewer.get("/account/mfa/").content.decode()
    figure = page[page.index('data-testid="mfa-qr"') :]
    figure = figure[: figure.index("</figure>")]
    assert "<svg" in figure and "<path" in figure
    assert "http" not in figure.replace("http://www.w3.org", "")  # nothing fetched from anywhere


def test_mfa_enrolment_refuses_a_wrong_password(as_reviewer, qa_reviewer):
    import pyotp

    page = as_reviewer.get("/account/mfa/")
    code = pyotp.TOTP(page.context["secret"]).now()
    response = as_reviewer.post("/account/mfa/", {"code": code, "password": "wrong"})
    qa_reviewer.refresh_from_db()
    assert not qa_reviewer.mfa_enabled and b'data-testid="error-password"' in response.content


def test_a_persona_without_roles_still_reaches_its_account_page(db):
    user = make_user(username="norole", password=PASSWORD)
    assert signed_in(user).get("/account/").status_code == 200
