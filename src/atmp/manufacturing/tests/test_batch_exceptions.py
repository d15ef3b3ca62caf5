"""Review by exception: QA sees deviations, out-of-range values, corrections, late entries, acknowledged
warnings and EM excursions in the batch's rooms during the batch; nothing that went as instructed."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.environment.factories import make_point, make_result
from atmp.ledger import clock
from atmp.manufacturing.selectors.batches import exceptions
from atmp.manufacturing.services.batch_entries import correct_entry, record_control, record_parameter

pytestmark = pytest.mark.django_db


def test_a_batch_that_went_as_instructed_has_no_exceptions(running, floor, batch):
    record_parameter(actor=floor["operator"], step=running, parameter=running.mbr_step.parameters.get(), value="37.0")
    assert exceptions(batch) == []


def test_it_lists_every_kind_of_exception(running, floor, batch):
    olga, temperature = floor["operator"], running.mbr_step.parameters.get()
    first = record_parameter(actor=olga, step=running, parameter=temperature, value="38.0", acknowledged=True)
    correct_entry(actor=olga, entry=first, value="40.0", reason="the probe was recalibrated")
    record_control(
        actor=olga,
        step=running,
        control=running.mbr_step.controls.get(),
        value="80",
        observed_at=clock.now() - dt.timedelta(minutes=30),
    )
    point = make_point(actor=floor["qa"], room=floor["room"])
    make_result(actor=olga, point=point, value=10, taken_at=clock.now())
    elsewhere = make_point(actor=floor["qa"])
    make_result(actor=olga, point=elsewhere, value=10, taken_at=clock.now())

    kinds = sorted(x.kind for x in exceptions(batch))
    assert kinds == sorted(
        [
            "out_of_range",  # 38.0 outside NOR
            "acknowledged_warning",
            "out_of_range",  # 40.0 outside PAR
            "deviation",
            "correction",
            "out_of_range",  # viability 80 % under 90 %
            "deviation",  # opened by the control outside its limits
            "late",
            "em_excursion",  # the room's plate, not the other room's
        ]
    )
    texts = " | ".join(x.text for x in exceptions(batch))
    assert "corrected to 40.0 °C: the probe was recalibrated" in texts
    assert f"at {floor['room'].code}/{point.code}" in texts


def test_em_results_before_the_batch_are_not_its_exceptions(running, floor, batch):
    point = make_point(actor=floor["qa"], room=floor["room"])
    make_result(actor=floor["operator"], point=point, value=10, taken_at=running.started_at - dt.timedelta(hours=2))
    assert [x.kind for x in exceptions(batch)] == []


def test_a_deviation_qa_links_to_the_batch_is_listed(running, floor, batch, qa_reviewer):
    from atmp.quality.factories import make_deviation
    from atmp.quality.services.deviations import add_impact

    deviation = make_deviation(actor=qa_reviewer, site=batch.site)
    add_impact(actor=qa_reviewer, deviation=deviation, record=batch, reason="the batch was in the room")
    listed = [x for x in exceptions(batch) if x.kind == "deviation"]
    assert [x.record_key for x in listed] == [deviation.record_key]
    assert listed[0].text.startswith(f"batch {batch.number}: deviation {deviation.number}")
