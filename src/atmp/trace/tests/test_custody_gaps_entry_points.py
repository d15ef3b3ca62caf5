"""The custody rules closed in this change, through the API, the CLI and the pages: a hand-over's time
order, a shipment to another site of ours whose users record the receipt, and an allogeneic product
shipped for a patient; refusals name the field and the rule (4xx, exit 2, beside the field)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from atmp.ledger import clock
from atmp.testing import PASSWORD, ApiClient, make_site, make_user, token_for
from atmp.trace import factories
from atmp.trace.models import Handover, Shipment
from atmp.trace.tests.clirunner import atmp, doc

pytestmark = pytest.mark.django_db


@pytest.fixture
def amc(qa_reviewer):
    return make_site(actor=qa_reviewer, code="AMC", name="Treatment centre Amsterdam")


@pytest.fixture
def amir(amc):
    return make_user("operator", username="amir", full_name="Amir Apotheek", password=PASSWORD, site=amc)


@pytest.fixture
def allo(qa_reviewer, qa_approver, site):
    return factories.make_allogeneic_product(actor=qa_reviewer, site=site, approver=qa_approver)


@pytest.fixture
def carl(qa_reviewer, site):
    return factories.make_person(actor=qa_reviewer, kind="patient", site=site)


def _handover_body(giver, receiver, **extra):
    return {
        "stage": "treatment_centre",
        "giver_scan": giver,
        "receiver_scan": receiver,
        "place": "AMC pharmacy",
        "from_party": "Courier",
        "to_party": "AMC pharmacy",
        **extra,
    }


def test_the_api_ships_to_our_site_and_its_user_records_the_receipt(operator, amir, anna, amc):
    body = {
        "number": "SHP-API",
        "lots": [anna[2].number],
        "origin": "Leiden",
        "destination": "AMC pharmacy",
        "destination_stage": "treatment_centre",
        "destination_site": "AMC",
    }
    shipped = ApiClient(token_for(operator)).post("/trace/shipments", body)
    assert shipped.status_code == 201, shipped.json()
    assert shipped.json()["destination_site"] == "AMC"
    receiver = ApiClient(token_for(amir))
    assert receiver.get("/trace/shipments/SHP-API").status_code == 200
    done = receiver.post("/trace/shipments/SHP-API/handovers", _handover_body(anna[2].number, anna[0].coi))
    assert done.status_code == 201, done.json()
    assert (done.json()["site"], done.json()["outcome"]) == ("AMC", "accepted")
    unknown = ApiClient(token_for(operator)).post("/trace/shipments", {**body, "number": "X", "destination_site": "NO"})
    assert unknown.status_code in (400, 422) and unknown.json()["field"] == "destination_site"


def test_the_api_refuses_a_hand_over_out_of_time_order_naming_at(operator, anna):
    api = ApiClient(token_for(operator))
    factories.make_shipment(
        actor=operator, lots=[anna[2]], number="SHP-T", shipped_at=clock.now() - dt.timedelta(days=1)
    )
    late = (clock.now() - dt.timedelta(hours=2)).isoformat()
    early = (clock.now() - dt.timedelta(hours=3)).isoformat()
    assert (
        api.post(
            "/trace/shipments/SHP-T/handovers", _handover_body(anna[2].number, anna[2].number, at=late)
        ).status_code
        == 201
    )
    refused = api.post("/trace/shipments/SHP-T/handovers", _handover_body(anna[2].number, anna[2].number, at=early))
    assert refused.status_code == 400 and refused.json()["field"] == "at"
    assert "before the previous accepted hand-over" in refused.json()["detail"]
    future = (clock.now() + dt.timedelta(hours=1)).isoformat()
    ahead = api.post("/trace/shipments/SHP-T/handovers", _handover_body(anna[2].number, anna[2].number, at=future))
    assert ahead.status_code == 400 and "in the future" in ahead.json()["detail"]


def test_the_api_ships_an_allogeneic_product_for_a_patient_and_the_bedside_holds_to_it(operator, allo, carl, anna):
    api = ApiClient(token_for(operator))
    body = {
        "number": "SHP-ALLO",
        "lots": [allo[2].number],
        "origin": "Leiden",
        "destination": "ward 4",
        "destination_stage": "treatment_centre",
        "patient": carl.coi,
    }
    shipped = api.post("/trace/shipments", body)
    assert shipped.status_code == 201 and shipped.json()["coi"] == carl.coi
    wrong = api.post(
        "/trace/administrations/by-scan",
        {"patient_scan": anna[0].coi, "product_scan": allo[2].number, "place": "ward 4"},
    )
    assert wrong.status_code == 422 and f"was shipped for {carl.coi}" in wrong.json()["detail"]
    right = api.post(
        "/trace/administrations/by-scan", {"patient_scan": carl.coi, "product_scan": allo[2].number, "place": "ward 4"}
    )
    assert right.status_code == 201, right.json()


def test_the_cli_ships_for_a_patient_to_our_site_and_refuses_an_early_hand_over(operator, amir, allo, carl, amc):
    shipped = doc(
        atmp("ship", "SHP-CLI", "--lot", allo[2].number, "--origin", "Leiden", "--destination", "AMC pharmacy",
             "--stage", "treatment_centre", "--destination-site", "AMC", "--patient", carl.coi,
             "--at", (clock.now() - dt.timedelta(days=1)).isoformat(), "--as", "olga", "--json")
    )  # fmt: skip
    assert (shipped["destination_site"], shipped["coi"]) == ("AMC", carl.coi)
    early = atmp("handover", "SHP-CLI", "--stage", "treatment_centre", "--giver-scan", allo[2].number,
                 "--receiver-scan", carl.coi, "--place", "AMC", "--from", "Courier", "--to", "Pharmacy",
                 "--at", (clock.now() - dt.timedelta(days=2)).isoformat(), "--as", "amir")  # fmt: skip
    assert early.exit_code == 2 and "at: " in early.stderr and "is before shipment SHP-CLI left" in early.stderr
    received = atmp("handover", "SHP-CLI", "--stage", "treatment_centre", "--giver-scan", allo[2].number,
                    "--receiver-scan", carl.coi, "--place", "AMC", "--from", "Courier", "--to", "Pharmacy",
                    "--as", "amir", "--json")  # fmt: skip
    assert doc(received)["site"] == "AMC"
    unknown = atmp("ship", "SHP-X", "--lot", allo[2].number, "--origin", "L", "--destination", "D",
                   "--stage", "treatment_centre", "--patient", "NOPE", "--as", "olga")  # fmt: skip
    assert unknown.exit_code == 2 and "patient: there is no patient 'NOPE'" in unknown.stderr


def test_the_pages_let_the_receiving_site_record_the_receipt_with_its_time(operator, amir, anna, amc):
    factories.make_shipment(
        actor=operator,
        lots=[anna[2]],
        number="SHP-PG",
        destination_site=amc,
        shipped_at=clock.now() - dt.timedelta(days=1),
    )
    client = Client()
    assert client.login(username="amir", password=PASSWORD)
    listing = client.get("/trace/shipments/").content.decode()
    assert "SHP-PG" in listing
    assert client.get("/trace/shipments/SHP-PG/").status_code == 200
    form = {
        "giver_scan": anna[2].number,
        "receiver_scan": anna[0].coi,
        "stage": "treatment_centre",
        "place": "AMC pharmacy",
        "from_party": "Courier",
        "to_party": "Pharmacy",
    }
    early = client.post("/trace/shipments/SHP-PG/handover/", {**form, "at": "2020-01-01T10:00"})
    assert early.status_code == 400 and 'data-testid="error-at"' in early.content.decode()
    assert "is before shipment SHP-PG left" in early.content.decode()
    done = client.post("/trace/shipments/SHP-PG/handover/", form)
    assert done.status_code == 302
    assert Handover.objects.get().site == amc


def test_the_ship_page_offers_the_destination_site_and_the_patient(operator, allo, carl, amc):
    client = Client()
    assert client.login(username="olga", password=PASSWORD)
    page = client.get("/trace/shipments/new/").content.decode()
    assert 'name="destination_site"' in page and 'name="patient"' in page
    form = {
        "number": "SHP-NEW",
        "lots": allo[2].number,
        "origin": "Leiden",
        "destination": "AMC pharmacy",
        "destination_stage": "treatment_centre",
        "destination_site": "AMC",
        "patient": carl.coi,
        "reason": "",
    }
    assert client.post("/trace/shipments/new/", form).status_code == 302
    made = Shipment.objects.get(number="SHP-NEW")
    assert (made.destination_site, made.person) == (amc, carl)
