"""The batch pages: the list (with a new batch's form), a batch's record with its entries and its review by
exception, and the operator's step page. Every form runs the API's operation: a refusal shows the rule's
words on the page, answers the API's status, and writes nothing (the ledger's size is unchanged)."""

from __future__ import annotations

import pytest
from django.test import Client

from atmp.manufacturing import factories
from atmp.manufacturing.models import BatchEntry
from atmp.manufacturing.services.batch_entries import correct_entry, record_parameter
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(operator):
    client = Client()
    assert client.login(username="olga", password=PASSWORD)
    return client


def step_url(batch, number: int = 10) -> str:
    return f"/manufacturing/batches/{batch.pk}/steps/{number}/"


def post(client: Client, url: str, do: str, **data: object):
    """Post one of the step page's forms (its inputs are named after it: `parameter-value`)."""
    return client.post(f"{url}?do={do}", {f"{do}-{name}": value for name, value in data.items()})


def test_the_list_shows_the_batch(browser, batch):
    page = browser.get("/manufacturing/batches/")
    assert page.status_code == 200 and f'data-testid="batch-{batch.number}"' in page.content.decode()


def test_the_batch_page_shows_every_entry_and_the_exceptions(browser, running, floor, batch):
    temperature = running.mbr_step.parameters.get()
    first = record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="40.0")
    correct_entry(actor=floor["operator"], entry=first, value="37.0", reason="the probe was in the water bath")
    html = browser.get(f"/manufacturing/batches/{batch.pk}/").content.decode()
    assert f'data-testid="entry-{first.pk}"' in html and "the probe was in the water bath" in html
    for kind in ("deviation", "out_of_range", "correction"):
        assert f'data-testid="exception-{kind}"' in html


def test_each_exception_links_to_its_record(browser, running, floor, batch):
    temperature = running.mbr_step.parameters.get()
    entry = record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="40.0")
    html = browser.get(f"/manufacturing/batches/{batch.pk}/").content.decode()
    assert f'href="{step_url(batch)}#entry-{entry.pk}"' in html  # the out-of-range value, on its step's page
    assert f'href="/records/quality.deviation/{entry.deviation.pk}/"' in html
    assert f'href="{step_url(batch)}" data-testid="open-step-10"' in html


def test_a_batch_of_another_site_is_not_found(batch):
    from atmp.testing import make_site, make_user

    make_user("operator", username="ursula", password=PASSWORD, site=make_site())
    client = Client()
    assert client.login(username="ursula", password=PASSWORD)
    assert client.get(f"/manufacturing/batches/{batch.pk}/").status_code == 404
    assert client.get(step_url(batch)).status_code == 404
    assert post(client, step_url(batch), "start").status_code == 404


def test_a_step_that_does_not_exist_is_not_found(browser, batch):
    assert browser.get(step_url(batch, 99)).status_code == 404


def test_the_step_page_shows_the_instructions_and_offers_the_start(browser, floor, batch):
    html = browser.get(step_url(batch)).content.decode()
    assert "Do step 1 as the SOP says." in html
    assert 'data-testid="form-start"' in html and 'data-testid="form-parameter"' not in html


def test_a_refused_start_shows_the_rule_and_writes_nothing(browser, floor, batch, ledger_size):
    before = ledger_size()
    page = post(browser, step_url(batch, 20), "start", room=floor["room"].pk, equipment=floor["bsc"].code)
    assert page.status_code == 422
    assert "step 10" in page.content.decode()  # the order rule names the step that runs first
    assert ledger_size() == before


def test_the_operator_starts_the_step_with_the_room_and_the_scanned_equipment(browser, floor, batch):
    page = post(browser, step_url(batch), "start", room=floor["room"].pk, equipment=floor["bsc"].code)
    assert page.status_code == 302
    step = batch.steps.get(number=10)
    assert (step.progress, step.room, step.equipment) == ("in_progress", floor["room"], [floor["bsc"].code])


def test_an_out_of_par_value_shows_its_deviation_linked(browser, running, batch):
    page = post(browser, step_url(batch), "parameter", position=1, value="40.0")
    assert page.status_code == 302
    entry = BatchEntry.objects.get(step=running)
    assert entry.deviation is not None
    html = browser.get(page["Location"]).content.decode()
    assert f'<a href="/records/quality.deviation/{entry.deviation.pk}/" data-testid="deviation">' in html
    assert entry.deviation.number in html


