"""A chain of custody in the browser, from collection to the bedside: a refused mismatched scan and the
deviation it opened, a temperature log drawn against its range, and the administration by scan."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import PASSWORD, sign_in
from tests.helpers import run_atmp_each

pytestmark = pytest.mark.browser

RECORD = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(e.violatedDirective));
"""


def _atmp(server, *commands: list[str]) -> list[dict]:
    """Run the `atmp` commands (each with --json) in one process as the demo's password; return their answers."""
    outputs = run_atmp_each([[*args, "--json"] for args in commands], server.env | {"ATMP_PASSWORD": PASSWORD})
    return [json.loads(out) for out in outputs]


def _hand_over(page, giver: str, receiver: str, stage: str, place: str, to_party: str) -> None:
    page.get_by_test_id("record-handover").click()
    # A barcode reader types the symbol and presses Enter: Enter moves on to the next scan.
    page.locator("#id_giver_scan").press_sequentially(giver + "\n")
    expect(page.locator("#id_receiver_scan")).to_be_focused()
    page.locator("#id_receiver_scan").press_sequentially(receiver + "\n")
    expect(page.locator("#id_place")).to_be_focused()
    page.select_option("#id_stage", stage)
    page.fill("#id_place", place)
    page.fill("#id_from_party", "Leiden apheresis unit")
    page.fill("#id_to_party", to_party)
    page.fill("#id_condition", "Shipper sealed, labels intact")
    page.get_by_test_id("handover-submit").click()


def test_a_product_is_followed_from_collection_to_the_bedside(page, server, artifacts, tmp_path):
    page.add_init_script(RECORD)
    people = _atmp(server, *[["trace", "person", "add", "--kind", "patient", "--site", "LEI", "--as", "olga"]] * 2)
    patient, other = (person["coi"] for person in people)
    _atmp(
        server,
        ["trace", "material", "add", "APH-CUST", "--name", "Apheresis", "--type", "starting_material",
         "--unit", "mL", "--storage", "2–8 °C", "--as", "rita"],
        ["trace", "material", "add", "CART-CUST", "--name", "CAR-T bag", "--type", "drug_product",
         "--unit", "{bag}", "--storage", "≤ -150 °C", "--as", "rita"],
        ["trace", "lot", "receive", "APH-C1", "--material", "APH-CUST", "--site", "LEI", "--quantity", "200",
         "--donor", patient, "--expiry", "2099-01-01", "--as", "olga"],
        ["trace", "ship", "SHP-C1", "--lot", "APH-C1", "--origin", "LUMC apheresis", "--destination",
         "Leiden manufacturing", "--stage", "manufacturing", "--tracking", "1ZCUST0001", "--as", "olga"],
    )  # fmt: skip

    # Collection → courier: the courier's scan names another patient: blocked, and a deviation opens.
    sign_in(page, "olga")
    page.goto("/trace/shipments/")
    page.screenshot(path=str(artifacts / "custody-shipments.png"), full_page=True)
    page.fill("#id_q", "1ZCUST0001")
    page.get_by_role("button", name="Open").click()
    page.wait_for_url("**/trace/shipments/SHP-C1/")
    expect(page.get_by_test_id("shipment-coi")).to_have_text(patient)
    _hand_over(page, "APH-C1", other, "courier", "LUMC apheresis unit", "Courier")
    expect(page.get_by_test_id("blocked")).to_contain_text("is opened")
    expect(page.get_by_test_id("error-receiver_scan")).to_contain_text(f"names COI {other}")
    page.screenshot(path=str(artifacts / "custody-handover-blocked.png"), full_page=True)
    deviation_url = page.get_by_test_id("blocked-deviation").get_attribute("href")

    page.goto("/trace/shipments/SHP-C1/")
    _hand_over(page, "APH-C1", patient, "courier", "LUMC apheresis unit", "Courier")
    page.wait_for_url("**/trace/shipments/SHP-C1/#chain")
    _hand_over(page, patient, "APH-C1", "manufacturing", "Leiden goods-in", "Leiden manufacturing")
    page.wait_for_url("**/trace/shipments/SHP-C1/#chain")
    expect(page.get_by_test_id("handover-accepted")).to_have_count(2)
    expect(page.get_by_test_id("handover-blocked")).to_have_count(1)

    log = tmp_path / "shipper.csv"
    log.write_text(
        "time,temperature (°C)\n2026-12-01T06:00:00Z,4.1\n2026-12-01T07:00:00Z,5.2\n2026-12-01T08:00:00Z,6.0\n"
    )
    page.get_by_test_id("upload-log").click()
    page.screenshot(path=str(artifacts / "custody-temperature-log-form.png"), full_page=True)
    page.set_input_files("#id_file", str(log))
    page.get_by_test_id("temperature-log-submit").click()
    page.wait_for_url("**/trace/shipments/SHP-C1/#logs")
    expect(page.get_by_test_id("temperature-chart")).to_be_visible()
    page.screenshot(path=str(artifacts / "custody-shipment-chain.png"), full_page=True)

    # Made, released, shipped to the treatment centre.
    _atmp(
        server,
        ["trace", "lot", "release", "APH-C1", "--reason", "apheresis accepted", "--as", "alex"],
        ["trace", "lot", "receive", "CART-C1", "--material", "CART-CUST", "--site", "LEI", "--quantity", "1",
         "--expiry", "2099-01-01", "--as", "olga"],
        ["trace", "use", "APH-C1", "CART-C1", "--quantity", "150", "--unit", "mL", "--as", "olga"],
        ["trace", "lot", "release", "CART-C1", "--reason", "QP certified", "--as", "alex"],
        ["trace", "ship", "SHP-T1", "--lot", "CART-C1", "--origin", "Leiden manufacturing",
         "--destination", "LUMC pharmacy", "--stage", "treatment_centre", "--low", "-196", "--high", "-150",
         "--as", "olga"],
    )  # fmt: skip
    page.goto("/trace/shipments/SHP-T1/")
    _hand_over(page, "CART-C1", patient, "treatment_centre", "LUMC pharmacy", "LUMC pharmacy")
    page.wait_for_url("**/trace/shipments/SHP-T1/#chain")

    # The bedside: another patient's wristband is refused; the right one is given the bag.
    page.goto("/trace/bedside/")
    page.locator("#id_patient_scan").press_sequentially(other + "\n")
    expect(page.locator("#id_product_scan")).to_be_focused()
    page.locator("#id_product_scan").press_sequentially("CART-C1\n")
    page.fill("#id_place", "LUMC ward 4, bed 12")
    page.get_by_test_id("bedside-submit").click()
    expect(page.get_by_test_id("blocked")).to_be_visible()
    expect(page.get_by_test_id("error-product_scan")).to_contain_text(f"is made for {patient}, not for")
    page.fill("#id_patient_scan", patient)
    page.fill("#id_product_scan", "CART-C1")
    page.fill("#id_place", "LUMC ward 4, bed 12")
    page.get_by_test_id("bedside-submit").click()
    expect(page.get_by_test_id("given")).to_contain_text(f"given to {patient}")
    page.screenshot(path=str(artifacts / "custody-bedside.png"), full_page=True)

    # The deviation the refused scan opened concerns the blocked hand-over.
    page.goto(deviation_url)
    expect(page.locator("h1")).to_contain_text("Mismatched scan at hand-over of SHP-C1")
    assert re.search(r"trace\.handover:\d+", page.content())
    assert page.evaluate("window.__cspViolations") == []
