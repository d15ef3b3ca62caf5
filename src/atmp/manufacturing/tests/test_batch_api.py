"""Batch execution through the REST API: create, start, enter, scan, verify, complete; refusals named."""

from __future__ import annotations

import pytest

from atmp.manufacturing import factories
from atmp.testing import PASSWORD, ApiClient, token_for
from atmp.trace import factories as tf

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(floor):
    return ApiClient(token_for(floor["operator"]))


@pytest.fixture
def checker(floor):
    return ApiClient(token_for(floor["checker"]))


def test_an_operator_executes_a_step_through_the_api(api, checker, floor, batch):
    base = f"/manufacturing/batches/{batch.number}"
    refused = api.post(f"{base}/steps/10/start", {"room": floor["room"].pk})
    assert refused.status_code == 422 and "equipment missing" in refused.json()["detail"], refused.content
    started = api.post(f"{base}/steps/10/start", {"room": floor["room"].pk, "equipment": [floor["bsc"].code]})
    assert started.status_code == 200 and started.json()["progress"] == "in_progress", started.content
    warned = api.post(f"{base}/steps/10/parameters", {"position": 1, "value": "38.0"})
    assert warned.status_code == 422 and "warning not acknowledged" in warned.json()["detail"]
    value = api.post(f"{base}/steps/10/parameters", {"position": 1, "value": "38.0", "acknowledged": True})
    assert value.status_code == 201 and value.json()["flag"] == "warning", value.content
    fixed = api.post(
        f"/manufacturing/batch-entries/{value.json()['id']}/corrections", {"value": "37.0", "reason": "wrong probe"}
    )
    assert fixed.status_code == 201 and fixed.json()["supersedes"] == value.json()["id"], fixed.content
    control = api.post(f"{base}/steps/10/controls", {"position": 1, "value": "95"})
    line = batch.steps.get(number=10).mbr_step.materials.get()
    quarantined = factories.make_stock(actor=floor["qa"], material=line.material, site=batch.site, release=False)
    scan = api.post(f"{base}/steps/10/materials", {"position": 1, "lot": quarantined.number, "quantity": "500"})
    assert scan.status_code == 422 and "only a released lot is used" in scan.json()["detail"]
    stock = factories.make_stock(actor=floor["qa"], material=line.material, site=batch.site)
    added = api.post(f"{base}/steps/10/materials", {"position": 1, "lot": stock.number, "quantity": "500"})
    assert added.status_code == 201 and added.json()["lot"] == stock.number, added.content
    for entry in (fixed, control, added):
        own = api.post(f"/manufacturing/batch-entries/{entry.json()['id']}/verify", {"password": PASSWORD})
        assert own.status_code == 422 and "segregation of duties" in own.json()["detail"]
        signed = checker.post(f"/manufacturing/batch-entries/{entry.json()['id']}/verify", {"password": PASSWORD})
        assert signed.status_code == 200 and signed.json()["verified"], signed.content
    done = api.post(f"{base}/steps/10/complete", {})
    assert done.status_code == 200 and done.json()["progress"] == "done", done.content
    shown = api.get(base).json()
    assert [e["value"] for e in shown["steps"][0]["entries"]][:2] == ["38.0", "37.0"]
    kinds = sorted(x["kind"] for x in api.get(f"{base}/exceptions").json())
    assert kinds == ["acknowledged_warning", "correction", "out_of_range"]


def test_bad_input_names_the_field(api, floor, batch, running):
    base = f"/manufacturing/batches/{batch.number}"
    bad = api.post(f"{base}/steps/10/parameters", {"position": 1, "value": "hot"})
    assert bad.status_code == 400 and bad.json()["field"] == "value", bad.content
    unit = api.post(f"{base}/steps/10/parameters", {"position": 1, "value": "37", "unit": "min"})
    assert unit.status_code == 400 and unit.json()["field"] == "unit"
    position = api.post(f"{base}/steps/10/controls", {"position": 9, "value": "95"})
    assert position.status_code == 400 and position.json()["field"] == "position"
    unknown = api.get("/manufacturing/batches/NO-SUCH")
    assert unknown.status_code == 400 and unknown.json()["field"] == "batch"


def test_a_batch_is_created_through_the_api(qa_reviewer, effective_mbr):
    site = effective_mbr.process_version.site
    lot = factories.make_output_lot(actor=qa_reviewer, site=site)
    patient = tf.make_person(actor=qa_reviewer, site=site)
    api = ApiClient(token_for(qa_reviewer))
    refused = api.post("/manufacturing/batches", {"mbr": effective_mbr.pk, "output_lot": lot.number})
    assert refused.status_code == 422 and "patient required" in refused.json()["detail"]
    made = api.post(
        "/manufacturing/batches", {"mbr": effective_mbr.pk, "output_lot": lot.number, "patient": patient.coi}
    )
    assert made.status_code == 201 and made.json()["patient"] == patient.coi, made.content
    assert [s["number"] for s in made.json()["steps"]] == [10, 20]


def test_a_material_addition_is_corrected_through_the_api(api, floor, batch, running, ledger_size):
    line = running.mbr_step.materials.select_related("material").get()
    stock = factories.make_stock(actor=floor["qa"], material=line.material, site=batch.site)
    base = f"/manufacturing/batches/{batch.number}/steps/10/materials"
    added = api.post(base, {"position": 1, "lot": stock.number, "quantity": "520"}).json()
    url = f"/manufacturing/batch-entries/{added['id']}/material-corrections"
    before = ledger_size()
    missing = api.post(url, {"lot": stock.number, "quantity": "500"})
    assert missing.status_code in (400, 422) and ledger_size() == before
    fixed = api.post(url, {"lot": stock.number, "quantity": "500", "reason": "typed 520 for 500"})
    assert fixed.status_code == 201 and fixed.json()["supersedes"] == added["id"], fixed.content
    value = api.post(f"/manufacturing/batches/{batch.number}/steps/10/parameters", {"position": 1, "value": "37.0"})
    wrong_kind = api.post(
        f"/manufacturing/batch-entries/{value.json()['id']}/material-corrections",
        {"lot": stock.number, "quantity": "500", "reason": "x"},
    )
    assert wrong_kind.status_code == 422 and "not a material addition" in wrong_kind.json()["detail"]
