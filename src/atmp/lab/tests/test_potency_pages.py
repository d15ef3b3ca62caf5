"""The potency pages: the list, a run with its plate grid, chart, ANOVA and verdicts, and the new-run form
with the plate upload (a refusal shown beside its field, nothing written)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from atmp.lab import factories
from atmp.lab.models import PotencyRun
from atmp.ledger import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(qa_reviewer):
    client = Client()
    client.force_login(qa_reviewer)
    return client


@pytest.mark.parametrize("model", ["parallel_line", "four_pl"])
def test_the_list_and_a_run_page_show_plate_chart_and_verdicts(browser, qa_reviewer, model):
    shape = "linear" if model == "parallel_line" else "logistic"
    run = factories.make_evaluated_potencyrun(
        actor=qa_reviewer, model=model, plate=factories.potency_plate(seed=5, shape=shape)
    )
    listed = browser.get("/lab/potency-runs/")
    assert listed.status_code == 200 and run.number in listed.content.decode()
    html = browser.get(f"/lab/potency-runs/{run.pk}/").content.decode()
    assert 'data-testid="potency-chart"' in html and "data:image/svg+xml;base64," in html
    assert 'data-testid="potency-verdicts"' in html and 'data-testid="potency-plate"' in html
    assert ('data-testid="potency-anova"' in html) == (model == "parallel_line")
    assert "unreviewed assay run" in html
    assert 'data-testid="lab-potency"' in browser.get("/lab/").content.decode()


def test_a_run_is_recorded_through_the_form_and_a_refusal_shown(browser, qa_reviewer, site):
    method = factories.make_potency_method(actor=qa_reviewer)
    lot = factories.make_reference_lot(actor=qa_reviewer, site=site)
    assert browser.get("/lab/potency-runs/new/").status_code == 200
    fields = {
        "site": site.code,
        "method": method.code,
        "run_date": clock.now().date().isoformat(),
        "reference_lot": lot.number,
        "standard": "S",
        "test": "T",
        "model": "parallel_line",
        "transform": "none",
    }
    bad = browser.post("/lab/potency-runs/new/", {**fields, "plate": SimpleUploadedFile("p.csv", b"well,x\n")})
    assert bad.status_code == 400 and "header" in bad.content.decode()
    assert not PotencyRun.objects.exists()
    made = browser.post(
        "/lab/potency-runs/new/", {**fields, "plate": SimpleUploadedFile("p.csv", factories.potency_plate())}
    )
    assert made.status_code == 302
    assert PotencyRun.objects.get().plate_file.name == "p.csv"
