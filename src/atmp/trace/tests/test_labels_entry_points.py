"""Labels and scans through the API, the command line and the pages: the same label, the same refusals."""

from __future__ import annotations

import io
import json
from urllib.parse import quote

import pytest
from django.test import Client
from PIL import Image

from atmp.testing import ApiClient, token_for
from atmp.trace import factories
from atmp.trace.tests.clirunner import atmp, doc
from atmp.trace.tests.decoding import scans

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(qa_reviewer):
    return ApiClient(token_for(qa_reviewer))


@pytest.fixture
def patient(qa_reviewer, site):
    return factories.make_person(actor=qa_reviewer, kind="patient", site=site)


@pytest.fixture
def donation(qa_reviewer, site, patient):
    apheresis = factories.make_material(actor=qa_reviewer, code="APH-1", name="Apheresis", type="starting_material")
    return factories.make_lot(actor=qa_reviewer, number="APH-0001", material=apheresis, site=site, donor=patient)


def test_the_api_prints_a_label_and_reads_its_scan_back(api, donation, patient):
    pdf = api.get("/trace/lots/APH-0001/label.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert pdf["Content-Disposition"] == 'inline; filename="label-APH-0001-100x50mm.pdf"'
    png = api.get("/trace/lots/APH-0001/label.png", size="50x25mm")
    assert png.status_code == 200 and Image.open(io.BytesIO(png.content)).size == (591, 295)
    ((_, _, typed),) = scans(png.content)
    read = api.get("/trace/scan", data=typed)
    assert read.status_code == 200, read.json()
    assert (read.json()["lot"], read.json()["coi"], read.json()["kind"]) == ("APH-0001", patient.coi, "gs1")


def test_the_api_refuses_a_size_and_a_scan_naming_the_rule(api, donation):
    refused = api.get("/trace/lots/APH-0001/label.png", size="A4")
    assert refused.status_code == 400 and refused.json()["field"] == "size"
    assert api.get("/trace/lots/NOPE/label.pdf").status_code == 404
    wrong = api.get("/trace/scan", data="LEI-P-000001-Z")
    assert wrong.status_code == 400 and wrong.json()["field"] == "scan.coi"


def test_the_api_sets_a_sites_label_sizes(api, site):
    assert api.get("/trace/sites/LEI/labels").json() == {
        "site": "LEI", "sizes": ["50x25mm", "100x50mm", "4x6in"], "default_size": "100x50mm",
        "isbt128": False, "configured": False,
    }  # fmt: skip
    put = api.put("/trace/sites/LEI/labels", {"sizes": ["62x29mm", "4x6in"], "default_size": "4x6in", "isbt128": True})
    assert put.status_code == 200, put.json()
    assert put.json() == {
        "site": "LEI", "sizes": ["62x29mm", "4x6in"], "default_size": "4x6in", "isbt128": True, "configured": True,
    }  # fmt: skip
    again = api.put("/trace/sites/LEI/labels", {"sizes": ["4x6in"]})
    assert again.status_code == 400 and "reason" in again.json()["detail"]
    bad = api.put("/trace/sites/LEI/labels", {"sizes": ["4x6in"], "default_size": "50x25mm", "reason": "x"})
    assert bad.status_code == 400 and bad.json()["field"] == "default_size"


def test_a_material_gets_its_gtin_through_the_api(api, material):
    changed = api.patch("/trace/materials/MED-001/label-codes", {"gtin": "09501101530003", "reason": "labels"})
    assert changed.status_code == 200 and changed.json()["gtin"] == "09501101530003"
    wrong = api.patch("/trace/materials/MED-001/label-codes", {"gtin": "09501101530004", "reason": "labels"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "gtin"


def test_the_command_line_prints_a_label_and_reads_a_scan(tmp_path, qa_reviewer, donation, patient):
    out = tmp_path / "label.png"
    printed = doc(atmp("label", "APH-0001", "--size", "4x6in", "--out", str(out), "--json"))
    assert printed["size"] == "4x6in" and Image.open(out).size == (1200, 1800)
    ((_, _, typed),) = scans(out.read_bytes())
    assert doc(atmp("scan", typed, "--json"))["coi"] == patient.coi
    assert atmp("label", "APH-0001", "--out", str(tmp_path / "label.pdf")).exit_code == 0
    assert (tmp_path / "label.pdf").read_bytes().startswith(b"%PDF-")
    refused = atmp("label", "APH-0001", "--out", str(tmp_path / "label.jpg"))
    assert refused.exit_code == 2 and ".pdf or .png" in refused.output
    unknown = atmp("scan", "NOPE-1")
    assert unknown.exit_code == 2 and "no lot number or COI known here" in unknown.output


def test_the_command_line_sets_up_a_sites_labels_and_a_materials_gtin(qa_reviewer, site, material):
    setup = doc(atmp("label-setup", "LEI", "--size", "50x25mm", "--size", "4x6in", "--as", "rita", "--json"))
    assert (setup["sizes"], setup["default_size"], setup["configured"]) == (["50x25mm", "4x6in"], "50x25mm", True)
    bad = atmp("label-setup", "LEI", "--size", "huge", "--as", "rita", "--reason", "x")
    assert bad.exit_code == 2 and "sizes: 'huge'" in bad.output
    codes = doc(
        atmp("material", "codes", "MED-001", "--gtin", "09501101530003", "--as", "rita", "--reason", "x", "--json")
    )
    assert codes["gtin"] == "09501101530003"


def test_the_labels_page_links_the_label_and_reads_a_scan(qa_reviewer, donation, patient):
    client = Client()
    client.force_login(qa_reviewer)
    page = client.get("/trace/labels/", {"lot": "APH-0001", "size": "", "format": "png"})
    assert page.status_code == 200 and b"/trace/lots/APH-0001/label.png" in page.content
    png = client.get("/trace/lots/APH-0001/label.png?size=50x25mm")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    ((_, _, typed),) = scans(png.content)
    read = client.get("/trace/labels/?scan=" + quote(typed))
    assert read.status_code == 200 and patient.coi.encode() in read.content
    refused = client.get("/trace/labels/", {"scan": "NOPE-1"})
    assert refused.status_code == 400 and b"no lot number or COI known here" in refused.content
    too_small = client.get("/trace/lots/APH-0001/label.pdf?size=A4")
    assert too_small.status_code == 400 and b"WIDTHxHEIGHT" in too_small.content


def test_printing_a_label_writes_nothing_to_the_ledger(api, donation):
    from atmp.ledger.models import AuditEntry

    before = AuditEntry.objects.count()
    assert api.get("/trace/lots/APH-0001/label.pdf").status_code == 200
    assert api.get("/trace/scan", data="APH-0001").status_code == 200
    assert AuditEntry.objects.count() == before
    assert json.loads(api.get("/trace/scan", data="APH-0001").content)["lot"] == "APH-0001"
