"""The master batch record pages: the list (filtered by product, process version and state), the record's
page with its steps and rows, the upload page that drafts one through the API operation (a bad field
comes back beside the file, nothing written), and the links from the process version's page."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atmp.manufacturing import factories
from atmp.manufacturing.models import MasterBatchRecord
from atmp.manufacturing.services import mbr as svc
from atmp.testing import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(qa_reviewer):
    return signed_in(qa_reviewer)


def _upload(doc):
    return SimpleUploadedFile("mbr.json", json.dumps(doc).encode(), content_type="application/json")


def test_a_draft_is_made_from_an_uploaded_file_and_shown_with_its_steps(browser, version, doc):
    form = browser.get(f"/manufacturing/master-batch-records/new/?process={version.pk}")
    assert form.status_code == 200 and 'data-testid="mbr-upload-form"' in form.content.decode()
    done = browser.post(
        "/manufacturing/master-batch-records/new/",
        {"process_version": version.pk, "file": _upload(doc), "reason": "first draft"},
    )
    assert done.status_code == 302, done.content.decode()[:3000]
    made = MasterBatchRecord.objects.get()
    assert done["Location"] == f"/manufacturing/master-batch-records/{made.pk}/"
    page = browser.get(done["Location"]).content.decode()
    for expected in ('data-testid="mbr-step-30"', "Temperature", "36.5 – 37.5", "35 – 39", "MED-001", "500 mL",
                     "± 5 %", "second person", "Viability", "bsc", "Aseptic processing", "Make effective"):  # fmt: skip
        assert expected in page, expected


def test_a_bad_field_comes_back_beside_the_file_and_nothing_is_written(browser, version, doc):
    doc["steps"][0]["room_grade"] = "Z"
    refused = browser.post(
        "/manufacturing/master-batch-records/new/", {"process_version": version.pk, "file": _upload(doc)}
    )
    assert refused.status_code == 400
    assert "step 10.room_grade" in refused.content.decode()
    assert MasterBatchRecord.objects.count() == 0


def test_the_list_filters_by_state_and_process_version(browser, qa_reviewer, qa_approver, version, doc):
    first = svc.add_mbr(actor=qa_reviewer, process_version=version, document=doc)
    svc.make_effective(actor=qa_approver, mbr=first, password=PASSWORD, reason="approved")
    doc["title"] = "Second thoughts"
    svc.add_mbr(actor=qa_reviewer, process_version=version, document=doc)
    page = browser.get("/manufacturing/master-batch-records/?status=effective").content.decode()
    assert doc["title"] not in page and "Upstream and downstream" in page
    page = browser.get(f"/manufacturing/master-batch-records/?process={version.pk}").content.decode()
    assert doc["title"] in page and "Upstream and downstream" in page


def test_the_process_version_page_links_to_its_records(browser, version):
    page = browser.get(f"/records/manufacturing.processversion/{version.pk}/").content.decode()
    assert f"/manufacturing/master-batch-records/?process={version.pk}" in page
    assert f"/manufacturing/master-batch-records/new/?process={version.pk}" in page


def test_the_record_page_links_to_the_steps(browser, qa_reviewer):
    made = factories.make_masterbatchrecord(actor=qa_reviewer)
    page = browser.get(f"/records/manufacturing.masterbatchrecord/{made.pk}/").content.decode()
    assert f"/manufacturing/master-batch-records/{made.pk}/" in page