def test_units_show_as_people_read_them_and_the_api_keeps_the_ucum_code(browser, running, floor, batch):
    temperature = running.mbr_step.parameters.get()
    entry = record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="37.2")
    html = browser.get(step_url(batch)).content.decode()
    assert "normal 36.5–37.5 °C" in html and "37.2 °C" in html and "Viability (%)" in html
    assert " Cel" not in html and "Cel<" not in html
    assert "37.2 °C" in browser.get(f"/manufacturing/batches/{batch.pk}/").content.decode()
    document = browser.get(f"/api/v1/manufacturing/batches/{batch.number}").json()
    assert entry.unit == "Cel" and '"unit": "Cel"' in str(document).replace("'", '"')


def test_a_warning_is_refused_until_acknowledged_and_the_box_is_offered(browser, running, batch, ledger_size):
    html = browser.get(step_url(batch)).content.decode()
    assert 'name="parameter-acknowledged"' not in html  # offered only when the API asks for it
    before = ledger_size()
    page = post(browser, step_url(batch), "parameter", position=1, value="38.0")
    html = page.content.decode()
    assert page.status_code == 422 and "warning not acknowledged" in html and 'name="parameter-acknowledged"' in html
    assert ledger_size() == before
    page = post(browser, step_url(batch), "parameter", position=1, value="38.0", acknowledged="on")
    assert page.status_code == 302
    assert BatchEntry.objects.get(step=running).acknowledged


def test_a_quarantined_lot_is_refused_with_the_rule(browser, running, floor, batch, ledger_size):
    line = running.mbr_step.materials.select_related("material").get()
    lot = factories.make_stock(actor=floor["qa"], material=line.material, site=batch.site, release=False)
    before = ledger_size()
    page = post(browser, step_url(batch), "material", position=1, lot=lot.number, quantity="500")
    assert page.status_code == 422
    assert f"lot {lot.number} is quarantine: only a released lot is used" in page.content.decode()
    assert ledger_size() == before
    released = factories.make_stock(actor=floor["qa"], material=line.material, site=batch.site)
    page = post(browser, step_url(batch), "material", position=1, lot=released.number, quantity="500")
    assert page.status_code == 302 and BatchEntry.objects.get(step=running).lot == released


def test_a_value_that_is_not_a_number_is_refused_beside_the_field(browser, running, batch, ledger_size):
    before = ledger_size()
    page = post(browser, step_url(batch), "control", position=1, value="ninety")
    assert page.status_code in (400, 422) and 'data-testid="error-value"' in page.content.decode()
    assert ledger_size() == before


def test_a_correction_needs_a_reason_and_keeps_the_original_struck_through(browser, running, floor, batch, ledger_size):
    temperature = running.mbr_step.parameters.get()
    first = record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="37.2")
    before = ledger_size()
    page = post(browser, step_url(batch), "correct", entry=first.pk, value="37.0", reason="")
    assert page.status_code == 400 and 'data-testid="error-reason"' in page.content.decode()
    assert ledger_size() == before
    page = post(browser, step_url(batch), "correct", entry=first.pk, value="37.0", reason="misread the display")
    assert page.status_code == 302
    html = browser.get(step_url(batch)).content.decode()
    assert "<del>37.2 °C</del>" in html and "misread the display" in html


def test_a_material_addition_is_corrected_on_the_step_page(browser, running, floor, batch, ledger_size):
    from atmp.manufacturing.services.batch_materials import add_material

    line = running.mbr_step.materials.select_related("material").get()
    stock = factories.make_stock(actor=floor["qa"], material=line.material, site=batch.site)
    first = add_material(actor=floor["operator"], step=running, line=line, lot=stock.number, quantity="520")
    html = browser.get(step_url(batch)).content.decode()
    assert 'name="correct_material-lot"' in html
    before = ledger_size()
    page = post(
        browser, step_url(batch), "correct_material", entry=first.pk, lot=stock.number, quantity="500", reason=""
    )
    assert page.status_code == 400 and 'data-testid="error-reason"' in page.content.decode()
    assert ledger_size() == before
    page = post(browser, step_url(batch), "correct_material", entry=first.pk, lot=stock.number, quantity="500",
                reason="typed 520 for 500")  # fmt: skip
    assert page.status_code == 302
    html = browser.get(step_url(batch)).content.decode()
    assert "typed 520 for 500" in html and f"<del>520 mL from lot {stock.number}" in html
    struck = html[html.index(f'data-testid="entry-{first.pk}"') :].split("</tr>")[0]
    assert "needed" not in struck  # the correction that stands is verified, not what it superseded


