"""The lab pages: the index's cards, method and specification lists and pages, the forms drawn from the
API operations (a new specification, an attribute with a bad criterion refused beside its field), and
a product's specification history with each attribute's criteria per phase side by side."""

from __future__ import annotations

import pytest

from atmp.lab import factories
from atmp.lab.models import Specification
from atmp.lab.services import specifications
from atmp.testing import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(qa_reviewer):
    return signed_in(qa_reviewer)


def test_the_index_lists_the_areas_and_the_products_histories(browser, product):
    page = browser.get("/lab/").content.decode()
    for expected in ("/lab/methods/", "/lab/specifications/", "/lab/products/AAV-001/specifications/"):
        assert expected in page


def test_the_method_list_and_page_show_the_status_per_phase(browser, titre):
    listed = browser.get("/lab/methods/").content.decode()
    assert "QC-VG" in listed and "Validated" in listed and "Qualified" in listed
    page = browser.get(f"/lab/methods/{titre.pk}/").content.decode()
    assert 'data-testid="method-validation"' in page and "QC-VG-iii-validated.txt" in page


def test_a_specification_is_drafted_and_an_attribute_added_through_the_forms(browser, product, titre):
    assert browser.get("/lab/specifications/new/").status_code == 200
    done = browser.post("/lab/specifications/new/", {"product": "AAV-001", "phase": "iii", "title": "Release"})
    assert done.status_code == 302, done.content.decode()[:2000]
    spec = Specification.objects.get()
    url = f"/lab/specifications/{spec.pk}/attributes/new/"
    refused = browser.post(url, {"name": "Titre", "method": "QC-VG", "kind": "numeric", "criterion": "lots"})
    assert refused.status_code == 400 and "form:" in refused.content.decode()
    added = browser.post(
        url, {"name": "Titre", "method": "QC-VG", "kind": "numeric", "criterion": "5.0E12-5.0E13", "unit": "{vg}/mL"}
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    page = browser.get(f"/lab/specifications/{spec.pk}/").content.decode()
    assert "5.0E12-5.0E13" in page and "Approve" in page and 'data-testid="attribute-add"' in page
    assert "AAV-001" in browser.get("/lab/specifications/").content.decode()


def test_the_history_shows_each_attributes_criteria_per_phase(browser, qa_reviewer, qa_approver, product, titre):
    for phase, criterion in (("i", "1.0E12-1.0E14"), ("iii", "5.0E12-5.0E13")):
        spec = specifications.new_specification(actor=qa_reviewer, product=product, phase=phase)
        specifications.add_attribute(
            actor=qa_reviewer, specification=spec, name="Titre", method=titre, kind="numeric", criterion=criterion
        )
        spec.refresh_from_db()
        specifications.approve(actor=qa_approver, specification=spec, password=PASSWORD, reason="ok")
    page = browser.get("/lab/products/AAV-001/specifications/").content.decode()
    assert page.index("1.0E12-1.0E14") < page.index("5.0E12-5.0E13")
    assert 'data-testid="history-justification"' in page
    assert browser.get("/lab/products/NOPE/specifications/").status_code == 404


def test_the_record_page_links_the_specification_page(browser, qa_reviewer, product):
    spec = factories.make_specification(actor=qa_reviewer, product=product)
    page = browser.get(f"/records/lab.specification/{spec.pk}/").content.decode()
    assert f"/lab/specifications/{spec.pk}/" in page


def test_a_validation_status_is_set_with_its_report_on_the_method_page(browser, titre):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = f"/lab/methods/{titre.pk}/validation/"
    assert f'href="{url}"' in browser.get(f"/lab/methods/{titre.pk}/").content.decode()
    refused = browser.post(url, {"phase": "commercial", "status": "validated"})
    assert refused.status_code == 400 and "attach it" in refused.content.decode()
    done = browser.post(
        url, {"phase": "commercial", "status": "validated", "file": SimpleUploadedFile("c.txt", b"commercial")}
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    assert "c.txt" in browser.get(f"/lab/methods/{titre.pk}/").content.decode()
