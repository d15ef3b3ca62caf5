"""The Statistics page in a real browser: upload a CSV, compute, see the plot, download the results."""

import json

import pytest
from playwright.sync_api import expect

from atmp.stats.catalogue import example_files
from tests.browser.browsing import sign_in

pytestmark = pytest.mark.browser


def test_a_user_uploads_a_csv_and_sees_the_result_with_its_plot(page, artifacts, tmp_path):
    csv = tmp_path / "clearance.csv"
    csv.write_bytes(example_files()["lrv.csv"])
    sign_in(page, "rita")
    page.get_by_role("link", name="Statistics").click()
    expect(page.get_by_test_id("not-gmp")).to_contain_text("not GMP records")
    page.get_by_test_id("analysis-lrv").click()
    page.wait_for_url("**/stats/lrv/")
    page.set_input_files("#id_file", str(csv))
    page.get_by_test_id("compute").click()

    expect(page.get_by_test_id("result-claim")).to_have_text("13.3847")
    plot = page.get_by_test_id("plot")
    expect(plot).to_be_visible()
    assert plot.evaluate("img => img.complete && img.naturalWidth > 100"), "the SVG plot did not render"
    page.screenshot(path=str(artifacts / "statistics-lrv.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_test_id("download-json").click()
    document = json.loads(download.value.path().read_text())
    assert document["claim_greater_equal"] is True
    assert document["provenance"]["input_sha256"]
    with page.expect_download() as download:
        page.get_by_test_id("download-svg").click()
    assert download.value.suggested_filename == "lrv.svg"
    assert "<svg" in download.value.path().read_text()


def test_a_shelf_life_is_estimated_from_an_uploaded_stability_study(page, artifacts, tmp_path):
    # LeBlond et al. 2011, Table VIII (separate lines): 15.84 months, batch b8 governs (JMP 12.0.1: 15.844877978).
    csv = tmp_path / "stability.csv"
    csv.write_bytes(example_files()["shelf-life-leblond-2011-dids.csv"])
    sign_in(page, "quentin")
    page.goto("/stats/")
    page.get_by_test_id("analysis-shelf-life").click()
    page.wait_for_url("**/stats/shelf-life/")  # and its load event: the page's script listens for the file
    page.set_input_files("#id_file", str(csv))
    column = page.locator("#stats-columns option[value=potency]")
    expect(column).to_have_count(1)  # the page read the file's header and offers its columns
    page.fill("#id_batch", "batch")
    page.fill("#id_time", "month")
    page.fill("#id_value", "potency")
    page.fill("#id_lower", "95")
    page.get_by_test_id("compute").click()

    expect(page.get_by_test_id("result-model")).to_have_text("dids")
    expect(page.get_by_test_id("result-shelf_life")).to_have_text("15.8449")
    expect(page.get_by_test_id("result-governing_batch")).to_have_text("b8")
    plot = page.get_by_test_id("plot")
    expect(plot).to_be_visible()
    assert plot.evaluate("img => img.complete && img.naturalWidth > 100"), "the SVG plot did not render"
    expect(page.get_by_test_id("result-table-batches")).to_contain_text("b5")
    page.get_by_test_id("provenance").locator("summary").click()
    expect(page.get_by_test_id("provenance")).to_contain_text("ICH Q1E")
    page.screenshot(path=str(artifacts / "statistics-shelf-life.png"), full_page=True)


def test_a_wrong_file_is_refused_beside_the_field(page, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("step,mechanism\nA,x\n")
    sign_in(page, "rita")
    page.goto("/stats/lrv/")
    page.set_input_files("#id_file", str(bad))
    page.get_by_test_id("compute").click()
    expect(page.get_by_test_id("error-file")).to_contain_text("lacks the column(s)")
    expect(page.get_by_test_id("plot")).to_have_count(0)
