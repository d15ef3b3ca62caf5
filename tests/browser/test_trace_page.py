"""The trace page in the browser: trace a hub reagent lot forward, see the genealogy drawn (no CSP
violation), reach a box with the keyboard, click another and land on that lot's record page."""

import json
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import sign_in
from tests.browser.test_content_security_policy import RECORD

pytestmark = pytest.mark.browser

BUILD = """
import django, json
django.setup()
from atmp.accounts.models import Site, User
from atmp.trace import factories
made = factories.make_aav_genealogy(actor=User.objects.get(username="rita"), site=Site.objects.get(code="LEI"))
print(json.dumps({"hub": made["hub"].number, "batch": made["batches"][0].number, "batch_id": made["batches"][0].pk}))
"""


@pytest.fixture(scope="module")
def genealogy(server):
    """Build a ~60-node AAV genealogy in the server's database (as Rita, at Leiden)."""
    out = subprocess.run(
        [sys.executable, "-c", BUILD], env=server.env, cwd=str(server.home), capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_forward_trace_draws_the_genealogy_and_a_box_leads_to_its_record(page, artifacts, genealogy):
    page.add_init_script(RECORD)
    sign_in(page, "rita")
    page.goto("/trace/")
    page.get_by_role("link", name="Trace the genealogy").click()
    page.fill("#id_root", genealogy["hub"])
    page.get_by_label("Forward", exact=False).check()
    page.get_by_test_id("trace-submit").click()
    graph = page.get_by_test_id("genealogy-graph")
    expect(graph).to_be_visible()
    expect(page.get_by_test_id("trace-summary")).to_contain_text("49 lots, 18 patients")
    assert graph.locator("a.node").count() == 49 + 18
    page.screenshot(path=str(artifacts / "trace-genealogy-forward.png"), full_page=True)

    page.get_by_test_id("trace-root").focus()
    page.keyboard.press("Tab")  # into the drawing's scroll area
    page.keyboard.press("Tab")  # its first box
    assert page.evaluate("document.activeElement.closest('svg') !== null")

    graph.locator(f'a.node[data-key="lot:{genealogy["batch_id"]}"]').click()
    page.wait_for_url(f"**/records/trace.lot/{genealogy['batch_id']}/")
    expect(page.locator("h1")).to_contain_text(genealogy["batch"])
    page.get_by_test_id("trace-backward").click()
    expect(page.get_by_test_id("genealogy-graph")).to_be_visible()
    page.screenshot(path=str(artifacts / "trace-genealogy-backward.png"), full_page=True)
    assert page.evaluate("window.__cspViolations") == []
