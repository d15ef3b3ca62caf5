"""The trace, forward and backward, from a lot or a person: every lot once at its shortest level, and
the donors and patients at the far end; voided uses are not followed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atmp.ledger import writer
from atmp.trace import factories
from atmp.trace.selectors import genealogy

pytestmark = pytest.mark.django_db


def levels(found):
    return {lot.number: lot.level for lot in found.lots}


def test_forward_from_a_lot_reaches_every_product_once_at_its_shortest_level_and_the_patients(flow):
    lots, p, q = flow
    found = genealogy.forward(lots["V"])
    assert levels(found) == {"V": 0, "C": 1, "D1": 2, "D2": 1, "DQ": 1}
    assert {(x.coi, x.level) for x in found.persons} == {(p.coi, 3), (q.coi, 2)}


def test_backward_from_a_product_reaches_its_materials_and_donor(flow):
    lots, p, _ = flow
    found = genealogy.backward(lots["D1"])
    assert levels(found) == {"D1": 0, "C": 1, "A": 2, "V": 2}
    assert [(x.coi, x.kind, x.level) for x in found.persons] == [(p.coi, "patient", 3)]


def test_forward_from_a_donor_starts_at_their_donations(flow):
    lots, p, q = flow
    found = genealogy.forward(p)
    assert levels(found) == {"A": 1, "C": 2, "D1": 3, "D2": 3}
    assert [x.coi for x in found.persons] == [p.coi]  # autologous: the donor is the patient treated
    donor = lots["B"].donor
    found = genealogy.forward(donor)
    assert levels(found) == {"B": 1, "DQ": 2}
    assert [(x.coi, x.level) for x in found.persons] == [(q.coi, 3)]


def test_backward_from_a_patient_starts_at_what_they_were_given(flow):
    lots, p, q = flow
    found = genealogy.backward(q)
    assert levels(found) == {"DQ": 1, "B": 2, "V": 2}
    assert [(x.coi, x.kind, x.level) for x in found.persons] == [(lots["B"].donor.coi, "donor", 3)]  # from O
    found = genealogy.backward(p)
    assert levels(found) == {"D1": 1, "C": 2, "A": 3, "V": 3}
    assert [x.coi for x in found.persons] == [p.coi]  # P received cells P donated


def test_a_lot_with_no_genealogy_traces_to_itself(flow):
    lots, _, _ = flow
    assert levels(genealogy.forward(lots["X"])) == {"X": 0} and not genealogy.backward(lots["X"]).persons


def test_a_voided_use_is_not_followed(flow, qa_reviewer):
    lots, _, _ = flow
    from atmp.trace.models import Use

    # A use into X (still in quarantine, so its void is a correction: docs/adr/0018), then voided.
    factories.link_lots(actor=qa_reviewer, input=lots["V"], output=lots["X"])
    assert levels(genealogy.forward(lots["V"]))["X"] == 1
    mistake = Use.objects.get(input=lots["V"], output=lots["X"])
    with writer.change(actor=qa_reviewer, reason="recorded against the wrong lot"):
        mistake.voided = True
        mistake.save()
    assert "X" not in levels(genealogy.forward(lots["V"]))


def test_a_trace_is_one_query(flow):
    lots, _, _ = flow
    with CaptureQueriesContext(connection) as queries:
        genealogy.forward(lots["A"])
        genealogy.backward(lots["D2"])
    assert len(queries) == 2
    assert all("WITH RECURSIVE" in q["sql"] for q in queries.captured_queries)


def test_a_trace_shows_a_site_limited_viewer_only_their_sites(flow, qa_reviewer):
    lots, _, _ = flow
    from atmp.testing import make_site

    elsewhere = factories.make_lot(actor=qa_reviewer, number="E", site=make_site(code="AMS"))
    factories.link_lots(actor=qa_reviewer, input=lots["D1"], output=elsewhere)
    found = genealogy.forward(lots["D1"])
    assert "E" in levels(found)
    assert "E" not in levels(found.visible_to(frozenset({lots["D1"].site_id})))
