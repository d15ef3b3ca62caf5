"""Accounts in the browser: an administrator's password reset, the forced change at sign-in, API tokens, MFA's QR."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import PASSWORD, sign_in, sign_out
from tests.helpers import run_atmp

pytestmark = pytest.mark.browser
TEMPORARY = "a temporary passphrase 9"
NEW = "only nora knows this one 3"


def test_a_reset_password_must_be_changed_at_the_next_sign_in(page, server, artifacts):
    run_atmp(["user", "add", "nora", "--full-name", "Nora Newcomer", "--role", "inspector"],
             {**server.env, "ATMP_PASSWORD": PASSWORD})  # fmt: skip
    sign_in(page, "sam")
    page.goto("/users/")
    page.click("text=nora")
    form = page.get_by_test_id("action-reset-password")
    form.get_by_label("Temporary password").fill(TEMPORARY)
    form.get_by_label("Reason").fill("first sign-in of a new colleague")
    form.get_by_role("button", name="Reset password").click()
    expect(page.locator(".msg.success")).to_contain_text("Reset password: done for nora")
    page.screenshot(path=str(artifacts / "user-recovery.png"), full_page=True)
    sign_out(page)

    page.goto("/login/")
    page.fill("#id_username", "nora")
    page.fill("#id_password", TEMPORARY)
    page.click("button[type=submit]")
    page.wait_for_url("**/account/password/**")
    expect(page.get_by_test_id("must-change")).to_be_visible()
    page.goto("/audit/")  # every other page sends her back
    page.wait_for_url("**/account/password/")
    page.fill("#id_current", TEMPORARY)
    page.fill("#id_new", NEW)
    page.fill("#id_again", NEW)
    page.screenshot(path=str(artifacts / "password-change.png"), full_page=True)
    page.get_by_role("button", name="Change the password").click()
    page.wait_for_url(lambda url: urlparse(url).path == "/")
    expect(page.locator(".msg.success")).to_have_text("Your password is changed.")


def test_a_user_makes_a_read_token_with_the_password_sees_it_once_and_revokes_it(page, artifacts):
    sign_in(page, "rita")
    page.click("text=Account")
    form = page.get_by_test_id("token-form")
    form.get_by_label("Name").fill("trend script")
    form.get_by_label("Scope").select_option("read")
    form.get_by_label("Valid for (days)").fill("7")
    form.get_by_label("Your password").fill(PASSWORD)
    form.get_by_role("button", name="Create the token").click()
    value = page.get_by_test_id("token-value")
    expect(value).to_be_visible()
    token = value.inner_text()
    assert token.startswith("atmp_")
    page.screenshot(path=str(artifacts / "token-created.png"), full_page=True)
    response = page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200
    refused = page.request.post(f"/api/v1/tokens/{token[:12]}/revoke", headers={"Authorization": f"Bearer {token}"},
                                data="{}")  # fmt: skip
    assert refused.status == 403  # a read token changes nothing
    page.goto("/account/")
    expect(page.get_by_test_id("tokens")).not_to_contain_text(token)
    page.get_by_test_id(f"revoke-{token[:12]}").click()
    expect(page.locator(".msg.success")).to_contain_text("revoked")
    assert page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status == 401


def test_mfa_enrolment_shows_a_qr_code_drawn_on_the_page(page, artifacts):
    sign_in(page, "quentin")  # the demo already enrolled victor
    page.goto("/account/mfa/")
    qr = page.get_by_test_id("mfa-qr").locator("svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 100
    page.screenshot(path=str(artifacts / "mfa-qr.png"), full_page=True)
