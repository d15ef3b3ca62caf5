"""An operator enters EM results on the tablet form in the cleanroom (a 1024×768 touch screen): a
count within the limits is judged at once, an action-level one opens a deviation, which the room
page and the deviation's own page show. The demo's year of results is already in the room."""

from __future__ import annotations

import re

import pytest

from tests.browser.browsing import sign_in
from tests.browser.conftest import local_only_page

pytestmark = pytest.mark.browser

TABLET = {"width": 1024, "height": 768}


@pytest.fixture
def tablet(browser, server, outside):
    """Return a fresh page on a touch tablet's screen (own cookies; a request leaving 127.0.0.1 fails the test)."""
    yield from local_only_page(browser, server, outside, viewport=TABLET, has_touch=True, is_mobile=True)


def enter(page, point: str, count: str, batch: str = "") -> None:
    """Tap the point's and the state's tiles, type the count on the keypad, and record it."""
    page.locator("label.em-choice", has_text=point).tap()
    page.locator("label.em-choice", has_text="In operation").tap()
    page.locator("#id_value").tap()
    page.locator("#id_value").fill(count)
    if batch:
        page.locator("#id_batch").fill(batch)
    page.get_by_test_id("save-result").tap()


def test_an_operator_enters_results_on_the_tablet_and_an_action_level_one_opens_a_deviation(tablet, artifacts):
    from playwright.sync_api import expect

    page = tablet
    sign_in(page, "olga")
    page.goto("/environment/rooms/LEI/FS-A/")
    expect(page.get_by_test_id("results").locator("tbody tr")).not_to_have_count(0)  # the demo's year
    page.get_by_test_id("enter-result").tap()
    page.wait_for_url("**/environment/rooms/LEI/FS-A/results/new/")
    # Made for gloved fingers: the tiles and the button at least 48 px high, nothing wider than the screen.
    for target in (page.locator("label.em-choice").first, page.get_by_test_id("save-result")):
        assert target.bounding_box()["height"] >= 48
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    assert page.locator("#id_value").get_attribute("inputmode") == "decimal"  # the numeric keypad

    enter(page, "A-PC1", "640", batch="AAV-26-099")
    expect(page.get_by_test_id("last-level")).to_have_text("Last result: within")
    page.screenshot(path="/tmp/emyear-within.png", full_page=True)

    enter(page, "A-SP1", "2", batch="AAV-26-099")  # grade A: any growth is action
    expect(page.get_by_test_id("last-level")).to_have_text("Last result: action, a deviation was opened")
    page.screenshot(path="/tmp/emyear-action.png", full_page=True)

    page.goto("/environment/rooms/LEI/FS-A/")
    # The two just entered, newest first (the demo's batch 2 had a result of the load's minute too).
    entered = page.get_by_test_id("results").locator("tbody tr").filter(has_text="AAV-26-099")
    newest = entered.first
    expect(newest).to_contain_text("A-SP1")
    expect(newest.get_by_test_id("level")).to_have_text("Action")
    number = re.search(r"DEV-\d{4}-\d{4}", newest.inner_text())
    assert number, newest.inner_text()
    second = entered.nth(1)
    expect(second).to_contain_text("A-PC1")
    expect(second.get_by_test_id("level")).to_have_text("Within")
    page.screenshot(path="/tmp/emyear-room.png", full_page=False)

    page.goto("/quality/deviations/")
    page.get_by_role("link", name=number.group(0)).first.tap()
    expect(page.locator("main")).to_contain_text("EM action level: Settle plate at FS-A/A-SP1")
    expect(page.locator("main")).to_contain_text("batch AAV-26-099")
    page.screenshot(path="/tmp/emyear-deviation.png", full_page=False)
    page.screenshot(path=str(artifacts / "em-tablet-deviation.png"), full_page=False)
