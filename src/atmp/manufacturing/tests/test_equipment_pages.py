"""The equipment pages: the list with due and overdue state, the equipment page with its logbook, the
tablet's entry forms (drawn from the API operations); a refusal comes back beside the form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from atmp.ledger import clock
from atmp.manufacturing import factories
from atmp.manufacturing.services import logbook
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(operator):
    client = Client()
    assert client.login(username="olga", password=PASSWORD)
    return client


def test_the_list_marks_overdue_calibration(browser, bsc, qa_reviewer, site):
    late = factories.make_equipment(actor=qa_reviewer, site=site, code="BAL-02", equipment_class="balance")
    logbook.record_calibration(actor=qa_reviewer, equipment=late, passed=True, at=clock.now() - dt.timedelta(days=400))
    page = browser.get("/manufacturing/equipment/").content.decode()
    assert "BSC-01" in page and "BAL-02" in page and "(overdue)" in page
    only = browser.get("/manufacturing/equipment/?due=overdue").content.decode()
    assert "BAL-02" in only and "BSC-01" not in only


def test_the_equipment_page_shows_whether_it_is_usable_and_its_logbook(browser, bsc):
    page = browser.get(f"/manufacturing/equipment/{bsc.pk}/").content.decode()
    assert "Usable now" in page and 'data-testid="entry-cleaning"' in page and "Calibration" in page


def test_a_use_is_recorded_from_the_tablet_form_and_a_second_one_refused_with_the_rule(browser, bsc):
    url = f"/manufacturing/equipment/{bsc.pk}/use/"
    assert browser.get(url).status_code == 200
    done = browser.post(url, {"purpose": "B-001 step 3"})
    assert done.status_code == 302
    refused = browser.post(url, {"purpose": "B-002 step 1"})
    assert refused.status_code in (400, 409) and "not clean" in refused.content.decode()
    page = browser.get(f"/manufacturing/equipment/{bsc.pk}/").content.decode()
    assert "Not usable now: not clean: BSC-01 is dirty" in page


def test_a_failed_calibration_from_the_form_shows_the_deviation_on_the_page(browser, bsc):
    done = browser.post(f"/manufacturing/equipment/{bsc.pk}/calibrate/", {"result": "failed", "note": "drift"})
    assert done.status_code == 302, done.content.decode()[:2000]
    page = browser.get(f"/manufacturing/equipment/{bsc.pk}/").content.decode()
    assert 'data-testid="deviation-link"' in page and "out of service" in page.lower()


def test_the_products_and_process_versions_lists(browser, product):
    assert "AAV-001" in browser.get("/manufacturing/products/").content.decode()
    assert browser.get("/manufacturing/process-versions/").status_code == 200
    assert browser.get("/manufacturing/").status_code == 200


def test_the_calibration_form_preselects_no_result_and_refuses_none(browser, bsc):
    form = browser.get(f"/manufacturing/equipment/{bsc.pk}/calibrate/").content.decode()
    assert "— choose —" in form
    refused = browser.post(f"/manufacturing/equipment/{bsc.pk}/calibrate/", {"result": "", "note": "forgot"})
    assert refused.status_code == 400 and "result" in refused.content.decode()
    bsc.refresh_from_db()
    assert bsc.status == "qualified" and not bsc.logbook.filter(kind="calibration", note="forgot").exists()


def test_a_qualification_stage_is_recorded_from_the_page_with_its_report(browser, qa_reviewer, site):
    from django.core.files.uploadedfile import SimpleUploadedFile

    eq = factories.make_equipment(actor=qa_reviewer, site=site, code="CEN-09")
    url = f"/manufacturing/equipment/{eq.pk}/qualification/"
    assert "IQ / OQ / PQ" in browser.get(f"/manufacturing/equipment/{eq.pk}/").content.decode()
    done = browser.post(url, {"stage": "iq", "done_on": "2026-01-05", "file": SimpleUploadedFile("iq.txt", b"IQ ok")})
    assert done.status_code == 302
    eq.refresh_from_db()
    assert eq.iq_date == dt.date(2026, 1, 5) and eq.iq_report.name == "iq.txt"
    future = browser.post(url, {"stage": "oq", "done_on": "2999-01-05", "file": SimpleUploadedFile("oq.txt", b"x")})
    assert future.status_code == 400 and "cannot be in the future" in future.content.decode()
