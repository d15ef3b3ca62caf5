"""Entries of a batch step: values parsed and checked against NOR and PAR, corrections, second-person verification."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger import clock, writer
from atmp.ledger.errors import Conflict, RuleViolation, SignatureRefused
from atmp.manufacturing.models import BatchEntry
from atmp.manufacturing.selectors.batches import is_verified, live_entries
from atmp.manufacturing.services.batch_entries import (
    correct_entry,
    in_unit,
    record_control,
    record_parameter,
    verify_entry,
)
from atmp.quality.models.deviations import Deviation
from atmp.testing import PASSWORD
from atmp.workflow import links

pytestmark = pytest.mark.django_db


@pytest.fixture
def temperature(running):
    return running.mbr_step.parameters.get()


@pytest.fixture
def viability(running):
    return running.mbr_step.controls.get()


def test_a_value_within_nor_is_recorded_with_operator_and_server_time(running, floor, temperature):
    entry = record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="37.1")
    assert (entry.value, entry.unit, entry.amount, entry.flag) == ("37.1", "Cel", Decimal("37.1"), "ok")
    assert entry.created_by == floor["operator"] and abs(entry.at - clock.now()) < dt.timedelta(minutes=1)
    assert not entry.late


@pytest.mark.parametrize("value", ["abc", "37,1.2", "1e3", ""])
def test_it_refuses_a_value_that_is_not_a_plain_number(running, floor, temperature, value, ledger_size):
    before = ledger_size()
    with pytest.raises(InvalidInput, match="value format") as refused:
        record_parameter(actor=floor["operator"], step=running, parameter=temperature, value=value)
    assert refused.value.field == "value" and ledger_size() == before


def test_it_refuses_more_decimals_than_the_parameter_has(running, floor, temperature, ledger_size):
    before = ledger_size()
    with pytest.raises(InvalidInput, match="value format: 37.25 has 2 decimals; the master record allows 1"):
        record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="37.25")
    assert ledger_size() == before


def test_it_refuses_a_value_in_another_unit(running, floor, temperature, ledger_size):
    before = ledger_size()
    with pytest.raises(InvalidInput, match="unit mismatch") as refused:
        record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="37", unit="min")
    assert refused.value.field == "unit" and ledger_size() == before


def test_a_value_in_another_unit_of_the_dimension_converts_only_when_asked():
    assert in_unit(Decimal("2"), "h", "min", convert=True, decimals=0) == (Decimal("120"), "h", True)
    assert in_unit(Decimal("2.5"), "mL", "L", convert=True, decimals=3) == (Decimal("0.003"), "mL", True)
    with pytest.raises(InvalidInput, match="unit mismatch: the value is in h, the master record's in min"):
        in_unit(Decimal("2"), "h", "min", convert=False, decimals=0)
    with pytest.raises(InvalidInput, match="unit mismatch"):
        in_unit(Decimal("2"), "mL", "Cel", convert=True, decimals=0)


def test_outside_nor_it_warns_and_needs_the_operators_acknowledgement(running, floor, temperature, ledger_size):
    before = ledger_size()
    with pytest.raises(RuleViolation, match="warning not acknowledged: Temperature 38.0 °C is outside the normal"):
        record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="38.0")
    assert ledger_size() == before
    entry = record_parameter(
        actor=floor["operator"], step=running, parameter=temperature, value="38.0", acknowledged=True
    )
    assert (entry.flag, entry.acknowledged, entry.deviation) == ("warning", True, None)


def test_outside_par_it_opens_a_deviation_linked_to_the_step_in_the_same_change(running, floor, temperature):
    entry = record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="40.0")
    assert entry.flag == "out_of_par"
    deviation = Deviation.objects.get(pk=entry.deviation_id)
    assert "outside its proven acceptable range" in deviation.title
    assert running in links.linked(deviation, relation="concerns")
    from atmp.ledger.models import AuditEntry

    seqs = {
        AuditEntry.objects.get(record_type="manufacturing.batchentry", record_id=str(entry.pk)).seq,
        AuditEntry.objects.get(record_type="quality.deviation", record_id=str(deviation.pk)).seq,
    }
    assert max(seqs) - min(seqs) <= 3  # one change: the deviation, its link, then the entry


def test_a_control_outside_its_limits_is_flagged(running, floor, viability):
    entry = record_control(actor=floor["operator"], step=running, control=viability, value="85")
    assert entry.flag == "out_of_limits"


@pytest.mark.parametrize(
    ("value", "flag"),
    [("90", "ok"), ("89.99", "out_of_limits"), ("99", "ok"), ("99.01", "out_of_limits")],
)
def test_a_controls_limits_are_inclusive(running, floor, viability, value, flag):
    viability.high = Decimal("99")  # in memory: the fixture's master record closes only the low side
    entry = record_control(actor=floor["operator"], step=running, control=viability, value=value)
    assert entry.flag == flag
    assert (entry.deviation_id is not None) == (flag == "out_of_limits")


def test_a_control_outside_its_limits_opens_a_deviation_linked_to_the_step_in_the_same_change(
    running, floor, viability
):
    from atmp.ledger.models import AuditEntry

    entry = record_control(actor=floor["operator"], step=running, control=viability, value="85")
    deviation = Deviation.objects.get(pk=entry.deviation_id)
    assert deviation.title == f"Viability outside its limits in batch {running.batch.number}"
    assert "Viability was 85 %, outside the limits 90–… %" in deviation.description
    assert running in links.linked(deviation, relation="concerns")
    seqs = {
        AuditEntry.objects.get(record_type="manufacturing.batchentry", record_id=str(entry.pk)).seq,
        AuditEntry.objects.get(record_type="quality.deviation", record_id=str(deviation.pk)).seq,
    }
    assert max(seqs) - min(seqs) <= 3


def test_a_correction_back_into_the_limits_keeps_the_deviation(running, floor, viability):
    from atmp.manufacturing.selectors.batches import exceptions

    first = record_control(actor=floor["operator"], step=running, control=viability, value="85")
    fixed = correct_entry(actor=floor["operator"], entry=first, value="95", reason="read the wrong count")
    assert (fixed.flag, fixed.deviation_id) == ("ok", None)
    deviation = Deviation.objects.get(pk=first.deviation_id)
    assert not deviation.voided and running in links.linked(deviation, relation="concerns")
    listed = [x for x in exceptions(running.batch) if x.kind == "deviation"]
    assert [x.record_key for x in listed] == [deviation.record_key]
    assert listed[0].text.startswith(f"step {running.number}: deviation {deviation.number}")


def test_an_entry_observed_long_before_it_is_recorded_is_late(running, floor, temperature):
    then = clock.now() - dt.timedelta(minutes=40)
    entry = record_parameter(
        actor=floor["operator"], step=running, parameter=temperature, value="37.0", observed_at=then
    )
    assert entry.late


def test_a_correction_supersedes_the_entry_and_keeps_it_visible(running, floor, temperature):
    first = record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="37.0")
    fixed = correct_entry(actor=floor["operator"], entry=first, value="37.2", reason="read from the wrong probe")
    assert fixed.supersedes == first and fixed.correction_reason == "read from the wrong probe"
    assert live_entries(running) == [fixed]
    assert BatchEntry.objects.get(pk=first.pk).value == "37.0"


def test_a_correction_needs_a_reason(running, floor, temperature, ledger_size):
    first = record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="37.0")
    before = ledger_size()
    with pytest.raises(InvalidInput) as refused:
        correct_entry(actor=floor["operator"], entry=first, value="37.2", reason=" ")
    assert refused.value.field == "reason" and ledger_size() == before


def test_a_superseded_entry_is_not_corrected_again(running, floor, temperature):
    first = record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="37.0")
    correct_entry(actor=floor["operator"], entry=first, value="37.2", reason="typo")
    with pytest.raises(Conflict, match="superseded or voided already"):
        correct_entry(actor=floor["operator"], entry=first, value="37.3", reason="again")


def test_an_entry_is_never_edited_in_place(running, floor, temperature):
    entry = record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="37.0")
    entry.value = "37.4"
    refused = pytest.raises(Conflict, match="append-only: .* is never edited \\(value\\)")
    with refused, writer.change(actor=floor["operator"], reason="edit"):
        entry.save()


def test_a_second_person_verifies_an_entry_by_signature(running, floor, temperature):
    entry = record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="37.0")
    signature = verify_entry(actor=floor["checker"], entry=entry, password=PASSWORD)
    assert signature.meaning == "verified" and is_verified(entry)


def test_an_operator_of_the_batch_s_site_alone_verifies_an_entry(running, floor, temperature, batch):
    from atmp.testing import make_user

    entry = record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="37.0")
    checker = make_user("operator", password=PASSWORD, site=batch.site)
    verify_entry(actor=checker, entry=entry, password=PASSWORD)
    assert is_verified(entry)


def test_whoever_entered_it_cannot_verify_it(running, floor, temperature):
    entry = record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="37.0")
    with pytest.raises(SignatureRefused, match="segregation of duties"):
        verify_entry(actor=floor["operator"], entry=entry, password=PASSWORD)
    assert not is_verified(entry)


def test_it_refuses_an_entry_to_a_step_not_started(floor, steps, ledger_size):
    parameter = steps[1].mbr_step.parameters.get()
    with pytest.raises(RuleViolation, match="batch not in progress|step not in progress"):
        record_parameter(actor=floor["operator"], step=steps[1], parameter=parameter, value="37.0")
