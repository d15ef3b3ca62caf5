"""A shipment to another site of ours: its users see the shipment, record its receiving hand-over (which
belongs to their site) and upload its temperature log; the hand-overs on the way stay the shipping site's."""

from __future__ import annotations

import io

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.accounts.services import can_see
from atmp.accounts.visibility import visible_records
from atmp.quality.models.deviations import Deviation
from atmp.testing import PASSWORD, make_site, make_user
from atmp.trace import factories
from atmp.trace.models import Handover, Shipment
from atmp.trace.services.custody import HandoverBlocked, find_shipment, import_temperature_log, record_handover

pytestmark = pytest.mark.django_db


@pytest.fixture
def amc(qa_reviewer):
    return make_site(actor=qa_reviewer, code="AMC", name="Treatment centre Amsterdam")


@pytest.fixture
def amir(amc):
    """An operator of the treatment centre's site only."""
    return make_user("operator", username="amir", full_name="Amir Apotheek", password=PASSWORD, site=amc)


@pytest.fixture
def lena(site):
    """An operator of the shipping site (Leiden) only."""
    return make_user("operator", username="lena", full_name="Lena Leiden", password=PASSWORD, site=site)


@pytest.fixture
def to_amc(operator, anna, amc):
    return factories.make_shipment(actor=operator, lots=[anna[2]], number="SHP-AMC", destination_site="AMC")


def _receive(actor, shipment, giver, receiver, stage="treatment_centre"):
    return record_handover(
        actor=actor,
        shipment=shipment,
        stage=stage,
        giver_scan=giver,
        receiver_scan=receiver,
        place="AMC pharmacy",
        from_party="CryoCourier",
        to_party="AMC pharmacy",
    )


def test_a_shipment_names_the_site_it_goes_to(to_amc, amc):
    assert Shipment.objects.get(pk=to_amc.pk).destination_site == amc


def test_an_unknown_or_the_shipping_site_is_refused_as_destination(operator, anna):
    with pytest.raises(InvalidInput, match="destination_site: there is no site 'NOWHERE'"):
        factories.make_shipment(actor=operator, lots=[anna[2]], destination_site="NOWHERE")
    with pytest.raises(InvalidInput, match="destination_site: LEI is the shipping site"):
        factories.make_shipment(actor=operator, lots=[anna[2]], destination_site="LEI")


def test_the_destination_sites_users_see_the_shipment_and_its_lots(to_amc, amir, qa_reviewer):
    assert find_shipment("SHP-AMC", user=amir) == to_amc
    assert list(visible_records(amir, Shipment.objects.all())) == [to_amc]
    elsewhere = make_user("operator", site=make_site(actor=qa_reviewer, code="UMCU"))
    with pytest.raises(InvalidInput, match="shipment: there is no shipment 'SHP-AMC'"):
        find_shipment("SHP-AMC", user=elsewhere)


def test_a_receiving_site_user_records_the_receiving_hand_over_which_belongs_to_their_site(to_amc, amir, anna, amc):
    done = _receive(amir, to_amc, anna[2].number, anna[0].coi)
    assert (done.outcome, done.site, done.receiver_coi) == ("accepted", amc, anna[0].coi)


def test_the_shipping_sites_user_may_record_it_too_for_the_shipping_site(to_amc, lena, anna, site):
    done = _receive(lena, to_amc, anna[2].number, anna[2].number)
    assert (done.outcome, done.site) == ("accepted", site)


def test_the_hand_overs_on_the_way_stay_the_shipping_sites(to_amc, amir, lena, anna, site):
    with pytest.raises(InvalidInput, match="site: you do not work at site LEI"):
        _receive(amir, to_amc, anna[2].number, anna[2].number, stage="courier")
    courier = _receive(lena, to_amc, anna[2].number, anna[2].number, stage="courier")
    assert courier.site == site and can_see(amir, courier)
    assert not Handover.objects.filter(site__code="AMC").exists()


def test_a_mismatch_at_the_receiving_site_is_blocked_with_a_deviation_of_that_site(to_amc, amir, anna, bert, amc):
    with pytest.raises(HandoverBlocked, match="receiver_scan: the receiver's scan names COI"):
        _receive(amir, to_amc, anna[2].number, bert[0].coi)
    blocked = Handover.objects.get()
    assert (blocked.outcome, blocked.site) == ("blocked", amc)
    assert Deviation.objects.get().site == amc


def test_a_scan_of_another_sites_product_at_the_hand_over_is_a_mix_up_not_an_unreadable_scan(to_amc, amir, bert):
    with pytest.raises(HandoverBlocked, match=f"giver_scan: the giver's scan names lot {bert[2].number}"):
        _receive(amir, to_amc, bert[2].number, bert[2].number)
    with pytest.raises(InvalidInput, match="giver_scan: 'NO-SUCH-LOT' is no lot number or COI known here"):
        _receive(amir, to_amc, "NO-SUCH-LOT", bert[2].number)
    assert Handover.objects.get().outcome == "blocked"


def test_a_receiving_site_user_uploads_the_temperature_log(operator, anna, amir, amc):
    shipment = factories.make_shipment(
        actor=operator, lots=[anna[2]], destination_site=amc, temperature_low="2", temperature_high="8"
    )
    excursion = "time,temp\n2026-12-01T08:00:00Z,4\n2026-12-01T09:00:00Z,12\n2026-12-01T10:00:00Z,5\n"
    log = import_temperature_log(
        actor=amir, shipment=shipment, stream=io.BytesIO(excursion.encode()), name="logger.csv", reason="on receipt"
    )
    assert log.excursion and can_see(amir, log)
    assert Deviation.objects.get().site == amc


def test_without_a_destination_site_the_other_sites_users_see_nothing(operator, anna, amir):
    factories.make_shipment(actor=operator, lots=[anna[2]], number="SHP-PLAIN")
    with pytest.raises(InvalidInput, match="there is no shipment"):
        find_shipment("SHP-PLAIN", user=amir)