def test_the_second_person_verifies_with_a_signature_and_not_the_first(browser, running, floor, batch):
    from atmp.ledger.models import AuditEntry
    from atmp.manufacturing.selectors.batches import is_verified

    temperature = running.mbr_step.parameters.get()
    entry = record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="37.0")

    def refused_signatures_only(since: int) -> bool:  # a refused signature is itself recorded (Part 11)
        actions = set(AuditEntry.objects.filter(pk__gt=since).values_list("action", flat=True))
        return actions <= {"sign_failed", "sign_auth_failed"}

    checker = Client()
    checker.force_login(floor["checker"])
    newest = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    page = post(browser, step_url(batch), "verify", entry=entry.pk, password=PASSWORD)
    assert page.status_code == 422  # Olga recorded it: she may not verify it
    page = post(checker, step_url(batch), "verify", entry=entry.pk, password="wrong password")
    assert page.status_code in (400, 422) and 'class="error-box"' in page.content.decode()
    assert refused_signatures_only(newest) and not is_verified(entry)
    page = post(checker, step_url(batch), "verify", entry=entry.pk, password=PASSWORD)
    assert page.status_code == 302 and is_verified(entry)
    assert "yes</td>" in checker.get(step_url(batch)).content.decode()


def test_completing_a_step_with_entries_missing_is_refused(browser, running, batch, ledger_size):
    before = ledger_size()
    page = post(browser, step_url(batch), "complete")
    assert page.status_code == 422 and "parameter Temperature" in page.content.decode()
    assert ledger_size() == before


def test_a_form_the_step_does_not_offer_now_is_refused(browser, floor, batch, ledger_size):
    before = ledger_size()
    assert post(browser, step_url(batch), "complete").status_code == 400  # not started yet
    assert ledger_size() == before


def test_a_new_batch_is_created_on_the_list_and_a_refusal_writes_nothing(browser, qa_reviewer, ledger_size):
    from atmp.trace.factories import make_person

    mbr = factories.make_effective_mbr(actor=qa_reviewer)
    html = browser.get("/manufacturing/batches/").content.decode()
    assert 'data-testid="form-new-batch"' in html and f'<option value="{mbr.pk}">' in html
    before = ledger_size()
    page = browser.post("/manufacturing/batches/", {"mbr": mbr.pk, "output_lot": "NO-SUCH-LOT"})
    assert page.status_code == 400 and 'data-testid="error-output_lot"' in page.content.decode()
    assert ledger_size() == before
    lot = factories.make_output_lot(actor=qa_reviewer, site=mbr.process_version.site)
    before = ledger_size()
    page = browser.post("/manufacturing/batches/", {"mbr": mbr.pk, "output_lot": lot.number})
    assert page.status_code == 422 and "autologous" in page.content.decode()  # the patient's COI is needed
    assert ledger_size() == before
    patient = make_person(actor=qa_reviewer, site=mbr.process_version.site)
    page = browser.post("/manufacturing/batches/", {"mbr": mbr.pk, "output_lot": lot.number, "patient": patient.coi})
    assert page.status_code == 302
    made = mbr.batches.get()
    assert page["Location"] == f"/manufacturing/batches/{made.pk}/"


def test_completing_execution_with_a_step_not_done_is_refused_on_the_batch_page(browser, running, batch, ledger_size):
    before = ledger_size()
    page = browser.post(f"/manufacturing/batches/{batch.pk}/", {})
    assert page.status_code == 422 and "steps not done: step 10" in page.content.decode()
    assert ledger_size() == before


def test_an_executed_batch_offers_qa_the_signed_review_on_its_record_page(browser, running, floor, batch):
    from atmp.manufacturing.services.batch_steps import start_step

    factories.execute_step(step=running, floor=floor)
    factories.clean(actor=floor["qa"], equipment=floor["bsc"])
    second = batch.steps.get(number=20)
    start_step(actor=floor["operator"], step=second, room=floor["room"], equipment=[floor["bsc"]])
    factories.execute_step(step=second, floor=floor)
    page = browser.post(f"/manufacturing/batches/{batch.pk}/", {})
    assert page.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "executed"
    html = browser.get(f"/manufacturing/batches/{batch.pk}/").content.decode()
    assert f'href="/records/manufacturing.batch/{batch.pk}/" data-testid="review-sign"' in html
    assert 'data-testid="form-complete-batch"' not in html


def test_a_reader_sees_the_step_but_no_form(batch, floor):
    from atmp.testing import make_user

    make_user("inspector", username="ines", password=PASSWORD)
    client = Client()
    assert client.login(username="ines", password=PASSWORD)
    html = client.get(step_url(batch)).content.decode()
    assert "Do step 1 as the SOP says." in html and 'data-testid="form-' not in html
