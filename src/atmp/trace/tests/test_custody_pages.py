"""The chain-of-custody pages: the shipment's chain, the hand-over form with its two scans, the
temperature log upload and its chart, the bedside; refusals beside the field, with the status the API answers."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from atmp.testing import PASSWORD
from atmp.trace.models import Administration, Handover, Shipment

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(operator):
    client = Client()
    assert client.login(username="olga", password=PASSWORD)
    return client


def _hand_over(browser, shipment, giver, receiver):
    return browser.post(
        f"/trace/shipments/{shipment.number}/handover/",
        {
            "giver_scan": giver,
            "receiver_scan": receiver,
            "stage": "treatment_centre",
            "place": "LUMC pharmacy",
            "from_party": "Courier",
            "to_party": "Pharmacy",
        },
    )


def test_a_matched_hand_over_shows_on_the_chain(browser, shipment, anna):
    answer = _hand_over(browser, shipment, anna[2].number, anna[0].coi)
    assert answer.status_code == 302 and answer["Location"].endswith("/trace/shipments/SHP-ANNA/#chain")
    page = browser.get("/trace/shipments/SHP-ANNA/").content.decode()
    assert 'data-testid="handover-accepted"' in page and anna[0].coi in page


def test_a_mismatched_scan_is_refused_beside_its_field_with_the_blocked_record_and_deviation(browser, shipment, bert):
    answer = _hand_over(browser, shipment, bert[2].number, bert[2].number)
    page = answer.content.decode()
    assert answer.status_code == 422
    assert 'data-testid="error-giver_scan"' in page and 'data-testid="blocked-deviation"' in page
    assert Handover.objects.get().outcome == "blocked"
    chain = browser.get("/trace/shipments/1Z999AA10123456784/").content.decode()
    assert 'data-testid="handover-blocked"' in chain


def test_a_missing_scan_is_asked_for_and_the_other_kept(browser, shipment, anna):
    answer = _hand_over(browser, shipment, anna[2].number, "")
    assert answer.status_code == 400
    assert 'data-testid="error-receiver_scan"' in answer.content.decode()
    assert f'value="{anna[2].number}"' in answer.content.decode()
    assert not Handover.objects.exists()


def test_a_temperature_log_is_uploaded_and_drawn_with_its_band(browser, operator, anna):
    from atmp.trace import factories

    shipment = factories.make_shipment(actor=operator, lots=[anna[1]], destination_stage="manufacturing")
    upload = SimpleUploadedFile("logger.csv", b"time,temp\n2026-12-01T08:00:00Z,4\n2026-12-01T09:00:00Z,11\n")
    answer = browser.post(f"/trace/shipments/{shipment.number}/temperature-log/", {"file": upload})
    assert answer.status_code == 302
    page = browser.get(f"/trace/shipments/{shipment.number}/").content.decode()
    assert 'data-testid="temperature-chart"' in page and 'class="band"' in page and 'class="outside"' in page
    assert 'data-testid="shipment-held"' in page
    bad = browser.post(
        f"/trace/shipments/{shipment.number}/temperature-log/",
        {"file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n")},
    )
    assert bad.status_code == 400 and "the header" in bad.content.decode()


def test_the_bedside_gives_the_patients_own_product_and_refuses_another(browser, anna, bert):
    wrong = browser.post(
        "/trace/bedside/", {"patient_scan": anna[0].coi, "product_scan": bert[2].number, "place": "4/12"}
    )
    assert wrong.status_code == 422 and 'data-testid="blocked-deviation"' in wrong.content.decode()
    right = browser.post(
        "/trace/bedside/", {"patient_scan": anna[0].coi, "product_scan": anna[2].number, "place": "4/12"}
    )
    assert right.status_code == 200 and 'data-testid="given"' in right.content.decode()
    assert Administration.objects.get().patient == anna[0]


def test_an_inspector_sees_the_chain_but_cannot_hand_over(inspector, shipment):
    client = Client()
    client.force_login(inspector)
    assert client.get("/trace/shipments/SHP-ANNA/").status_code == 200
    assert client.get("/trace/shipments/SHP-ANNA/handover/").status_code == 403
    assert client.get("/trace/bedside/").status_code == 403


def test_the_pages_carry_no_inline_style_or_script(browser, shipment, anna):
    import re

    factories_log = "/trace/shipments/SHP-ANNA/"
    for path in ("/trace/shipments/", factories_log, f"{factories_log}handover/", f"{factories_log}temperature-log/",
                 "/trace/bedside/"):  # fmt: skip
        page = browser.get(path).content.decode()
        assert " style=" not in page and "<style" not in page, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path


def test_the_custody_records_have_their_record_pages(browser, operator, shipment, bert):
    from atmp.trace import factories
    from atmp.trace.services.custody import HandoverBlocked

    with pytest.raises(HandoverBlocked):
        factories.make_handover(actor=operator, shipment=shipment, receiver_scan=bert[0].coi)
    log = factories.make_temperature_log(actor=operator)
    for record in (shipment, shipment.items.get(), Handover.objects.get(), log):
        answer = browser.get(f"/records/{record.record_type()}/{record.pk}/")
        assert answer.status_code == 200, record.record_key


def test_lots_are_shipped_from_the_shipments_page(browser, anna):
    _, _, product = anna
    listing = browser.get("/trace/shipments/").content.decode()
    assert 'href="/trace/shipments/new/"' in listing
    assert browser.get("/trace/shipments/new/").status_code == 200
    form = {
        "number": "SHP-PAGE-1",
        "tracking": "1Z999AA10123456799",
        "lots": product.number,
        "origin": "Leiden manufacturing",
        "destination": "LUMC cell therapy unit",
        "destination_stage": "treatment_centre",
        "reason": "",
    }
    shipped = browser.post("/trace/shipments/new/", form)
    assert shipped.status_code == 302
    made = Shipment.objects.get(number="SHP-PAGE-1")
    assert [i.lot_id for i in made.items.all()] == [product.pk]
    again = browser.post("/trace/shipments/new/", {**form, "tracking": "1Z999AA10123456800"})
    assert again.status_code == 400  # refused naming the field, nothing written
    assert "number: there is already a shipment SHP-PAGE-1" in again.content.decode()
    assert Shipment.objects.filter(number="SHP-PAGE-1").count() == 1
