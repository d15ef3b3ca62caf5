"""A session that ends while the signature dialog is open, and the error pages, in the browser."""

import sqlite3
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import PASSWORD, sign_in

pytestmark = pytest.mark.browser


def end_every_session(server) -> None:
    """Delete the server's sessions, as an idle timeout does (the next request is anonymous)."""
    with sqlite3.connect(server.database) as db:
        db.execute("DELETE FROM django_session")


def test_a_signature_after_the_session_timed_out_resumes_at_the_dialog(page, server, artifacts):
    # A review of Rita's site changes, started by Alex: its page opens with the signature dialog.
    sign_in(page, "alex")
    page.goto("/audit/?record_type=Site&user=rita")
    page.fill("#id_comment", "Rita's site changes, checked while the session ran out")
    page.get_by_test_id("start-review").click()
    page.wait_for_url("**/records/ledger.audittrailreview/*/?sign=1")
    record_path = urlparse(page.url).path
    dialog = page.locator("#sign-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#id_meaning").select_option("audit_trail_reviewed")
    dialog.locator("#id_outcome").select_option("no_findings")
    dialog.locator("#id_password").fill(PASSWORD)
    end_every_session(server)
    dialog.get_by_test_id("sign-submit").click()

    page.wait_for_url(lambda url: urlparse(url).path == "/login/")
    expect(page.get_by_role("status").filter(has_text="before the signature was recorded")).to_be_visible()
    page.fill("#id_username", "alex")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == record_path and "sign=1" in url)
    dialog = page.locator("#sign-dialog")
    expect(dialog).to_be_visible()  # no 405, and the signature can be given again
    page.screenshot(path=str(artifacts / "sign-after-timeout.png"))
    dialog.locator("#id_meaning").select_option("audit_trail_reviewed")
    dialog.locator("#id_outcome").select_option("no_findings")
    dialog.locator("#id_password").fill(PASSWORD)
    dialog.get_by_test_id("sign-submit").click()
    page.wait_for_url(lambda url: urlparse(url).path == record_path and "sign=1" not in url)
    expect(page.get_by_role("status").filter(has_text="as “Audit trail reviewed”")).to_be_visible()


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/no/such/page/", 404, "Page not found"),
        ("/records/accounts.site/999999/", 404, "Page not found"),
        ("/logout/", 405, "Method not allowed"),
        ("/sites/new/", 403, "Not allowed"),
    ],
)
def test_error_pages_are_styled_and_keep_the_navigation(page, artifacts, path, status, heading):
    sign_in(page, "ines")
    response = page.goto(path)
    assert response is not None and response.status == status
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail")).to_be_visible()
    background = page.evaluate("getComputedStyle(document.querySelector('.topbar')).backgroundColor")
    assert background == "rgb(22, 50, 79)"  # the stylesheet applies
    page.screenshot(path=str(artifacts / f"error-{status}.png"))
