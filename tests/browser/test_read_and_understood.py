"""A new SOP version in the browser: drafted with its file, approved and made effective, then read and understood."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from atmp.files.demo import pdf
from tests.browser.browsing import PASSWORD, fill_form, sign_in, sign_out, take_transition

pytestmark = pytest.mark.browser

SOP = "Aseptic gowning for grade A/B areas"


def test_an_operator_signs_read_and_understood_on_a_new_sop_version_and_is_trained(page, artifacts, tmp_path):
    # QA starts version 2 of the gowning SOP, attaches its text and submits it.
    sign_in(page, "rita")
    page.goto("/quality/documents/?q=gowning")
    page.get_by_test_id("documents").locator("tbody a").first.click()
    page.wait_for_url(re.compile(r"/records/quality\.document/\d+/$"))
    page.get_by_test_id("record-actions").get_by_role("link", name="New version").click()
    today = dt.datetime.now(dt.UTC).date().isoformat()
    fill_form(page, change_summary="Adds the glove change after each intervention.", effective_date=today)
    page.get_by_test_id("operation-submit").click()
    page.wait_for_url(re.compile(r"/records/quality\.documentversion/\d+/$"))
    version_url = page.url
    upload = page.get_by_test_id("upload-form")
    text = tmp_path / "SOP-gowning-v2.pdf"
    text.write_bytes(pdf("Aseptic gowning, version 2"))
    upload.locator("input[name=file]").set_input_files(str(text))
    upload.locator("input[name=reason]").fill("the approved text")
    upload.get_by_role("button", name="Attach").click()
    page.wait_for_url(re.compile(re.escape(version_url)))
    expect(page.get_by_test_id("attachments")).to_contain_text("SOP-gowning-v2.pdf")
    take_transition(page, "submit", "ready for QA review")
    expect(page.locator("[data-field=status] .badge")).to_have_text("In review")
    sign_out(page)

    # The QA Approver approves it with a signature and makes it effective today.
    sign_in(page, "alex")
    page.goto(version_url)
    take_transition(page, "approve", "content approved", password=PASSWORD)
    take_transition(page, "make_effective", "effective date reached")
    expect(page.locator("[data-field=status] .badge")).to_have_text("Effective")
    sign_out(page)

    # The operator finds it on My work, reads it and signs; it leaves her work and she is trained.
    sign_in(page, "olga")
    page.goto("/workflow/work/")
    version_key = "quality.documentversion:" + version_url.rstrip("/").rsplit("/", 1)[1]
    row = page.locator(f"[data-testid=work] tr[data-record='{version_key}']")
    expect(row).to_contain_text("training")
    row.get_by_role("link").click()
    page.wait_for_url(version_url)
    page.get_by_test_id("record-actions").get_by_role("link", name="Read and understood").click()
    fill_form(page, password=PASSWORD)
    page.get_by_test_id("operation-submit").click()
    # Her training record, signed: who, when, and what the signature means.
    page.wait_for_url(re.compile(r"/records/quality\.trainingrecord/\d+/$"))
    signed = page.get_by_test_id("signature").filter(has=page.get_by_test_id("signature-meaning").get_by_text("Read"))
    expect(signed).to_have_count(1)
    expect(signed.get_by_test_id("signature-name")).to_have_text("Olga Operator")
    page.goto(version_url)
    expect(page.get_by_test_id("parts-training_records")).to_contain_text("olga")
    expect(page.get_by_test_id("record-actions").get_by_role("link", name="Read and understood")).to_have_count(0)
    page.goto("/workflow/work/")
    expect(page.locator(f"tr[data-record='{version_key}']")).to_have_count(0)
    page.screenshot(path=str(artifacts / "read-and-understood.png"), full_page=True)
