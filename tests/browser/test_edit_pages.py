"""Edit pages in the browser: an optional value cleared with the keyboard, a CAPA picked from a list."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import fill_form, sign_in

pytestmark = pytest.mark.browser


def _open_deviation(page, **fields: str) -> str:
    """Open a deviation at Leiden from the list's New button; return its page's URL."""
    page.goto("/quality/deviations/")
    page.get_by_test_id("list-new").click()
    fill_form(page, site="LEI", occurred_at="2026-12-04T10:15", **fields)
    page.get_by_test_id("operation-submit").click()
    page.wait_for_url(re.compile(r"/records/quality\.deviation/\d+/$"))
    return page.url


def test_an_optional_value_is_cleared_with_the_keyboard_from_the_edit_page(page):
    sign_in(page, "rita")
    url = _open_deviation(page, title="Clearing test", description="Area typed in error", area="Suite 1")
    expect(page.locator("[data-field=area]")).to_have_text("Suite 1")

    page.get_by_test_id("record-actions").get_by_role("link", name="Edit").click()
    # The box follows its field in the tab order and is named for it; the title, required, has none.
    expect(page.get_by_role("checkbox", name="Clear title")).to_have_count(0)
    page.locator("#id_area").focus()
    page.keyboard.press("Tab")
    box = page.get_by_role("checkbox", name="Clear area")
    expect(box).to_be_focused()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    expect(page.locator("#id_area")).to_have_css("text-decoration-line", "line-through")  # what will go
    fill_form(page, reason="no area: it was not in a room")
    page.get_by_test_id("operation-submit").click()

    page.wait_for_url(url)
    expect(page.locator("[data-field=area]")).to_have_text("—")
    expect(page.locator("[data-field=title]")).to_have_text("Clearing test")


def test_a_deviation_is_linked_to_a_capa_picked_from_the_sites_open_capas(page):
    sign_in(page, "rita")
    url = _open_deviation(page, title="Picker test", description="Same root cause as an open CAPA")
    page.locator("details.add-link summary").click()
    target = page.get_by_test_id("link-form").locator("input[name=target]")

    # The browser binds the input to its list (its own picker: Down arrow, or typing, filters it).
    offered = target.evaluate("e => e.list ? [...e.list.options].map(o => [o.value, o.label]) : null")
    assert offered, "the target input has no list of CAPAs to pick"
    for key, label in offered:
        assert re.fullmatch(r"quality\.capa:\d+", key) and re.match(r"CAPA-\d{4}-\d{4} ", label), (key, label)
    key, label = offered[0]
    target.fill(key)  # what picking the first suggestion types
    page.get_by_test_id("link-form").locator("input[name=reason]").fill("same root cause")
    page.get_by_test_id("link-form").get_by_role("button", name="Link").click()

    page.wait_for_url(url)
    expect(page.get_by_test_id("links")).to_contain_text(label.split(" ")[0])
