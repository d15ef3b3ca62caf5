"""Handing a shipment over: both sides scan; a scan that does not match blocks it, records the attempt
and opens a deviation linked to it."""

from __future__ import annotations

import re

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.models import AuditEntry
from atmp.quality.models.deviations import Deviation
from atmp.trace.models import Handover
from atmp.trace.services.custody import HandoverBlocked, record_handover
from atmp.workflow.models import Link

pytestmark = pytest.mark.django_db
GS = "\x1d"


def _hand_over(operator, shipment, giver, receiver, **fields):
    return record_handover(
        actor=operator,
        shipment=shipment,
        stage=fields.pop("stage", "courier"),
        giver_scan=giver,
        receiver_scan=receiver,
        place="Leiden dock 2",
        from_party="Leiden dispatch",
        to_party="Courier",
        **fields,
    )


def test_a_hand_over_whose_scans_name_the_shipments_lot_is_accepted(operator, shipment, anna):
    done = _hand_over(operator, shipment, anna[2].number, anna[2].number + "\r\n")
    assert (done.outcome, done.giver_lot, done.receiver_lot) == ("accepted", anna[2].number, anna[2].number)
    assert done.expected_coi == anna[0].coi == done.giver_coi
    assert not Deviation.objects.exists()


def test_a_gs1_element_string_and_a_typed_coi_match_too(operator, shipment, anna):
    gs1 = f"]d2240{anna[0].coi}{GS}10{anna[2].number}"
    done = _hand_over(operator, shipment, gs1, anna[0].coi)
    assert (done.giver_lot, done.receiver_coi) == (anna[2].number, anna[0].coi)


def test_another_patients_product_blocks_the_hand_over_and_opens_a_linked_deviation(operator, shipment, anna, bert):
    with pytest.raises(
        HandoverBlocked, match=f"receiver_scan: the receiver's scan names lot {bert[2].number}"
    ) as caught:
        _hand_over(operator, shipment, anna[2].number, bert[2].number)
    blocked = Handover.objects.get()
    assert (blocked.outcome, blocked.receiver_lot) == ("blocked", bert[2].number)
    assert "which this shipment does not carry" in blocked.rule
    deviation = Deviation.objects.get()
    assert caught.value.deviation == deviation and caught.value.handover == blocked
    assert deviation.title == "Mismatched scan at hand-over of SHP-ANNA"
    linked = {(x.target_type, x.target_id) for x in Link.objects.filter(source_id=str(deviation.pk))}
    assert linked == {("trace.handover", str(blocked.pk)), ("trace.shipment", str(shipment.pk))}


def test_another_patients_coi_blocks_the_hand_over(operator, shipment, anna, bert):
    rule = f"names COI {bert[0].coi}, but the shipment carries COI {anna[0].coi}"
    with pytest.raises(HandoverBlocked, match=re.escape(rule)):
        _hand_over(operator, shipment, bert[0].coi, anna[2].number)
    assert Handover.objects.get().outcome == "blocked"


def test_a_blocked_attempt_writes_only_itself_its_deviation_and_their_links(operator, shipment, bert):
    before = AuditEntry.objects.count()
    with pytest.raises(HandoverBlocked):
        _hand_over(operator, shipment, bert[2].number, bert[2].number)
    written = AuditEntry.objects.filter(seq__gt=before).values_list("record_type", flat=True)
    assert sorted(written) == ["quality.deviation", "trace.handover", "workflow.link", "workflow.link"]


def test_an_unreadable_scan_is_refused_and_nothing_is_written(operator, shipment, anna):
    before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput, match="giver_scan: 'NO-SUCH-LOT' is no lot number or COI known here"):
        _hand_over(operator, shipment, "NO-SUCH-LOT", anna[2].number)
    with pytest.raises(InvalidInput, match="receiver_scan.gs1.10: there is no lot"):
        _hand_over(operator, shipment, anna[2].number, f"]d210NOPE{GS}")
    assert AuditEntry.objects.count() == before


def test_it_refuses_a_bad_stage_or_a_missing_party_naming_the_field(operator, shipment, anna):
    with pytest.raises(InvalidInput, match="stage"):
        _hand_over(operator, shipment, anna[2].number, anna[2].number, stage="teleport")
    with pytest.raises(InvalidInput, match="bedside is reached by administering"):
        _hand_over(operator, shipment, anna[2].number, anna[2].number, stage="bedside")
    with pytest.raises(InvalidInput, match="at: .* is before shipment SHP-ANNA left"):
        _hand_over(operator, shipment, anna[2].number, anna[2].number, at="2020-01-01T00:00:00+00:00")
    assert not Handover.objects.exists()
