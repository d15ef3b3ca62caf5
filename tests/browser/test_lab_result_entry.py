"""A QC analyst in a real browser: registers a release sample of a demo batch, receives it, enters a result
on the sample page and sees it evaluated; a result in the wrong unit is refused with the rule named."""

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import fill_form, sign_in

pytestmark = pytest.mark.browser


def test_an_analyst_enters_a_result_and_sees_it_evaluated(page, artifacts):
    sign_in(page, "quentin")
    page.goto("/lab/")
    page.get_by_role("link", name="Samples and results").click()
    page.wait_for_url("**/lab/samples/")
    # The first batch, certified: the batch that awaits the QP is test_qp_disposition's to decide.
    page.goto("/lab/samples/?q=AAV9-SMN-2026-0001")
    page.locator("table a[href^='/lab/samples/']").first.click()
    batch = page.get_by_test_id("sample-batch").inner_text()
    site = page.get_by_test_id("sample-site").inner_text()

    page.goto("/lab/samples/")
    page.get_by_test_id("list-new").click()
    fill_form(page, site=site, purpose="release", batch=batch, quantity="1", unit="mL", taken_by="Olga Operator")
    page.get_by_test_id("operation-submit").click()
    page.get_by_role("link", name="Sample page").click()
    page.get_by_test_id("sample-receive").click()
    fill_form(page, location="QC fridge 2")
    page.get_by_test_id("operation-submit").click()
    page.get_by_role("link", name="Sample page").click()
    expect(page.get_by_test_id("sample-status")).to_have_text("Received in lab")

    row = page.get_by_test_id("attribute-row").filter(has_text="Host cell protein")
    row.get_by_test_id("result-value").fill("20")
    row.locator("input[name=unit]").fill("%")
    row.get_by_test_id("result-submit").click()
    row = page.get_by_test_id("attribute-row").filter(has_text="Host cell protein")
    expect(row.get_by_test_id("result-error")).to_contain_text("wrong unit")

    row.get_by_test_id("result-value").fill("20")
    row.locator("input[name=unit]").fill("")
    row.get_by_test_id("result-submit").click()
    row = page.get_by_test_id("attribute-row").filter(has_text="Host cell protein")
    expect(row.get_by_test_id("verdict")).to_have_text("conforms")
    expect(page.get_by_test_id("flash")).to_contain_text("conforms")
    page.screenshot(path=str(artifacts / "lab-sample-result.png"), full_page=True)
