"""Potency runs through the REST API: criteria declared, a run uploaded with its plate, evaluated and
reviewed by the generic transitions, combined; bad input a 4xx naming the field, nothing written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atmp.lab import factories
from atmp.lab.models import PotencyRun
from atmp.ledger import clock
from atmp.manufacturing import factories as mf
from atmp.testing import PASSWORD, ApiClient, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(qa_reviewer):
    return ApiClient(token_for(qa_reviewer))


@pytest.fixture
def other(qa_approver):
    return ApiClient(token_for(qa_approver))


def _upload(api, site, method, lot, plate=None, **fields):
    body = {
        "site": site.code,
        "method": method.code,
        "run_date": clock.now().date().isoformat(),
        "reference_lot": lot.number,
        "file": SimpleUploadedFile("plate.csv", plate or factories.potency_plate()),
        **fields,
    }
    return api.client.post("/api/v1/lab/potency-runs", body)


def test_a_run_is_uploaded_evaluated_reviewed_and_combined(api, other, qa_reviewer):
    batch = mf.make_batch(actor=qa_reviewer)
    method = factories.make_method(actor=qa_reviewer, method_type="potency")
    put = api.put(f"/lab/methods/{method.code}/potency-criteria", {"max_ci_ratio": 2, "reason": "method SOP"})
    assert put.status_code == 200, put.content
    assert float(put.json()["criteria"]["max_ci_ratio"]) == 2
    lot = factories.make_reference_lot(actor=qa_reviewer, site=batch.site)
    numbers = []
    for seed in (2, 5):
        made = _upload(api, batch.site, method, lot, factories.potency_plate(seed=seed), batch=batch.number)
        assert made.status_code == 201, made.content
        run = made.json()
        assert run["wells"] == 48 and len(run["plate_file"]["sha256"]) == 64 and not run["usable_for_release"]
        record = f"/records/lab.potencyrun/{run['id']}/transitions"
        assert api.post(f"{record}/evaluate", {"reason": "plate read"}).status_code == 200
        own = api.post(f"{record}/review", {"reason": "mine", "password": PASSWORD})
        assert own.status_code in (403, 422)
        done = other.post(f"{record}/review", {"reason": "checked", "password": PASSWORD})
        assert done.status_code == 200, done.content
        shown = api.get(f"/lab/potency-runs/{run['id']}").json()
        assert shown["status"] == "reviewed" and shown["valid"] and shown["usable_for_release"]
        numbers.append(run["number"])
    combined = api.post("/lab/potency-results", {"batch": batch.number, "runs": numbers})
    assert combined.status_code == 201, combined.content
    assert combined.json()["results"]["method"] in ("weighted", "semi-weighted")
    assert api.get(f"/lab/potency-results/{combined.json()['id']}").status_code == 200


def test_bad_input_is_a_4xx_naming_the_field_and_nothing_is_written(api, qa_reviewer, site):
    method = factories.make_potency_method(actor=qa_reviewer)
    lot = factories.make_reference_lot(actor=qa_reviewer, site=site)
    bad = _upload(api, site, method, lot, b"well,preparation,dose,response\nZ1,S,1,1\n")
    assert bad.status_code == 400 and bad.json()["field"] == "plate"
    reagent = factories.make_reagent_lot(actor=qa_reviewer, site=site)
    wrong = _upload(api, site, method, reagent)
    assert wrong.status_code == 422 and "reference_lot" in wrong.json()["detail"]
    unknown = _upload(api, site, method, lot, batch="NO-SUCH-BATCH")
    assert unknown.status_code == 400 and unknown.json()["field"] == "batch"
    assert not PotencyRun.objects.exists()
    assert api.get("/lab/potency-runs/999999").status_code == 404
    invalid = factories.make_evaluated_potencyrun(
        actor=qa_reviewer, plate=factories.potency_plate(seed=3, test_slope=1.6)
    )
    refused = api.post("/lab/potency-results", {"batch": "NOPE", "runs": [invalid.number]})
    assert refused.status_code == 400 and refused.json()["field"] == "batch"
