"""The demo's traceability: a forward trace from its plasmid or hub lot reaches its patients, its refused
bedside scan has its deviation, and its patients' made-up personal data is in no ledger entry or export."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from click.testing import CliRunner
from django.db import connection

from atmp import demo
from atmp.accounts.models import User
from atmp.cli.main import main
from atmp.testing import ApiClient, token_for
from atmp.trace import demo as trace_demo
from atmp.trace.models import Administration, Handover, Person, Shipment
from atmp.trace.selectors import genealogy
from atmp.trace.services.custody import linked_deviations
from atmp.trace.services.lots import find_lot
from atmp.web import record_page

from .test_personal_data_stays_out import pdf_text

PATIENTS = trace_demo.CAR_T_PATIENTS + trace_demo.AAV_PATIENTS
# The names, their parts, the birth dates in two forms and the hospital numbers with and without separators.
SEARCHED = sorted(
    {v for p in PATIENTS for v in p.values()}
    | {part for p in PATIENTS for part in p["name"].replace("-", " ").split() if part not in ("de", "Demo")}
    | {".".join(reversed(p["birth_date"].split("-"))) for p in PATIENTS}
    | {p["hospital_number"].replace("-", "") for p in PATIENTS}
)


def leaks(text: str) -> list[str]:
    return [value for value in SEARCHED if value.lower() in text.lower()]


@pytest.fixture
def loaded(db, demo_data):
    """The demo as `atmp demo` loads it; each test runs in its own savepoint."""
    return demo_data


def _given_to(*numbers: str) -> set[str]:
    return set(Administration.objects.filter(lot__number__in=numbers).values_list("patient__coi", flat=True))


def test_a_forward_trace_from_the_hub_reagent_lot_reaches_the_demo_s_aav_patients(loaded):
    reached = {p.coi for p in genealogy.forward(find_lot(trace_demo.HUB_REAGENT_LOT)).persons}
    assert len(reached) == len(trace_demo.AAV_PATIENTS)
    assert reached == _given_to("AAV9-SMN-26-001", "AAV9-SMN-26-002")
    assert loaded["modules"]["trace"]["hub_reagent_lot"] == trace_demo.HUB_REAGENT_LOT


def test_a_forward_trace_from_each_plasmid_lot_reaches_the_same_patients(loaded):
    hub = {p.coi for p in genealogy.forward(find_lot(trace_demo.HUB_REAGENT_LOT)).persons}
    for number in trace_demo.PLASMID_LOTS.values():
        assert {p.coi for p in genealogy.forward(find_lot(number)).persons} == hub


def test_the_vector_lot_reaches_the_two_car_t_patients_treated_and_each_bag_its_own_patient(loaded):
    treated = {p.coi for p in genealogy.forward(find_lot(trace_demo.VECTOR_LOT)).persons}
    assert len(treated) == 2
    for n in (1, 2, 3):
        backward = genealogy.backward(find_lot(f"CART-26-{n:04d}")).persons
        assert len(backward) == 1  # the apheresis donor: the patient the bag is made for


def test_every_car_t_bag_reached_the_treatment_centre_by_hand_overs_scanned_on_both_sides(loaded):
    for shipment in Shipment.objects.filter(number__startswith="SHP-CART-"):
        accepted = Handover.objects.filter(shipment=shipment, outcome="accepted").exclude(stage="bedside")
        assert [h.stage for h in accepted.order_by("pk")] == ["courier", "treatment_centre"]
        assert all(h.giver_scan and h.receiver_scan for h in accepted)


def test_the_demo_s_custody_chains_read_as_they_happened_in_order_and_in_the_past(loaded):
    from atmp.ledger import clock

    loaded_at = clock.now()
    starts = []
    for shipment in Shipment.objects.filter(number__startswith="SHP-CART-").order_by("number"):
        times = [shipment.shipped_at] + [
            h.at for h in Handover.objects.filter(shipment=shipment, outcome="accepted").order_by("at", "pk")
        ]
        assert times == sorted(times) and times[-1] < loaded_at
        assert times[-1] - times[0] >= dt.timedelta(hours=6)  # shipped in the morning, received in the afternoon
        starts.append(shipment.shipped_at)
    assert len(starts) == 3 and all(b - a >= dt.timedelta(days=1) for a, b in itertools.pairwise(starts))
    given = sorted(Administration.objects.filter(lot__number__startswith="CART-").values_list("at", flat=True))
    assert given[0] > starts[0] + dt.timedelta(days=1) and given[-1] < loaded_at - dt.timedelta(days=1)


def test_the_demo_s_refused_bedside_scan_is_kept_with_its_deviation(loaded):
    blocked = Handover.objects.get(outcome="blocked")
    assert blocked.stage == "bedside" and blocked.administration is None
    assert blocked.giver_lot == "CART-26-0003" and blocked.receiver_coi != blocked.expected_coi
    (deviation,) = linked_deviations(blocked)
    assert deviation.title == "Mismatched scan at the bedside: lot CART-26-0003"
    assert loaded["modules"]["trace"]["blocked_deviation"] == deviation.number
    assert "DEV-" in demo.describe(loaded) and trace_demo.HUB_REAGENT_LOT in demo.describe(loaded)


def test_the_demo_s_patients_have_sealed_identities(loaded):
    patients = Person.objects.filter(kind="patient")
    assert patients.count() == len(PATIENTS)
    assert all(hasattr(p, "identity") for p in patients)


def test_no_ledger_entry_holds_the_demo_patients_personal_data(loaded):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM ledger_auditentry ORDER BY seq")
        rows = cursor.fetchall()
    assert leaks(repr(rows)) == []
    done = CliRunner().invoke(main, ["ledger", "export", "--format", "jsonl"])
    assert done.exit_code == 0, done.output
    assert "trace.identity" in done.stdout and leaks(done.stdout) == []


def test_no_exported_record_holds_the_demo_patients_personal_data(loaded):
    carla = User.objects.get(username="carla")
    api = ApiClient(token_for(carla))
    blocked = Handover.objects.get(outcome="blocked")
    records = [*Person.objects.filter(kind="patient")[:2], blocked, linked_deviations(blocked)[0]]
    records.append(Person.objects.filter(kind="patient").first().identity)
    for record in records:
        answer = api.get(f"/records/{record.record_type()}/{record.pk}")
        assert answer.status_code == 200, answer.content[:300]
        assert leaks(answer.content.decode()) == [], record
        assert leaks(pdf_text(record_page.record_pdf(carla, record))) == [], record


def test_the_demo_s_working_cell_bank_is_made_from_its_master_and_used_by_the_batches(loaded):
    from atmp.trace.selectors.banks import bank_named, lineage

    mcb, wcb = bank_named(trace_demo.MASTER_BANK_LOT), bank_named(trace_demo.CELL_BANK_LOT)
    assert (mcb.kind, mcb.lot.status, wcb.kind, wcb.parent, wcb.age_limit) == ("mcb", "released", "wcb", mcb, 20)
    found = lineage(mcb)
    assert [lot.number for lot, _ in found.banks] == [trace_demo.CELL_BANK_LOT]
    assert any(lot.material == "DP-AAV9-SMN" for lot in found.made)  # MCB → WCB → batches → products
