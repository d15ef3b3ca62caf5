"""A record's parts fit their panel: a recall's scope and an FMEA's worksheet, at laptop and tablet widths.

A table of many columns in a panel a third of the page wide once scrolled sideways inside it (the
scope's quantities out of sight). Now it is a table where there is room and a block per row, each
value labelled, where there is not: nothing scrolls at 1280 px or 800 px, nor on a phone.
"""

import sqlite3

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import sign_in

pytestmark = pytest.mark.browser

WIDTHS = (1280, 800, 390)

SCROLLED = """() => [...document.querySelectorAll('[data-testid^=parts-]')].map(t => {
  const box = t.parentElement;
  return {table: t.dataset.testid, scroll: box.scrollWidth, width: box.clientWidth};
})"""


def _ids(server) -> dict[str, int]:
    with sqlite3.connect(f"file:{server.database}?mode=ro", uri=True) as db:
        recall = db.execute("SELECT min(id) FROM quality_recall").fetchone()[0]
        assessment = db.execute("SELECT min(assessment_id) FROM quality_fmearow").fetchone()[0]
    return {"recall": recall, "assessment": assessment}


@pytest.mark.parametrize("width", WIDTHS)
def test_a_recalls_scope_and_an_fmea_worksheet_fit_their_panel(browser, server, artifacts, width):
    context = browser.new_context(base_url=server.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    ids = _ids(server)
    try:
        sign_in(page, "rita")
        for name, path in {
            "recall": f"/records/quality.recall/{ids['recall']}/",
            "fmea": f"/records/quality.riskassessment/{ids['assessment']}/",
        }.items():
            page.goto(path)
            expect(page.get_by_test_id("panel-parts")).to_be_visible()
            for table in page.evaluate(SCROLLED):
                assert table["scroll"] <= table["width"] + 1, f"{name} at {width} px: {table}"
            page.get_by_test_id("panel-parts").screenshot(path=str(artifacts / f"parts-{name}-{width}.png"))
        # Each value of a stacked row keeps its column's name (read out, and shown).
        page.goto(f"/records/quality.recall/{ids['recall']}/")
        returned = page.get_by_test_id("parts-scope").locator("td[data-label=Returned]").first
        expect(returned).to_be_visible()
    finally:
        context.close()
