"""room_ready() names the rule that stops a room being used for a product, and says None when it may be."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.environment import limits
from atmp.ledger import clock, writer
from atmp.ledger.errors import RuleViolation, SignatureRefused
from atmp.manufacturing import factories
from atmp.manufacturing.models import RoomCleaning, RoomUse
from atmp.manufacturing.services import rooms as svc
from atmp.testing import PASSWORD
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def now():
    return clock.now()


def ready(room, operator, second_operator, product, kind="routine"):
    return factories.make_cleared_room(actor=operator, checker=second_operator, product=product, room=room, kind=kind)


def used(room, operator, second_operator, product, batch="B-001"):
    ready(room, operator, second_operator, product)
    use = svc.start_use(actor=operator, room=room, product=product, batch=batch)
    return svc.end_use(actor=operator, room=room) and use


def test_a_cleaned_room_cleared_and_checked_for_the_product_is_ready(room, operator, second_operator, product):
    ready(room, operator, second_operator, product)
    assert svc.room_ready(room, product=product, on=now()) is None
    assert svc.room_ready(room, product=product, grade_required="B", on=now()) is None


def test_it_refuses_a_room_out_of_service(room, operator, second_operator, product, qa_approver):
    ready(room, operator, second_operator, product)
    engine.transition(qa_approver, room, "suspend", reason="HVAC failure")
    assert svc.room_ready(room, product=product, on=now()).startswith(
        "room out of service: room 2.14 is out of service"
    )


def test_it_refuses_a_room_of_a_dirtier_grade(room, operator, second_operator, product):
    ready(room, operator, second_operator, product)
    assert svc.room_ready(room, product=product, grade_required="A", on=now()) == (
        "wrong grade: room 2.14 is grade B, the step needs grade A (or cleaner)"
    )


def test_a_cleaner_grade_serves_a_step_needing_a_dirtier_one(room, operator, second_operator, product):
    ready(room, operator, second_operator, product)
    assert svc.room_ready(room, product=product, grade_required="C", on=now()) is None
    assert svc.room_ready(room, product=product, grade_required="D", on=now()) is None


def test_every_grade_s_limits_are_at_or_below_those_of_the_grades_after_it():
    # Why a cleaner grade satisfies a dirtier requirement: Annex 1 Tables 5 and 6, as atmp holds them.
    for state in ("at_rest", "in_operation"):
        for sample in limits.SAMPLE_TYPES:
            values = [limits.action_limit(g, sample, state) for g in limits.GRADES]
            known = [v for v in values if v is not None]
            assert known == sorted(known), (state, sample, values)


def test_a_room_never_cleared_misses_its_line_clearance(room, product):
    assert svc.room_ready(room, product=product, on=now()) == (
        "line clearance missing: room 2.14 has no checked line clearance for AAV-001"
    )


def test_a_line_clearance_counts_only_once_a_second_person_checked_it(room, operator, second_operator, product):
    svc.record_cleaning(actor=operator, room=room, kind="routine", sop="SOP-CL-001")
    clearance = svc.record_line_clearance(actor=operator, room=room, product=product)
    assert svc.room_ready(room, product=product, on=now()).startswith("line clearance missing:")
    with pytest.raises(SignatureRefused):
        svc.check_line_clearance(actor=operator, clearance=clearance, password=PASSWORD)  # not by whoever did it
    svc.check_line_clearance(actor=second_operator, clearance=clearance, password=PASSWORD)
    assert svc.room_ready(room, product=product, on=now()) is None


def test_a_line_clearance_for_another_product_does_not_count(room, operator, second_operator, product, lentiviral):
    ready(room, operator, second_operator, lentiviral)
    assert svc.room_ready(room, product=product, on=now()).startswith(
        "line clearance missing: room 2.14 has no checked line clearance for AAV-001 since its last use or cleaning"
    )


def test_a_cleaning_after_the_clearance_needs_a_new_clearance(room, operator, second_operator, product):
    ready(room, operator, second_operator, product)
    svc.record_cleaning(actor=operator, room=room, kind="routine", sop="SOP-CL-001")
    assert svc.room_ready(room, product=product, on=now()).startswith("line clearance missing:")


def test_a_use_consumes_the_line_clearance(room, operator, second_operator, product):
    used(room, operator, second_operator, product)
    assert svc.room_ready(room, product=product, on=now()).startswith("line clearance missing:")
    ready(room, operator, second_operator, product)
    assert svc.room_ready(room, product=product, on=now()) is None


def test_a_room_last_used_for_another_product_needs_a_changeover_cleaning(
    room, operator, second_operator, product, lentiviral
):
    used(room, operator, second_operator, lentiviral, batch="LV-26-001")
    ready(room, operator, second_operator, product)  # a routine cleaning and a checked clearance: not enough
    refused = svc.room_ready(room, product=product, on=now())
    assert refused.startswith("changeover missing: room 2.14 was last used for LV-001 (GMO class 2, batch LV-26-001)")
    ready(room, operator, second_operator, product, kind="changeover")
    assert svc.room_ready(room, product=product, on=now()) is None


def test_the_same_product_at_another_gmo_class_needs_a_changeover(
    room, operator, second_operator, product, qa_reviewer
):
    used(room, operator, second_operator, product)
    with writer.change(actor=qa_reviewer, reason="reclassified as a class 2 GMO"):  # the class it had is kept
        product.gmo_class, product.containment_level = "2", 2
        product.save()
    ready(room, operator, second_operator, product)
    assert svc.room_ready(room, product=product, on=now()).startswith("changeover missing:")


def test_a_room_still_in_use_for_another_product_is_refused_as_changeover(
    room, operator, second_operator, product, lentiviral
):
    ready(room, operator, second_operator, lentiviral)
    svc.start_use(actor=operator, room=room, product=lentiviral, batch="LV-26-002")
    assert "is in use for LV-001" in svc.room_ready(room, product=product, on=now())
    assert svc.room_ready(room, product=lentiviral, on=now()).startswith(
        "line clearance missing: room 2.14 is in use for batch LV-26-002"
    )


def test_a_refused_use_names_the_rule_and_writes_nothing(room, operator, product):
    with pytest.raises(RuleViolation, match="^line clearance missing"):
        svc.start_use(actor=operator, room=room, product=product, batch="B-9")
    assert not RoomUse.objects.filter(room=room).exists()


def test_a_use_records_the_product_s_gmo_class_and_its_clearance(room, operator, second_operator, lentiviral):
    ready(room, operator, second_operator, lentiviral)
    use = svc.start_use(actor=operator, room=room, product=lentiviral, batch="LV-1", grade_required="C")
    assert (use.gmo_class, use.clearance.status, use.ended_at) == ("2", "checked", None)


def test_cleaning_or_clearing_a_room_in_use_is_refused(room, operator, second_operator, product):
    ready(room, operator, second_operator, product)
    svc.start_use(actor=operator, room=room, product=product, batch="B-1")
    before = RoomCleaning.objects.count()
    with pytest.raises(RuleViolation, match="^room in use: room 2.14 is in use for AAV-001 batch B-1"):
        svc.record_cleaning(actor=operator, room=room, kind="changeover", sop="SOP-CL-002")
    with pytest.raises(RuleViolation, match="^room in use"):
        svc.record_line_clearance(actor=operator, room=room, product=product)
    assert RoomCleaning.objects.count() == before


def test_bad_input_names_the_field(room, operator, product):
    from atmp.accounts.errors import InvalidInput

    with pytest.raises(InvalidInput, match="kind"):
        svc.record_cleaning(actor=operator, room=room, kind="quick", sop="SOP-1")
    with pytest.raises(InvalidInput, match="sop"):
        svc.record_cleaning(actor=operator, room=room, kind="routine", sop=" ")
    with pytest.raises(InvalidInput, match="grade_required"):
        svc.start_use(actor=operator, room=room, product=product, batch="B-1", grade_required="E")
    with pytest.raises(InvalidInput, match="room"):
        svc.end_use(actor=operator, room=room)


def test_an_earlier_time_is_judged_with_what_was_done_by_then(room, operator, second_operator, product):
    hour_ago = now() - dt.timedelta(hours=1)
    ready(room, operator, second_operator, product)
    assert svc.room_ready(room, product=product, on=hour_ago).startswith("line clearance missing:")
