"""The chain of custody through the REST API: ship, hand over, import a log, administer by scan;
bad input is 4xx naming the field and the rule."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atmp.testing import ApiClient, token_for
from atmp.trace import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(operator):
    return ApiClient(token_for(operator))


def _ship(api, lot, **fields):
    body = {
        "number": "SHP-1",
        "tracking": "1Z-1",
        "lots": [lot],
        "origin": "Leiden",
        "destination": "LUMC",
        "destination_stage": "treatment_centre",
        "temperature_low": "-196",
        "temperature_high": "-150",
    }
    return api.post("/trace/shipments", {**body, **fields})


def _hand_over(api, giver, receiver, shipment="SHP-1"):
    body = {
        "stage": "treatment_centre",
        "giver_scan": giver,
        "receiver_scan": receiver,
        "place": "LUMC pharmacy",
        "from_party": "Courier",
        "to_party": "LUMC pharmacy",
        "condition": "Dry shipper sealed",
    }
    return api.post(f"/trace/shipments/{shipment}/handovers", body)


def test_a_chain_is_recorded_through_the_api(api, anna, bert):
    patient, _, bag = anna
    shipped = _ship(api, bag.number)
    assert shipped.status_code == 201, shipped.json()
    assert (shipped.json()["coi"], shipped.json()["lots"]) == (patient.coi, [bag.number])

    refused = _hand_over(api, bag.number, bert[2].number, shipment="1Z-1")  # by its tracking identifier
    assert refused.status_code == 422
    assert refused.json()["field"] == "receiver_scan"
    assert "blocked: the attempt is recorded (trace.handover:" in refused.json()["detail"]
    assert "deviation DEV-" in refused.json()["detail"]

    done = _hand_over(api, bag.number, patient.coi)
    assert done.status_code == 201, done.json()
    assert done.json()["outcome"] == "accepted"

    upload = SimpleUploadedFile("logger.csv", b"time,temp\n2026-12-01T08:00:00Z,-180\n2026-12-01T09:00:00Z,-175\n")
    logged = api.client.post("/api/v1/trace/shipments/SHP-1/temperature-logs", {"file": upload, "reason": "received"})
    assert logged.status_code == 201, logged.json()
    assert (logged.json()["excursion"], logged.json()["min"]) == (False, "-180.00")

    chain = api.get("/trace/shipments/SHP-1").json()
    assert [h["outcome"] for h in chain["handovers"]] == ["blocked", "accepted"]
    assert chain["handovers"][0]["deviations"][0].startswith("DEV-")

    wrong = api.post(
        "/trace/administrations/by-scan",
        {"patient_scan": bert[0].coi, "product_scan": bag.number, "place": "ward 4"},
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "product_scan"
    given = api.post(
        "/trace/administrations/by-scan",
        {"patient_scan": patient.coi, "product_scan": bag.number, "place": "ward 4"},
    )
    assert given.status_code == 201, given.json()
    assert (given.json()["lot"], given.json()["patient"]) == (bag.number, patient.coi)


def test_a_duplicate_shipment_identifier_is_409_naming_it(api, anna):
    assert _ship(api, anna[2].number).status_code == 201
    again = _ship(api, anna[2].number, tracking="other")
    assert again.status_code == 409 and "number: there is already a shipment SHP-1" in again.json()["detail"]


def test_bad_input_is_400_naming_the_field(api, anna):
    assert _ship(api, "NOPE").json() == {"detail": "lots: there is no lot 'NOPE'", "field": "lots"}
    stage = _ship(api, anna[2].number, destination_stage="moon")
    assert stage.status_code == 400 and stage.json()["field"] == "destination_stage"
    cold = _ship(api, anna[2].number, temperature_low="cold")
    assert cold.status_code == 400 and cold.json()["field"] == "temperature_low"
    factories.make_shipment(actor=anna[2].created_by, lots=[anna[2]], number="SHP-1", tracking="")
    unread = _hand_over(api, "]d210NOPE\x1d", anna[2].number)
    assert unread.status_code == 400 and unread.json()["field"] == "giver_scan.gs1.10"
    assert _hand_over(api, "x", "y", shipment="SHP-404").json()["field"] == "shipment"


def test_a_recalled_lot_is_422(api, qa_approver, anna):
    from atmp.workflow import engine

    engine.transition(qa_approver, anna[2], "recall", reason="sterility failure")
    refused = _ship(api, anna[2].number)
    assert refused.status_code == 422 and "a recalled lot is never shipped" in refused.json()["detail"]
