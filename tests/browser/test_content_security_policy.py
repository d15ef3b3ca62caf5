"""Every page renders under atmp's Content-Security-Policy (no inline script or style) with no violation.

Chromium reports each blocked inline style, script or load as a `securitypolicyviolation` event
and on the console; the test listens for both on every page it opens, the statistics plot included.
"""

import pytest
from playwright.sync_api import expect

from atmp.stats.catalogue import example_files
from tests.browser.browsing import sign_in

pytestmark = pytest.mark.browser

RECORD = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


def test_the_pages_render_without_a_csp_violation(page, artifacts, tmp_path):
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(RECORD)
    violations: list[str] = []

    def visit(path: str) -> None:
        response = page.goto(path)
        assert "style-src 'self'" in response.headers["content-security-policy"]
        violations.extend(f"{path}: {v}" for v in page.evaluate("window.__cspViolations"))

    visit("/login/")
    sign_in(page, "rita")
    for path in ("/", "/audit/", "/sites/", "/users/", "/stats/"):
        visit(path)
    page.goto("/sites/")
    page.get_by_test_id("sites").get_by_role("link", name="GNT", exact=True).click()
    page.wait_for_url("**/records/accounts.site/*/")
    visit(page.url)
    page.get_by_test_id("sign-button").click()  # the dialog, opened by atmp.js
    expect(page.locator("dialog#sign-dialog")).to_be_visible()
    violations.extend(page.evaluate("window.__cspViolations"))

    csv = tmp_path / "clearance.csv"
    csv.write_bytes(example_files()["lrv.csv"])
    visit("/stats/lrv/")
    page.set_input_files("#id_file", str(csv))
    page.get_by_test_id("compute").click()
    plot = page.get_by_test_id("plot")
    expect(plot).to_be_visible()
    assert plot.evaluate("img => img.complete && img.naturalWidth > 100"), "the SVG plot did not render under the CSP"
    violations.extend(f"/stats/lrv/ result: {v}" for v in page.evaluate("window.__cspViolations"))
    page.screenshot(path=str(artifacts / "csp-statistics-lrv.png"), full_page=True)

    assert violations == [] and console == [], f"CSP violations: {violations}\nconsole: {console}"
