"""The recall impact: from a hub reagent lot (or a person), every lot reached once, where its units are,
the patients by COI and the consignees, in one query."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atmp.testing import make_site
from atmp.trace import factories
from atmp.trace.selectors import recall

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre(qa_reviewer):
    return make_site(actor=qa_reviewer, code="AMC", name="Treatment centre Amsterdam")


@pytest.fixture
def hub(qa_reviewer, qa_approver, site, centre):
    return factories.make_hub_genealogy(actor=qa_reviewer, approver=qa_approver, site=site, centre=centre)


def by_number(found):
    return {x.number: x for x in found.lots}


def test_it_reaches_every_lot_made_with_the_hub_once_with_its_level(hub):
    found = recall.impact(hub["R"])
    levels = {x.number: x.facts.level for x in found.lots}
    n = hub["R"].number.split("-")[1]
    assert levels == {f"R-{n}": 0, f"B1-{n}": 1, f"B2-{n}": 1, f"B3-{n}": 1, f"DP1-{n}": 2, f"DP2-{n}": 2}
    assert hub["X"].number not in levels


def test_it_says_where_each_lot_is(hub):
    lots = by_number(recall.impact(hub["R"]))
    reagent = lots[hub["R"].number].where
    assert reagent.remaining == Decimal("70") and reagent.unit == "mL" and reagent.location == "Freezer F-3"
    assert reagent.places == ["in stock", "consumed"]
    assert sorted(u.lot for u in reagent.consumed_into) == sorted(hub[b].number for b in ("B1", "B2", "B3"))
    assert {u.quantity for u in reagent.consumed_into} == {Decimal("10")}
    batch = lots[hub["B1"].number]
    assert batch.facts.status == "released" and batch.where.places == ["in stock", "consumed"]
    assert lots[hub["B3"].number].facts.status == "quarantine"
    assert lots[hub["B3"].number].where.places == ["in stock"]
    dp2 = lots[hub["DP2"].number].where
    assert dp2.places == ["administered"] and dp2.remaining == 0  # both bags given
    assert sorted(p.coi for p in dp2.administered_to) == sorted([hub["P2"].coi, hub["P3"].coi])
    assert dp2.shipped == ()


def test_it_names_the_patients_by_coi_and_the_treatment_centres(hub):
    found = recall.impact(hub["R"])
    assert [p.coi for p in found.patients] == sorted(hub[p].coi for p in ("P1", "P2", "P3"))
    assert [(c.site, c.kind) for c in found.consignees] == [("AMC", "hospital"), ("LEI", "hospital")]
    amc = found.consignees[0]
    assert amc.lots == (hub["DP2"].number,)


def test_it_reads_everything_in_one_query(hub):
    with CaptureQueriesContext(connection) as queries:
        recall.impact(hub["R"])
    assert len(queries) == 1
    assert "WITH RECURSIVE" in queries.captured_queries[0]["sql"]


def test_a_consumed_lot_holds_no_stock_whatever_remains_on_its_books(hub):
    facts = recall.facts_of(hub["R"], max_levels=0)[0]
    consumed = recall.whereabouts(recall.LotFacts(**{**facts.__dict__, "status": "consumed"}))
    assert consumed.remaining == 0 and not consumed.in_stock


def test_where_is_answers_for_one_lot(hub):
    where = recall.where_is(hub["DP1"])
    assert where.places == ["in stock", "administered"] and [p.coi for p in where.administered_to] == [hub["P1"].coi]


def test_a_donor_root_reaches_their_donations_and_what_was_made_from_them(qa_reviewer, qa_approver, site):
    donor = factories.make_person(actor=qa_reviewer, kind="donor", site=site)
    apheresis = factories.make_material(actor=qa_reviewer, type="starting_material", unit="mL")
    given = factories.make_released_lot(
        actor=qa_reviewer, approver=qa_approver, material=apheresis, site=site, donor=donor
    )
    cells = factories.make_use(actor=qa_reviewer, input=given).output
    found = recall.impact(donor)
    assert found.root == donor.coi and found.root_key == donor.record_key
    assert [x.number for x in found.lots] == [given.number, cells.number]


def test_a_shipped_lot_names_its_shipment_and_the_destination_is_a_consignee(hub, qa_reviewer):
    dp1 = hub["DP1"]
    shipment = factories.make_shipment(actor=qa_reviewer, lots=[dp1], destination="LUMC pharmacy")
    found = recall.impact(hub["R"])
    where = by_number(found)[dp1.number].where
    assert [(s.shipment, s.consignee) for s in where.shipped] == [(shipment.number, "LUMC pharmacy")]
    assert "shipped" in where.places
    assert ("LUMC pharmacy", "consignee", (dp1.number,)) in [(c.site, c.kind, c.lots) for c in found.consignees]
