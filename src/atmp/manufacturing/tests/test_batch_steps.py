"""Starting and completing batch steps: in order, by a trained operator, in a ready room, with usable equipment."""

from __future__ import annotations

import pytest

from atmp.environment.factories import make_room
from atmp.ledger.errors import RuleViolation
from atmp.manufacturing import factories
from atmp.manufacturing.models import EntryKind, LogbookEntry, RoomUse
from atmp.manufacturing.services.batch_steps import complete_step, start_step
from atmp.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_a_trained_operator_starts_the_first_step_in_a_cleared_room(running, floor, batch):
    batch.refresh_from_db()
    assert running.progress == "in_progress" and batch.status == "in_progress"
    assert running.operator == floor["operator"] and running.equipment == [floor["bsc"].code]
    use = RoomUse.objects.get(pk=running.room_use_id)
    assert (use.room, use.batch, use.ended_at) == (floor["room"], batch.number, None)
    assert LogbookEntry.objects.filter(equipment=floor["bsc"], kind=EntryKind.USE, product=batch.product).exists()


def test_it_refuses_a_step_before_the_one_before_it_is_done(floor, steps, ledger_size):
    before = ledger_size()
    with pytest.raises(RuleViolation, match="step order: step 20 starts only after step 10 is done"):
        start_step(actor=floor["operator"], step=steps[1], room=floor["room"], equipment=[floor["bsc"]])
    assert ledger_size() == before


def test_it_refuses_an_operator_not_trained_on_the_steps_sop(floor, steps, batch, ledger_size):
    untrained = make_user("operator", password=PASSWORD)
    before = ledger_size()
    with pytest.raises(RuleViolation, match="training missing: .* is not trained on the effective version of"):
        start_step(actor=untrained, step=steps[0], room=floor["room"], equipment=[floor["bsc"]])
    assert ledger_size() == before


def test_training_is_checked_before_the_room(floor, steps, batch):
    untrained = make_user("operator", password=PASSWORD)
    uncleared = make_room(site=batch.site, grade="B")
    with pytest.raises(RuleViolation, match="training missing"):
        start_step(actor=untrained, step=steps[0], room=uncleared, equipment=[floor["bsc"]])


def test_it_refuses_a_room_without_line_clearance(floor, steps, batch, ledger_size):
    uncleared = make_room(site=batch.site, grade="B")
    before = ledger_size()
    with pytest.raises(RuleViolation, match="line clearance missing: room"):
        start_step(actor=floor["operator"], step=steps[0], room=uncleared, equipment=[floor["bsc"]])
    assert ledger_size() == before


def test_it_refuses_a_room_of_a_lower_grade(floor, steps, batch, ledger_size):
    grade_c = factories.make_cleared_room(
        actor=floor["operator"], checker=floor["checker"], product=batch.product, site=batch.site, grade="C"
    )
    before = ledger_size()
    with pytest.raises(RuleViolation, match="wrong grade: room .* is grade C, the step needs grade B"):
        start_step(actor=floor["operator"], step=steps[0], room=grade_c, equipment=[floor["bsc"]])
    assert ledger_size() == before


def test_it_refuses_a_step_without_its_room(floor, steps, ledger_size):
    before = ledger_size()
    with pytest.raises(RuleViolation, match="room missing: step 10 needs a room of grade B"):
        start_step(actor=floor["operator"], step=steps[0], equipment=[floor["bsc"]])
    assert ledger_size() == before


def test_it_refuses_a_step_without_equipment_of_the_class_it_needs(floor, steps, ledger_size):
    before = ledger_size()
    with pytest.raises(RuleViolation, match="equipment missing: step 10 needs a bsc"):
        start_step(actor=floor["operator"], step=steps[0], room=floor["room"])
    assert ledger_size() == before


def test_it_refuses_equipment_that_is_not_qualified(floor, steps, batch, ledger_size):
    unqualified = factories.make_equipment(actor=floor["qa"], site=batch.site)
    before = ledger_size()
    with pytest.raises(RuleViolation, match="not qualified: .* only qualified equipment is used"):
        start_step(actor=floor["operator"], step=steps[0], room=floor["room"], equipment=[unqualified])
    assert ledger_size() == before


def test_the_next_step_of_the_same_batch_uses_the_equipment_its_step_before_left(running, floor, steps):
    factories.complete_first_step(step=running, floor=floor)
    second = start_step(actor=floor["operator"], step=steps[1], room=floor["room"], equipment=[floor["bsc"]])
    assert second.equipment == [floor["bsc"].code]
    uses = LogbookEntry.objects.filter(equipment=floor["bsc"], kind=EntryKind.USE).order_by("at", "pk")
    assert [u.batch for u in uses] == [running.batch.number, running.batch.number]


def test_another_batch_is_refused_the_equipment_a_batch_left_dirty(running, floor, batch, effective_mbr, ledger_size):
    other = factories.make_batch(actor=floor["qa"], mbr=effective_mbr)
    room = factories.make_cleared_room(
        actor=floor["operator"], checker=floor["checker"], product=batch.product, site=batch.site, grade="B"
    )
    first = other.steps.order_by("number")[0]
    before = ledger_size()
    with pytest.raises(RuleViolation, match=f"not clean: .* is dirty from batch {batch.number}"):
        start_step(actor=floor["operator"], step=first, room=room, equipment=[floor["bsc"]])
    assert ledger_size() == before


def test_the_same_batch_is_refused_the_equipment_once_its_clean_hold_time_expired(running, floor, steps):
    import datetime as dt

    from atmp.manufacturing.services.equipment import usable

    factories.complete_first_step(step=running, floor=floor)
    bsc = floor["bsc"]
    bsc.refresh_from_db()
    later = bsc.clean_until + dt.timedelta(minutes=1)
    refused = usable(bsc, on=later, equipment_class="bsc", product=running.batch.product, batch=running.batch.number)
    assert refused is not None and "cleaning expired" in refused


def test_the_next_step_keeps_the_batchs_room_once_the_one_before_is_done(running, floor, steps):
    factories.complete_first_step(step=running, floor=floor)
    factories.clean(actor=floor["qa"], equipment=floor["bsc"])
    second = start_step(actor=floor["operator"], step=steps[1], room=floor["room"], equipment=[floor["bsc"]])
    assert second.room_use_id == running.room_use_id


def test_it_refuses_completing_a_step_with_entries_missing(running, floor, ledger_size):
    before = ledger_size()
    with pytest.raises(
        RuleViolation, match="entries missing: step 10 .* lacks parameter Temperature; control Viability"
    ):
        complete_step(actor=floor["operator"], step=running)
    assert ledger_size() == before


def test_a_step_with_every_entry_and_verification_is_done(running, floor):
    done = factories.complete_first_step(step=running, floor=floor)
    assert done.progress == "done" and done.ended_at is not None
