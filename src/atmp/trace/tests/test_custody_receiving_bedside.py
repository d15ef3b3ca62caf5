"""The bedside at a treatment centre that is another site of ours: its users give, by scan, a product the
shipping site made and shipped to them (the shipment is shared with them: ADR 0017, amendment) to a
patient of their site; the mix-up rule and its blocked attempt hold there as everywhere."""

from __future__ import annotations

import re

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.accounts.services import can_see
from atmp.ledger.models import LedgerHead
from atmp.quality.models.deviations import Deviation
from atmp.testing import PASSWORD, ApiClient, make_site, make_user, token_for
from atmp.trace import factories
from atmp.trace.models import Administration, Handover
from atmp.trace.services.custody import HandoverBlocked, administer_by_scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def amc(qa_reviewer):
    return make_site(actor=qa_reviewer, code="AMC", name="Treatment centre Amsterdam")


@pytest.fixture
def amir(amc):
    """An operator of the treatment centre's site only."""
    return make_user("operator", username="amir", full_name="Amir Apotheek", password=PASSWORD, site=amc)


@pytest.fixture
def carla(qa_reviewer, qa_approver, site, amc):
    """A patient of AMC whose autologous product Leiden made: (patient, apheresis, bag), the bag shipped to AMC."""
    made = factories.make_autologous_product(actor=qa_reviewer, site=site, approver=qa_approver, patient_site=amc)
    return made


@pytest.fixture
def to_amc(operator, carla, amc):
    return factories.make_shipment(actor=operator, lots=[carla[2]], number="SHP-CARLA", destination_site=amc)


def _give(actor, patient_scan, product_scan):
    return administer_by_scan(actor=actor, patient_scan=patient_scan, product_scan=product_scan, place="AMC ward 2")


def test_a_receiving_site_user_gives_the_product_shipped_to_them_at_the_bedside(amir, carla, to_amc, amc):
    patient, _, bag = carla
    given = _give(amir, patient.coi, bag.number)
    assert (given.lot, given.patient) == (bag, patient)
    bedside = Handover.objects.get()
    assert (bedside.stage, bedside.outcome, bedside.site, bedside.shipment) == ("bedside", "accepted", amc, to_amc)
    assert can_see(amir, bedside) and can_see(amir, given)


def test_the_api_gives_it_too(amir, carla, to_amc):
    answer = ApiClient(token_for(amir)).post(
        "/trace/administrations/by-scan",
        {"patient_scan": carla[0].coi, "product_scan": carla[2].number, "place": "AMC ward 2"},
    )
    assert answer.status_code == 201, answer.content
    assert Administration.objects.get().patient == carla[0]


def test_a_product_never_shipped_to_their_site_stays_unknown_there_and_nothing_is_written(amir, carla, anna):
    before = LedgerHead.objects.get().size
    with pytest.raises(InvalidInput, match=f"product_scan: '{anna[2].number}' is no lot number or COI known here"):
        _give(amir, carla[0].coi, anna[2].number)
    assert LedgerHead.objects.get().size == before


def test_a_mix_up_at_the_receiving_bedside_is_blocked_with_a_deviation_of_that_site(
    amir, qa_reviewer, carla, to_amc, amc
):
    dirk = factories.make_person(actor=qa_reviewer, kind="patient", site=amc)
    rule = f"lot {carla[2].number} is made for {carla[0].coi}, not for {dirk.coi}: a mix-up"
    with pytest.raises(HandoverBlocked, match=re.escape(f"product_scan: {rule}")):
        _give(amir, dirk.coi, carla[2].number)
    blocked = Handover.objects.get()
    assert (blocked.outcome, blocked.site) == ("blocked", amc)
    assert Deviation.objects.get().site == amc
    assert not Administration.objects.exists()


def test_a_site_that_is_neither_end_of_the_shipment_cannot_give_it(qa_reviewer, carla, to_amc):
    elsewhere = make_user("operator", site=make_site(actor=qa_reviewer, code="UMCU"))
    with pytest.raises(InvalidInput, match="patient_scan: .* is no lot number or COI known here"):
        _give(elsewhere, carla[0].coi, carla[2].number)
