"""Changing a site with a reason, signing it in the dialog, and seeing the signature superseded."""

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import PASSWORD, sign_in, sign_out

pytestmark = pytest.mark.browser

UTC_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC")


def open_site(page, code: str) -> str:
    """Open a site's record page from the sites list; return its URL."""
    page.goto("/sites/")
    page.get_by_test_id("sites").get_by_role("link", name=code, exact=True).click()
    page.wait_for_url("**/records/accounts.site/*/")
    return page.url


def edit_site(page, record_url: str, *, reason: str, **fields: str) -> None:
    page.goto(record_url)
    page.get_by_role("link", name="Edit").click()
    for name, value in fields.items():
        page.fill(f"#id_{name}", value)
    page.fill("#id_reason", reason)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(record_url)


def test_a_change_is_signed_and_a_later_change_supersedes_the_signature(page, artifacts):
    sign_in(page, "rita")
    record_url = open_site(page, "GNT")
    edit_site(page, record_url, name="Ghent Zwijnaarde", reason="name as on the manufacturing authorisation")
    expect(page.locator("[data-field=name]")).to_have_text("Ghent Zwijnaarde")
    sign_out(page)

    sign_in(page, "alex")
    page.goto(record_url)
    page.get_by_test_id("sign-button").click()
    dialog = page.locator("#sign-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("sign-version")).to_have_text("version 3")
    dialog.locator("#id_meaning").select_option("approved")
    dialog.locator("#id_password").fill(PASSWORD)
    dialog.get_by_test_id("sign-submit").click()
    page.wait_for_url(record_url)

    approved = page.get_by_test_id("signature").filter(
        has=page.get_by_test_id("signature-meaning").get_by_text("Approved")
    )
    expect(approved).to_have_count(1)
    expect(approved.get_by_test_id("signature-name")).to_have_text("Alex Approver")
    expect(approved.get_by_test_id("signature-time")).to_contain_text(UTC_TIME)
    expect(approved.get_by_test_id("signature-time")).to_contain_text(re.compile(r"CES?T"))  # Ghent's zone
    expect(approved.get_by_test_id("superseded")).to_have_count(0)

    change = page.get_by_test_id("history-row").filter(has_text="name as on the manufacturing authorisation")
    expect(change).to_have_count(1)
    expect(change).to_contain_text("Rita Reviewer")
    expect(change.locator("del")).to_have_text("Ghent")
    expect(change.locator("ins")).to_have_text("Ghent Zwijnaarde")
    expect(change).to_contain_text(UTC_TIME)
    page.screenshot(path=str(artifacts / "record-page.png"), full_page=True)
    sign_out(page)

    sign_in(page, "rita")
    edit_site(page, record_url, address="Technologiepark 94, 9052 Zwijnaarde, BE", reason="street number added")
    approved = page.get_by_test_id("signature").filter(
        has=page.get_by_test_id("signature-meaning").get_by_text("Approved")
    )
    expect(approved.get_by_test_id("superseded")).to_be_visible()
    expect(approved.get_by_test_id("superseded")).to_have_text("superseded")
    page.screenshot(path=str(artifacts / "record-page-superseded.png"), full_page=True)


def test_a_wrong_password_in_the_dialog_shows_the_error_and_writes_no_signature(page, server, artifacts):
    # Petra: the demo's Alex has already signed Leiden's current version (one meaning per person).
    sign_in(page, "petra")
    record_url = open_site(page, "LEI")
    site_id = record_url.rstrip("/").rsplit("/", 1)[-1]
    before = page.get_by_test_id("signature").count()
    page.get_by_test_id("sign-button").click()
    dialog = page.locator("#sign-dialog")
    dialog.locator("#id_meaning").select_option("reviewed")
    dialog.locator("#id_password").fill("not my password")
    dialog.get_by_test_id("sign-submit").click()

    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("sign-error")).to_have_text("signature refused: the password is wrong")
    page.screenshot(path=str(artifacts / "sign-dialog-error.png"))
    expect(page.get_by_test_id("signature")).to_have_count(before)
    with sqlite3.connect(f"file:{server.database}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT count(*) FROM ledger_signature WHERE record_type = 'accounts.site' AND record_id = ? "
            "AND meaning = 'reviewed'",
            (site_id,),
        ).fetchone()
    assert rows == (0,)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
