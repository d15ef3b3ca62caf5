"""A deviation from opening to closure in the browser: classified, investigated, given a CAPA, signed closed."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import PASSWORD, fill_form, sign_in, sign_out, take_transition

pytestmark = pytest.mark.browser

TITLE = "Grade B door alarm ignored during filling"


def test_a_major_deviation_is_opened_classified_investigated_given_a_capa_and_closed_with_signatures(page, artifacts):
    # The operator opens it from the deviations list.
    sign_in(page, "olga")
    page.goto("/quality/deviations/")
    page.get_by_test_id("list-new").click()
    fill_form(
        page,
        site="LEI",
        title=TITLE,
        description="The door alarm of the grade B corridor sounded for 4 minutes and was acknowledged without action.",
        occurred_at="2026-12-04T10:15",
        area="Fill-finish corridor",
        immediate_actions="Filling stopped; settle plates added.",
    )
    page.get_by_test_id("operation-submit").click()
    page.wait_for_url(re.compile(r"/records/quality\.deviation/\d+/$"))
    deviation_url = page.url
    expect(page.locator("[data-field=status] .badge")).to_have_text("Open")
    expect(page.get_by_test_id("record-actions").get_by_role("link", name="Classify")).to_have_count(0)  # QA's
    sign_out(page)

    # QA classifies it from its risk scores (3 × 3 × 2 = RPN 18: major) and starts the investigation.
    sign_in(page, "rita")
    page.goto(deviation_url)
    page.get_by_test_id("record-actions").get_by_role("link", name="Classify").click()
    fill_form(page, severity="3", occurrence="3", detectability="2", reason="triage")
    page.get_by_test_id("operation-submit").click()
    page.wait_for_url(deviation_url)
    expect(page.locator("[data-field=classification]")).to_have_text("Major")
    take_transition(page, "start_investigation", "major: investigate, CAPA expected")
    expect(page.locator("[data-field=status] .badge")).to_have_text("Under investigation")

    # Submitting is not possible yet, and the page says why.
    expect(page.get_by_test_id("blocked-transitions")).to_contain_text("Submit for QA review")

    page.get_by_test_id("record-actions").get_by_role("link", name="Edit").click()
    fill_form(
        page,
        impact_assessment="No batch was filled during the alarm; settle plates within limits.",
        root_cause="The alarm's acknowledgement needs no reason; operators were not trained on it.",
        root_cause_method="five_whys",
        reason="investigation complete",
    )
    page.get_by_test_id("operation-submit").click()
    page.wait_for_url(deviation_url)

    # A CAPA from the deviation's page, prefilled with it as the source, with one action for the operator.
    page.get_by_test_id("record-actions").get_by_role("link", name="Raise a CAPA").click()
    expect(page.locator("#id_source")).to_have_value(re.compile(r"^quality\.deviation:\d+$"))
    fill_form(
        page,
        description="Require a reason to acknowledge the door alarm; train the fill-finish team.",
        effectiveness_criteria="No unacknowledged door alarm in the next 3 months.",
        effectiveness_due="2027-03-31",
    )
    page.get_by_test_id("operation-submit").click()
    page.wait_for_url(re.compile(r"/records/quality\.capa/\d+/$"))
    capa_url = page.url
    expect(page.get_by_test_id("links")).to_contain_text("quality.deviation")
    page.get_by_test_id("record-actions").get_by_role("link", name="Add action").click()
    fill_form(page, description="Configure the alarm panel to require a reason", owner="olga", due_date="2026-12-20")
    page.get_by_test_id("operation-submit").click()
    page.wait_for_url(capa_url)
    page.get_by_test_id("parts-actions").get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/records/quality\.capaaction/\d+/$"))
    action_url = page.url

    page.goto(deviation_url)
    take_transition(page, "submit", "investigated; CAPA raised")
    expect(page.locator("[data-field=status] .badge")).to_have_text("QA review")
    sign_out(page)

    # The operator records the action's evidence and marks it done.
    sign_in(page, "olga")
    page.goto(action_url)
    page.get_by_test_id("record-actions").get_by_role("link", name="Evidence").click()
    fill_form(page, evidence="Alarm panel reconfigured, change ticket 4411.", reason="done")
    page.get_by_test_id("operation-submit").click()
    page.wait_for_url(action_url)
    take_transition(page, "complete", "evidence recorded")
    expect(page.locator("[data-field=status] .badge")).to_have_text("Done")
    sign_out(page)

    # The QA approver closes the deviation with a signature; the signature shows who, when and what it means.
    sign_in(page, "alex")
    page.goto(deviation_url)
    # A wrong password is refused on the page, with the typed reason kept.
    take_transition(page, "close", "adequately investigated; CAPA in place", password="not my password")
    expect(page.get_by_test_id("refused")).to_be_visible()
    closing = page.locator("details.transition[data-transition=close]")
    expect(closing.locator("textarea[name=reason]")).to_have_value("adequately investigated; CAPA in place")
    closing.locator("input[name=password]").fill(PASSWORD)
    closing.locator("button[type=submit]").click()
    expect(page.locator("[data-field=status] .badge")).to_have_text("Closed")
    approved = page.get_by_test_id("signature").filter(
        has=page.get_by_test_id("signature-meaning").get_by_text("Approved")
    )
    expect(approved).to_have_count(1)
    expect(approved.get_by_test_id("signature-name")).to_have_text("Alex Approver")
    expect(approved.get_by_test_id("superseded")).to_have_count(0)

    sign_out(page)

    # The CAPA: its actions done, QA checks its effectiveness (found effective); another QA person signs it closed.
    sign_in(page, "rita")
    page.goto(capa_url)
    take_transition(page, "implemented", "all actions done")
    page.get_by_test_id("record-actions").get_by_role("link", name="Effectiveness").click()
    fill_form(page, outcome="effective", evidence="No unacknowledged alarm since the change.", reason="check done")
    page.get_by_test_id("operation-submit").click()
    page.wait_for_url(capa_url)
    sign_out(page)
    sign_in(page, "alex")
    page.goto(capa_url)
    take_transition(page, "close", "effective", password=PASSWORD)
    expect(page.locator("[data-field=status] .badge")).to_have_text("Closed")
    page.screenshot(path=str(artifacts / "capa-closed.png"), full_page=True)

    page.goto("/quality/deviations/?status=closed")
    expect(page.get_by_test_id("deviations")).to_contain_text(TITLE)
