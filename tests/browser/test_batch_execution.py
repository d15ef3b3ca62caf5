"""An operator executes a batch step on a tablet (768×1024, touch) and QA reviews the batch by exception.

The batch is made with the manufacturing factories in the server's database: an effective master batch
record of two steps at a new site, a batch of it, a trained operator (Tess), a cleared grade B room, a
usable biosafety cabinet, and two lots of the step's medium, one quarantined and one released. In the
browser Tess starts step 10, scans the quarantined lot (refused with the rule's words), scans the
released one, enters a temperature outside its proven acceptable range (a deviation is opened and its
number shown), the in-process control; Oscar-the-checker verifies the three entries with his signature;
Tess completes the step. Rita (QA) then opens the batch's review by exception and finds the deviation
and the out-of-range value, each one click from its record.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.browser.browsing import sign_in, sign_out
from tests.browser.conftest import local_only_page

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
TOUCH = 48  # px: a gloved finger's target (WCAG 2.5.5 asks 44)

BUILD = """
import django, json
django.setup()
from atmp.accounts.models import User
from atmp.manufacturing import factories
from atmp.testing import PASSWORD as TEST_PASSWORD, make_user

rita = User.objects.get(username="rita")
batch = factories.make_batch(actor=rita, mbr=factories.make_effective_mbr(actor=rita))
tess = make_user("operator", username="tess", full_name="Tess Tablet", password=TEST_PASSWORD, site=batch.site)
floor = factories.make_floor(batch=batch, operator=tess)
line = batch.steps.get(number=10).mbr_step.materials.select_related("material").get()
stock = dict(actor=floor["qa"], material=line.material, site=batch.site)
print(json.dumps({
    "batch": batch.pk,
    "number": batch.number,
    "room": floor["room"].pk,
    "bsc": floor["bsc"].code,
    "quarantined": factories.make_stock(**stock, release=False).number,
    "released": factories.make_stock(**stock).number,
    "checker": floor["checker"].username,
    "password": TEST_PASSWORD,
}))
"""


@pytest.fixture(scope="module")
def made(server):
    """Build the batch and its shop floor in the server's database."""
    out = subprocess.run(
        [sys.executable, "-c", BUILD], env=server.env, cwd=str(server.home), capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def tablet(browser, server, outside):
    """Return a fresh page on a portrait tablet's screen (own cookies; a request leaving 127.0.0.1 fails the test)."""
    yield from local_only_page(browser, server, outside, viewport=TABLET, has_touch=True, is_mobile=True)


def fits(page) -> None:
    """Assert nothing is wider than the tablet's screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"], page.url


def open_panel(page, key: str):
    """Open a form's panel on the step page (a tap on its title) and return the form."""
    panel = page.get_by_test_id(f"panel-{key}")
    if panel.get_attribute("open") is None:
        panel.locator("summary").tap()
    return page.get_by_test_id(f"form-{key}")


def scan(page, lot: str) -> None:
    """Add the step's medium by scanning a lot (the scanner types the number into the focused field)."""
    form = open_panel(page, "material")
    form.locator("#id_material-position").select_option("1")
    form.locator("#id_material-lot").fill(lot)
    form.locator("#id_material-quantity").fill("500")
    page.get_by_test_id("submit-material").tap()


def test_an_operator_executes_a_step_on_a_tablet_and_qa_reviews_the_batch_by_exception(tablet, made, artifacts):
    from playwright.sync_api import expect

    page = tablet
    step_url = f"/manufacturing/batches/{made['batch']}/steps/10/"
    sign_in(page, "tess", made["password"])
    page.goto(f"/manufacturing/batches/{made['batch']}/")
    page.get_by_test_id("open-step-10").tap()
    page.wait_for_url(f"**{step_url}")
    expect(page.get_by_test_id("instructions")).to_contain_text("Do step 1 as the SOP says.")
    fits(page)

    # Start: the room picked, the cabinet's code scanned.
    form = page.get_by_test_id("form-start")
    form.locator("#id_start-room").select_option(str(made["room"]))
    form.locator("#id_start-equipment").fill(made["bsc"])
    for target in (form.locator("#id_start-room"), page.get_by_test_id("submit-start")):
        assert target.bounding_box()["height"] >= TOUCH
    page.get_by_test_id("submit-start").tap()
    expect(page.get_by_test_id("progress")).to_have_text("In progress")

    # A quarantined lot is refused with the rule's words, and nothing is recorded; the released one is accepted.
    scan(page, made["quarantined"])
    expect(page.get_by_test_id("form-material").locator(".error-box")).to_contain_text(
        f"lot {made['quarantined']} is quarantine: only a released lot is used"
    )
    expect(page.get_by_test_id("entries")).to_contain_text("No entries yet.")
    page.screenshot(path="/tmp/batch-step-refused-lot.png", full_page=False)
    scan(page, made["released"])
    expect(page.get_by_test_id("entries")).to_contain_text(made["released"])

    # A temperature outside the proven acceptable range (35.0–39.0 °C) opens a deviation, shown on the entry.
    form = open_panel(page, "parameter")
    form.locator("#id_parameter-position").select_option("1")
    form.locator("#id_parameter-value").fill("40.0")
    assert form.locator("#id_parameter-value").bounding_box()["height"] >= TOUCH
    page.get_by_test_id("submit-parameter").tap()
    deviation = page.get_by_test_id("entries").get_by_test_id("deviation")
    expect(deviation).to_have_text(re.compile(r"DEV-\d{4}-\d{4}"))
    number = deviation.inner_text()
    expect(page.locator(".messages")).to_contain_text(f"deviation {number} opened")

    form = open_panel(page, "control")
    form.locator("#id_control-position").select_option("1")
    form.locator("#id_control-value").fill("95")
    page.get_by_test_id("submit-control").tap()
    expect(page.get_by_test_id("entries").locator("tbody tr")).to_have_count(3)

    # Completing is refused while the second person's verifications are missing.
    open_panel(page, "complete")
    page.get_by_test_id("submit-complete").tap()
    expect(page.get_by_test_id("form-complete").locator(".error-box")).to_contain_text("verification")

    # The second person verifies each entry with a signature.
    sign_out(page)
    sign_in(page, made["checker"], made["password"])
    page.goto(step_url)
    for index in (1, 2, 3):
        form = open_panel(page, "verify")
        form.locator("#id_verify-entry").select_option(index=index)
        form.locator("#id_verify-password").fill(made["password"])
        page.get_by_test_id("submit-verify").tap()
        expect(page.locator(".messages")).to_contain_text("Verified")
    sign_out(page)

    sign_in(page, "tess", made["password"])
    page.goto(step_url)
    open_panel(page, "complete")
    page.get_by_test_id("submit-complete").tap()
    expect(page.get_by_test_id("progress")).to_have_text("Done")
    fits(page)
    page.screenshot(path="/tmp/batch-step.png", full_page=True)
    page.screenshot(path=str(artifacts / "batch-step-tablet.png"), full_page=True)
    sign_out(page)

    # QA reviews by exception: the deviation and the out-of-range value, each a link to its record.
    sign_in(page, "rita")
    page.goto(f"/manufacturing/batches/{made['batch']}/#review")
    review = page.get_by_test_id("exceptions")
    expect(review.get_by_test_id("exception-deviation")).to_contain_text(number)
    expect(review.get_by_test_id("exception-out_of_range")).to_contain_text("Temperature 40.0 °C")
    fits(page)
    page.screenshot(path="/tmp/batch-review.png", full_page=True)
    page.screenshot(path=str(artifacts / "batch-review-tablet.png"), full_page=True)
    # The batch record prints as a PDF/A with its proofs, from the PDF button beside its title.
    with page.expect_download() as info:
        page.get_by_test_id("batch-pdf").tap()
    assert re.fullmatch(rf"batch-{re.escape(made['number'])}-v\d+\.pdf", info.value.suggested_filename)
    with open(info.value.path(), "rb") as printed:
        assert printed.read(5) == b"%PDF-"
    review.get_by_test_id("exception-out_of_range").get_by_test_id("exception-link").tap()
    page.wait_for_url(f"**{step_url}#entry-*")
    review_url = f"/manufacturing/batches/{made['batch']}/"
    page.goto(review_url)
    page.get_by_test_id("exceptions").get_by_test_id("exception-deviation").get_by_test_id("exception-link").tap()
    page.wait_for_url("**/records/quality.deviation/*/")
    expect(page.locator("h1")).to_contain_text(number)

    # The batch list offers QA a new batch of an effective master record, on the tablet too.
    page.goto("/manufacturing/batches/")
    page.get_by_test_id("panel-new-batch").locator("summary").tap()
    expect(page.get_by_test_id("form-new-batch").locator("#id_mbr option")).not_to_have_count(0)
    fits(page)
    page.screenshot(path="/tmp/batch-list.png", full_page=False)
