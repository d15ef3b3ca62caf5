"""Signing in and out in the browser."""

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.browser.browsing import sign_in, sign_out

pytestmark = pytest.mark.browser


def test_a_wrong_password_shows_the_refusal(page, artifacts):
    page.goto("/")
    page.wait_for_url("**/login/?next=/")
    page.fill("#id_username", "olga")
    page.fill("#id_password", "not the password")
    page.click("button[type=submit]")
    expect(page.get_by_test_id("login-error")).to_have_text("sign-in refused: wrong username, password or code")
    assert "/login/" in page.url
    page.screenshot(path=str(artifacts / "login-refused.png"))


def test_every_page_names_the_user_and_their_roles_and_sign_out_ends_the_session(page, artifacts):
    sign_in(page, "quentin")
    expect(page.get_by_test_id("ledger-size")).to_have_text(re.compile(r"^\d+$"))
    page.screenshot(path=str(artifacts / "home-page.png"), full_page=True)
    expect(page.get_by_test_id("user-name")).to_have_text("Quentin QC")
    expect(page.get_by_test_id("user-roles")).to_have_text("QC Analyst")
    page.goto("/sites/")
    expect(page.get_by_test_id("user-name")).to_have_text("Quentin QC")
    sign_out(page)
    expect(page.locator(".msg.success")).to_have_text("You are signed out.")
    page.goto("/sites/")
    page.wait_for_url("**/login/?next=/sites/")


def test_the_guard_refuses_and_reports_a_request_to_another_host(page, outside):
    page.goto("/login/")
    # A navigation, not a fetch: the Content-Security-Policy (connect-src 'self') would stop a fetch
    # before the guard could see it, and this test is about the guard.
    with pytest.raises(PlaywrightError):
        page.goto("http://example.com/atmp-guard-check")
    assert outside.urls == ["http://example.com/atmp-guard-check"]
    outside.urls.clear()  # seen: the fixture's own check at the end must pass
