"""The top bar is one line on a tablet held sideways (1024 × 768), where operators work.

Every user's bar, the longest included (a COI coordinator sees eleven entries), keeps its links,
the user's name and Sign out on one line at 1024 px and on a laptop; in portrait (768 px) it may
wrap, but nothing leaves the screen. Screenshots go to a temporary folder (ATMP_SHOTS: a chosen one).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.browsing import sign_in

pytestmark = pytest.mark.browser

ONE_LINE = """() => {
  const bar = document.querySelector('header.topbar');
  const items = [...bar.querySelectorAll('nav a, .brand, .who-name, .who button, .who a')]
    .filter(el => el.getBoundingClientRect().width > 0);
  const box = bar.getBoundingClientRect();
  const links = [...bar.querySelectorAll('nav a')];
  const tops = new Set(links.map(el => Math.round(el.getBoundingClientRect().top)));
  const outside = items.filter(el => { const r = el.getBoundingClientRect();
                                       return r.top < box.top - 1 || r.bottom > box.bottom + 1; }).length;
  const right = Math.max(...items.map(el => el.getBoundingClientRect().right));
  return {rows: tops.size, outside, height: box.height, right, width: window.innerWidth, links: links.length};
}"""


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    chosen = os.environ.get("ATMP_SHOTS")
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    return tmp_path_factory.mktemp("top-bar")


@pytest.mark.parametrize("username", ["carla", "sam", "alex", "olga"])
def test_the_top_bar_is_one_line_at_1024_px_and_on_a_laptop(browser, server, shots, username):
    for width, height in ((1024, 768), (1366, 768)):
        context = browser.new_context(base_url=server.url, viewport={"width": width, "height": height})
        page = context.new_page()
        try:
            sign_in(page, username)
            for path in ("/", "/manufacturing/batches/"):
                page.goto(path)
                found = page.evaluate(ONE_LINE)
                page.screenshot(path=str(shots / f"{username}-{width}{path.replace('/', '-')}.png"))
                assert found["rows"] == 1, f"{username} at {width} px on {path}: the links wrap: {found}"
                assert found["outside"] == 0, f"{username} at {width} px on {path}: an item leaves the bar: {found}"
                assert found["right"] <= width, f"{username} at {width} px: the bar leaves the screen: {found}"
                assert found["height"] <= 50, f"{username} at {width} px: the bar is {found['height']} px high"
        finally:
            context.close()


def test_in_portrait_the_bar_may_wrap_but_keeps_every_link_on_the_screen(browser, server, shots):
    context = browser.new_context(base_url=server.url, viewport={"width": 768, "height": 1024})
    page = context.new_page()
    try:
        sign_in(page, "sam")
        page.goto("/manufacturing/batches/")
        found = page.evaluate(ONE_LINE)
        page.screenshot(path=str(shots / "sam-768-batches.png"))
        assert found["right"] <= 768 and found["links"] >= 8, found
        assert page.evaluate("document.documentElement.scrollWidth") <= 768
    finally:
        context.close()
