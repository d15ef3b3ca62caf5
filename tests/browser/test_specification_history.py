"""A QA reviewer reads the demo product's specification history: each attribute's chart is inline SVG
(atmp.lab.charts), labelled for a screen reader, with a point per numeric result; screenshot kept."""

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import sign_in

pytestmark = pytest.mark.browser


def test_the_history_charts_are_drawn_inline(page, artifacts):
    sign_in(page, "rita")
    page.goto("/lab/products/AAV9-SMN/specifications/")
    charts = page.get_by_test_id("history-chart")
    expect(charts.first).to_be_visible()
    svg = charts.first.locator("svg[role=img]")
    expect(svg).to_be_visible()
    assert "results in test order by phase" in (svg.get_attribute("aria-label") or "")
    assert svg.locator("circle.point").count() >= 1
    assert page.locator("img[src^='data:image/svg']").count() == 0
    charts.first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "lab-specification-history.png"), full_page=True)
    charts.first.screenshot(path=str(artifacts / "lab-specification-history-chart.png"))
