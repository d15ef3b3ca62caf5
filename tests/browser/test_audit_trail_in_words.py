"""The audit trail in people's words: labels in the filters, no sign-ins by default, folded creations, proofs."""

import json

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import sign_in

pytestmark = pytest.mark.browser


def test_the_trail_reads_in_words_and_leaves_sign_ins_out(page, artifacts):
    sign_in(page, "ines")
    page.goto("/audit/")
    rows = page.get_by_test_id("entry-row")
    expect(rows.first).to_be_visible()
    expect(rows.filter(has_text="Signed in")).to_have_count(0)
    page.get_by_label("Include sign-ins").check()
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("entry-row").filter(has_text="Signed in").first).to_be_visible()

    page.goto("/audit/")
    page.fill("#id_record_type", "Site")
    page.fill("#id_user", "Rita Reviewer")
    page.fill("#id_action", "Created")
    page.get_by_role("button", name="Filter").click()
    rows = page.get_by_test_id("entry-row")
    expect(rows).to_have_count(2)  # the demo's two sites
    created = rows.first
    expect(created).to_contain_text("Rita Reviewer")
    expect(created).not_to_contain_text("accounts.site")
    folded = created.get_by_test_id("initial-values")
    expect(folded.locator("summary")).to_contain_text("initial values")
    expect(folded.locator("ul.changes")).to_be_hidden()
    folded.locator("summary").click()
    expect(folded.locator("ul.changes")).to_be_visible()
    page.screenshot(path=str(artifacts / "audit-in-words.png"), full_page=True)


def test_the_proof_offered_for_the_newest_entry_reaches_a_signed_checkpoint(page):
    sign_in(page, "ines")  # the sign-in is the newest entry: no checkpoint covers it yet
    page.goto("/audit/?sign_ins=on")
    page.get_by_test_id("entry-link").first.click()
    with page.expect_download() as download:
        page.get_by_test_id("proof-link").click()
    document = json.loads(download.value.path().read_text())
    assert document["checkpoint"], "the proof came without a signed checkpoint"
    lines = document["checkpoint"].splitlines()
    assert int(lines[1]) == document["size"] >= document["seq"]
