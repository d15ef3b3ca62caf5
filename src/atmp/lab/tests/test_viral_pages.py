"""The viral clearance pages: the list, a study with its steps, claims and chart, the new-study and
add-step forms (a broken rule shown beside its field, nothing written), the report upload."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from atmp.lab import factories
from atmp.lab.models import ViralClearanceStep, ViralClearanceStudy

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(qa_reviewer):
    client = Client()
    client.force_login(qa_reviewer)
    return client


def test_the_list_and_a_study_page_show_steps_claims_and_a_chart(browser, qa_reviewer, study):
    factories.make_viralclearancestep(actor=qa_reviewer, study=study)
    factories.make_viralclearancestep(
        actor=qa_reviewer,
        study=study,
        name="AEX",
        mechanism="aex",
        output_detected=False,
        output_log10_titre=None,
        sampled_volume_ml="100",
    )
    listed = browser.get("/lab/viral-clearance/")
    assert listed.status_code == 200 and study.number in listed.content.decode()
    page = browser.get(f"/lab/viral-clearance/{study.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="viral-chart"' in html and "data:image/svg+xml;base64," in html
    assert "≥ " in html and "Low pH hold" in html and 'data-testid="viral-add-step"' in html
    index = browser.get("/lab/")
    assert 'data-testid="lab-viral"' in index.content.decode()


def test_a_study_is_opened_and_a_step_added_through_the_forms(browser, site, aav):
    form = browser.get("/lab/viral-clearance/new/")
    assert form.status_code == 200
    opened = browser.post(
        "/lab/viral-clearance/new/",
        {"site": site.code, "product": aav.code, "title": "Downstream", "laboratory": "CRO", "model_viruses": "MuLV"},
    )
    assert opened.status_code == 302, opened.content.decode()[:2000]
    study = ViralClearanceStudy.objects.get()
    step = {
        "name": "Low pH hold",
        "mechanism": "low_ph",
        "virus": "MuLV",
        "virus_family": "Retroviridae",
        "enveloped": "on",
        "run": "1",
        "titre_unit": "tcid50_ml",
        "load_log10_titre": "6.5",
        "load_volume_ml": "100",
        "output_detected": "on",
        "output_log10_titre": "6.0",
        "output_volume_ml": "100",
        "counted": "on",
    }
    refused = browser.post(f"/lab/viral-clearance/{study.pk}/steps/new/", step)
    assert refused.status_code == 400 and "not above 1" in refused.content.decode()
    assert not ViralClearanceStep.objects.exists()
    added = browser.post(f"/lab/viral-clearance/{study.pk}/steps/new/", {**step, "output_log10_titre": "2.5"})
    assert added.status_code == 302, added.content.decode()[:3000]
    assert ViralClearanceStep.objects.count() == 1


def test_the_report_is_uploaded_on_its_page(browser, study):
    assert browser.get(f"/lab/viral-clearance/{study.pk}/report/").status_code == 200
    done = browser.post(
        f"/lab/viral-clearance/{study.pk}/report/", {"file": SimpleUploadedFile("final.pdf", b"%PDF-1.4 x")}
    )
    assert done.status_code == 302
    study.refresh_from_db()
    assert study.report.name == "final.pdf"


def test_an_unknown_study_is_a_404(browser):
    assert browser.get("/lab/viral-clearance/999999/").status_code == 404


def test_the_record_page_shows_the_claims_panel_and_the_buttons(browser, qa_reviewer, study):
    factories.make_viralclearancestep(actor=qa_reviewer, study=study)
    html = browser.get(f"/records/{study.record_type()}/{study.pk}/").content.decode()
    assert 'data-testid="viral-panel"' in html and "4.00 log10" in html
    assert f"/lab/viral-clearance/{study.pk}/steps/new/" in html
