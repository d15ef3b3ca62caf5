"""From result entry to QP certification in a real browser, on the demo batch that awaits the QP (all
tested but sterility, its audit trail reviewed): Petra's certification is refused naming what is
missing; she releases the batch conditionally with the date sterility is expected; Quentin enters the
late sterility result on the sample page; Rita reviews it with her signature; Petra certifies."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import PASSWORD, sign_in, sign_out

pytestmark = pytest.mark.browser

BATCH = "AAV9-SMN-2026-0007"  # atmp.lab.demo_disposition: the batch awaiting the QP
PAGE = f"/lab/batches/{BATCH}/disposition/"


def _sign(page, action: str, reason: str, **fields: str) -> None:
    form = page.get_by_test_id(f"form-{action}")
    form.locator("textarea[name$=reason]").fill(reason)
    form.locator("input[name$=password]").fill(PASSWORD)
    for name, value in fields.items():
        form.locator(f"input[name$={name}]").fill(value)
    page.get_by_test_id(f"submit-{action}").click()


def test_a_qp_takes_a_batch_from_a_refused_certification_through_a_conditional_release_to_certification(
    page, artifacts
):
    sign_in(page, "petra")
    page.goto(PAGE)
    expect(page.get_by_test_id("disposition-state")).to_contain_text("awaiting the QP")
    _sign(page, "certify", "certify now")
    refused = page.get_by_test_id("form-certify")
    expect(refused).to_contain_text("Sterility")  # the refusal names the missing result
    expect(page.get_by_test_id("disposition-state")).to_contain_text("awaiting the QP")  # nothing written
    page.screenshot(path=str(artifacts / "qp-certification-refused.png"), full_page=True)

    expected = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    _sign(page, "release_conditionally", "the patient cannot wait for the 14-day sterility test", expected_12=expected)
    expect(page.get_by_test_id("disposition-state")).to_contain_text("Conditionally released")
    expect(page.get_by_test_id("disposition-pending")).to_contain_text(expected)
    sign_out(page)

    sign_in(page, "quentin")
    page.goto(f"/lab/samples/?q={BATCH}")
    page.locator("table a[href^='/lab/samples/']").first.click()
    row = page.get_by_test_id("attribute-row").filter(has_text="Sterility")
    row.get_by_test_id("result-value").fill("conforms")
    row.get_by_test_id("result-submit").click()
    row = page.get_by_test_id("attribute-row").filter(has_text="Sterility")
    expect(row.get_by_test_id("verdict")).to_have_text("conforms")
    result_url = row.get_by_test_id("attribute-result").locator("a").get_attribute("href")
    sign_out(page)

    sign_in(page, "rita")
    page.goto(result_url)
    page.get_by_test_id("result-review").click()
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_test_id("operation-submit").click()
    page.goto(result_url)
    expect(page.get_by_test_id("reviewed-by")).to_contain_text("Rita Reviewer")
    sign_out(page)

    sign_in(page, "petra")
    page.goto(PAGE)
    expect(page.get_by_test_id("disposition-arrived")).to_contain_text("conforms")
    _sign(page, "certify", "the late sterility result conforms")
    expect(page.get_by_test_id("disposition-state")).to_contain_text("Certified")
    page.screenshot(path=str(artifacts / "qp-certified.png"), full_page=True)
