"""An audit-trail review signed by QA; what the inspector and the administrator may do."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import PASSWORD, sign_in

pytestmark = pytest.mark.browser

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def test_the_approver_reviews_the_site_trail_and_signs_the_review(page, artifacts):
    sign_in(page, "alex")
    page.get_by_role("link", name="Audit trail", exact=True).first.click()
    page.fill("#id_record_type", "accounts.site")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/audit/?*record_type=accounts.site*")
    rows = page.get_by_test_id("entry-row")
    expect(rows.first).to_be_visible()
    expect(rows.filter(has_text="Created").first).to_be_visible()
    page.screenshot(path=str(artifacts / "audit-page.png"), full_page=True)

    page.fill("#id_comment", "Site master data changes checked against the change records")
    page.get_by_test_id("start-review").click()
    page.wait_for_url("**/records/ledger.audittrailreview/*/?sign=1")
    dialog = page.locator("#sign-dialog")
    expect(dialog).to_be_visible()  # opened for the reviewer
    # No meaning is chosen for the reviewer: the blank first choice must be changed.
    assert dialog.locator("#id_meaning option").all_inner_texts() == [
        "— choose what your signature means —",
        "Audit trail reviewed",
    ]
    dialog.locator("#id_meaning").select_option("audit_trail_reviewed")
    dialog.locator("#id_outcome").select_option("findings")
    dialog.locator("#id_findings").fill("The Ghent address was added late; raised as DEV-0007.")
    dialog.locator("#id_password").fill(PASSWORD)
    dialog.get_by_test_id("sign-submit").click()
    page.wait_for_url("**/records/ledger.audittrailreview/*/")
    signature = page.get_by_test_id("signature")
    expect(signature.get_by_test_id("signature-meaning")).to_have_text("Audit trail reviewed")
    expect(signature.get_by_test_id("signature-name")).to_have_text("Alex Approver")
    expect(page.locator("[data-field=comment]")).to_have_text(
        "Site master data changes checked against the change records"
    )
    page.screenshot(path=str(artifacts / "review-record.png"), full_page=True)
    page.get_by_role("link", name="Show the reviewed entries in the audit trail →").click()
    expect(page.get_by_test_id("entry-row").first).to_be_visible()


def test_the_inspector_reads_everything_and_sees_no_write_or_sign_button(page, artifacts):
    sign_in(page, "ines")
    expect(page.get_by_test_id("user-roles")).to_have_text("Inspector")
    page.goto("/sites/")
    expect(page.get_by_test_id("new-site")).to_have_count(0)
    page.get_by_test_id("sites").get_by_role("link", name="LEI", exact=True).click()
    expect(page.get_by_test_id("fields")).to_be_visible()
    expect(page.get_by_test_id("sign-button")).to_have_count(0)
    expect(page.get_by_test_id("record-actions").get_by_role("link")).to_have_count(0)
    expect(page.locator("dialog")).to_have_count(0)
    expect(page.get_by_test_id("signature").first).to_be_visible()

    page.goto("/audit/")
    expect(page.get_by_test_id("start-review")).to_have_count(0)
    page.get_by_test_id("entry-link").last.click()
    page.wait_for_url("**/audit/entries/*/")
    seq = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    expect(page.get_by_test_id("entry-hash")).to_have_text(HEX64)
    with page.expect_download() as info:
        page.get_by_test_id("proof-link").click()
    download = info.value
    assert download.suggested_filename == f"atmp-entry-{seq}-proof.json"
    proof = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert proof["seq"] == seq and isinstance(proof["proof"], list)
    page.screenshot(path=str(artifacts / "entry-page.png"), full_page=True)


def test_the_administrator_sees_accounts_but_no_gmp_write_or_sign_button(page, artifacts):
    sign_in(page, "sam")
    page.get_by_role("link", name="Users", exact=True).click()
    expect(page.get_by_test_id("users")).to_contain_text("Quentin QC")
    page.screenshot(path=str(artifacts / "users-page.png"), full_page=True)
    page.goto("/sites/")
    expect(page.get_by_test_id("new-site")).to_have_count(0)
    page.get_by_test_id("sites").get_by_role("link", name="LEI", exact=True).click()
    expect(page.get_by_test_id("sign-button")).to_have_count(0)
    expect(page.get_by_test_id("record-actions").get_by_role("link")).to_have_count(0)
