"""Traceability through the REST API: materials, lots (received, released, listed), persons, uses,
administrations, and the trace both ways; refusals are 4xx naming the field or the rule."""

from __future__ import annotations

import pytest

from atmp.testing import PASSWORD, ApiClient, make_site, make_user, token_for
from atmp.trace import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(qa_reviewer):
    return ApiClient(token_for(qa_reviewer))


@pytest.fixture
def approver(qa_approver):
    return ApiClient(token_for(qa_approver))


def test_a_genealogy_is_built_and_traced_through_the_api(api, approver, site):
    assert (
        api.post(
            "/trace/materials", {"code": "LV-1", "name": "Lentiviral vector", "type": "vector_seed", "unit": "mL"}
        ).status_code
        == 201
    )
    made = api.post("/trace/materials", {"code": "DP-1", "name": "CAR-T", "type": "drug_product", "unit": "{bag}"})
    assert made.status_code == 201, made.json()
    vector = api.post(
        "/trace/lots",
        {"number": "LV-0001", "material": "LV-1", "site": "LEI", "quantity": "50", "expiry_date": "2099-01-01"},
    )
    assert vector.status_code == 201, vector.json()
    assert (vector.json()["status"], vector.json()["remaining"], vector.json()["unit"]) == ("quarantine", "50", "mL")
    bag = api.post(
        "/trace/lots",
        {"number": "DP-0001", "material": "DP-1", "site": "LEI", "quantity": 1, "expiry_date": "2099-01-01"},
    )
    assert bag.status_code == 201, bag.json()

    refused = api.post("/trace/uses", {"input": "LV-0001", "output": "DP-0001", "quantity": "5", "unit": "mL"})
    assert refused.status_code == 422 and "only a released lot is used" in refused.json()["detail"]

    released = approver.post("/trace/lots/LV-0001/release", {"reason": "CoA conform", "password": PASSWORD})
    assert released.status_code == 200 and released.json()["status"] == "released", released.json()
    used = api.post("/trace/uses", {"input": "LV-0001", "output": "DP-0001", "quantity": "5000", "unit": "uL"})
    assert used.status_code == 201, used.json()
    assert api.get("/trace/lots/LV-0001").json()["remaining"] == "45"

    patient = api.post("/trace/persons", {"kind": "patient", "site": "LEI"})
    assert patient.status_code == 201
    assert set(patient.json()) == {"id", "record", "version", "coi", "kind", "site", "retention_end", "identity"}
    assert patient.json()["identity"] is None  # no personal data given: none sealed
    coi = patient.json()["coi"]
    approver.post("/trace/lots/DP-0001/release", {"reason": "QP certified", "password": PASSWORD})
    given = api.post("/trace/administrations", {"lot": "DP-0001", "patient": coi})
    assert given.status_code == 201, given.json()

    forward = api.get("/trace/forward/LV-0001").json()
    assert forward["root"] == "LV-0001" and isinstance(forward["elapsed_ms"], float)
    assert [(x["lot"], x["level"]) for x in forward["lots"]] == [("LV-0001", 0), ("DP-0001", 1)]
    assert [(p["coi"], p["level"]) for p in forward["patients"]] == [(coi, 2)]
    backward = api.get(f"/trace/backward/{coi}").json()
    assert [x["lot"] for x in backward["lots"]] == ["DP-0001", "LV-0001"] and backward["donors"] == []

    listed = api.get("/trace/lots", status="released", sort="number").json()
    assert [x["number"] for x in listed["items"]] == ["DP-0001", "LV-0001"]
    assert [x["code"] for x in api.get("/trace/materials", type="drug_product").json()["items"]] == ["DP-1"]


def test_an_unknown_root_is_a_404_naming_it(api):
    response = api.get("/trace/backward/NO-SUCH-LOT")
    assert response.status_code == 404 and "NO-SUCH-LOT" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"material": "LV-1", "site": "LEI", "quantity": "1"}, "number"),
        ({"number": "X 1", "material": "LV-1", "site": "LEI", "quantity": "1"}, "number"),
        ({"number": "X1", "material": "NOPE", "site": "LEI", "quantity": "1"}, "material"),
        ({"number": "X1", "material": "LV-1", "site": "LEI", "quantity": "1", "unit": "mg"}, "unit"),
        ({"number": "X1", "material": "LV-1", "site": "LEI", "quantity": 1.5}, "quantity"),
        ({"number": "X1", "material": "LV-1", "site": "LEI", "quantity": "1", "supplier": "SUP-1"}, "supplier"),
        ({"number": "X1", "material": "LV-1", "site": "LEI", "quantity": "1", "reasn": ""}, "reasn"),
    ],
)
def test_a_bad_lot_is_a_400_naming_the_field(api, site, qa_reviewer, body, field):
    factories.make_material(actor=qa_reviewer, code="LV-1", type="vector_seed", unit="mL")
    response = api.post("/trace/lots", body)
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == field


def test_a_supplier_quality_has_not_approved_is_a_422_naming_the_rule(api, site, qa_reviewer):
    from atmp.quality.factories import make_supplier

    factories.make_material(actor=qa_reviewer, code="MED-9", type="medium", unit="mL")
    supplier = make_supplier(actor=qa_reviewer)
    response = api.post(
        "/trace/lots",
        {"number": "M1", "material": "MED-9", "site": "LEI", "quantity": "1", "supplier": supplier.number},
    )
    assert response.status_code == 422 and "not approved for material MED-9" in response.json()["detail"]


def test_over_consumption_is_a_422_and_writes_nothing(api, operator, released, made):
    response = api.post(
        "/trace/uses", {"input": released.number, "output": made.number, "quantity": "101", "unit": "mL"}
    )
    assert response.status_code == 422 and "more than remains" in response.json()["detail"]
    assert api.get(f"/trace/lots/{released.number}").json()["remaining"] == "100"


def test_an_operator_may_not_release(operator, lot):
    response = ApiClient(token_for(operator)).post(
        f"/trace/lots/{lot.number}/release", {"reason": "r", "password": PASSWORD}
    )
    assert response.status_code == 403


def test_a_site_limited_reader_sees_only_their_sites_lots_in_a_trace(qa_reviewer, site, released, made):
    from atmp.trace.services.genealogy import record_use

    record_use(actor=qa_reviewer, input=released, output=made, quantity="1", unit="mL")
    elsewhere = make_user("inspector", site=make_site(code="AMS"))
    reader = ApiClient(token_for(elsewhere))
    assert reader.get(f"/trace/forward/{released.number}").status_code == 404  # a Leiden lot, unseen from Amsterdam


def test_the_trace_operations_are_in_the_openapi_document(api):
    paths = api.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/trace/forward/{root}",
        "/api/v1/trace/backward/{root}",
        "/api/v1/trace/lots",
        "/api/v1/trace/uses",
    ):
        assert path in paths, path
