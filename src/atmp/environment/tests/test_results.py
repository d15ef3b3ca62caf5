"""Results through their service: judged against Annex 1 and the site's alert limits; an action-level
result opens a deviation linked to it in the same audited change; bad input refused, nothing written."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.environment import factories as f
from atmp.environment.models import AlertLimit, Result
from atmp.environment.services.limits import set_alert_limit
from atmp.environment.services.results import deviations_of, record_result
from atmp.ledger import clock
from atmp.ledger.errors import Conflict
from atmp.ledger.models import AuditEntry
from atmp.quality.models.deviations import Deviation
from atmp.testing import make_user

pytestmark = pytest.mark.django_db


def _record(point, value, *, state="in_operation", **kw):
    return record_result(
        actor=kw.pop("actor", None) or make_user("operator"),
        point=point,
        taken_at=kw.pop("taken_at", clock.now() - dt.timedelta(minutes=5)),
        state=state,
        value=value,
        **kw,
    )


@pytest.mark.parametrize(
    ("grade", "type_", "state", "value", "level"),
    [
        ("A", "settle_plate", "in_operation", 0, "within"),
        ("A", "settle_plate", "in_operation", 1, "action"),
        ("A", "particles_5_0", "in_operation", 29, "within"),
        ("A", "particles_5_0", "in_operation", 30, "action"),
        ("B", "particles_0_5", "at_rest", 3521, "action"),
        ("B", "particles_0_5", "in_operation", 3521, "within"),
        ("C", "glove_print", "in_operation", 500, "within"),
        ("D", "particles_0_5", "in_operation", 10**9, "within"),
        ("D", "contact_plate", "at_rest", 51, "action"),
    ],
)
def test_a_result_is_judged_against_annex_1(grade, type_, state, value, level):
    point = f.make_point(grade=grade, type=type_)
    result, deviation = _record(point, value, state=state)
    assert result.level == level
    assert (deviation is not None) == (level == "action")


def test_the_sites_alert_limit_gives_alert_below_action():
    point = f.make_point(grade="B", type="settle_plate")
    set_alert_limit(actor=make_user("qa_reviewer"), site=point.room.site, grade="B", type="settle_plate", value=2)
    assert _record(point, 2)[0].level == "within"
    result, deviation = _record(point, 3)
    assert (result.level, result.alert_limit, result.action_limit, deviation) == ("alert", 2, 5, None)
    assert _record(point, 6)[0].level == "action"


def test_a_points_own_alert_limit_comes_before_the_sites():
    qa = make_user("qa_reviewer")
    point = f.make_point(grade="B", type="active_air")
    set_alert_limit(actor=qa, site=point.room.site, grade="B", type="active_air", value=5)
    set_alert_limit(actor=qa, site=point.room.site, type="active_air", point=point, value=1, state="in_operation")
    assert _record(point, 2)[0].level == "alert"
    assert _record(point, 2, state="at_rest")[0].level == "within"


@pytest.mark.parametrize(
    ("grade", "type_", "value"), [("B", "settle_plate", 5), ("B", "settle_plate", 9), ("A", "active_air", 0)]
)
def test_an_alert_limit_not_below_the_action_limit_is_refused(grade, type_, value):
    site = f.make_room().site
    with pytest.raises(InvalidInput, match="^value: an alert limit is below the action limit"):
        set_alert_limit(actor=make_user("qa_reviewer"), site=site, grade=grade, type=type_, value=value)
    assert not AlertLimit.objects.exists()


def test_an_action_result_opens_its_deviation_in_the_same_change():
    point = f.make_point(grade="A", type="glove_print")
    result, deviation = _record(point, 1, batch="B-2026-001")
    assert deviation is not None and deviations_of(result) == [deviation]
    assert "B-2026-001" in deviation.description and point.code in deviation.title
    made = AuditEntry.objects.get(record_type="environment.result", record_id=str(result.pk))
    opened = AuditEntry.objects.get(record_type="quality.deviation", record_id=str(deviation.pk))
    assert opened.seq > made.seq and opened.reason == made.reason


def test_a_refused_deviation_leaves_no_result(monkeypatch):
    from atmp.environment.services import results

    def refuse(**kw):
        raise Conflict("deviation refused")

    monkeypatch.setattr(results, "open_deviation", refuse)
    point, operator = f.make_point(grade="A", type="settle_plate"), make_user("operator")
    with pytest.raises(Conflict):
        _record(point, 1, actor=operator)
    assert not Result.objects.exists()
    assert not AuditEntry.objects.filter(record_type="environment.result").exists()


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("value", {"value": "-1"}),
        ("value", {"value": "many"}),
        ("value", {"value": "1.0001"}),
        ("state", {"state": "dynamic"}),
        ("unit", {"unit": "/ft3"}),
        ("taken_at", {"taken_at": clock.now() + dt.timedelta(days=1)}),
        ("taken_at", {"taken_at": dt.datetime(2026, 1, 1, 9, 0)}),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(field, kw):
    point = f.make_point(grade="A", type="particles_0_5")
    kw.setdefault("value", 1)
    operator = make_user("operator")
    before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput, match=f"^{field}:"):
        _record(point, kw.pop("value"), actor=operator, **kw)
    assert AuditEntry.objects.count() == before and not Result.objects.exists()
    assert not Deviation.objects.exists()


def test_a_reader_may_not_record_a_result():
    point = f.make_point(grade="A", type="settle_plate")
    inspector = make_user("inspector")
    with pytest.raises(NotAllowed):
        _record(point, 1, actor=inspector)
    assert not Result.objects.exists()


def test_an_out_of_service_room_takes_no_results():
    from atmp.workflow.engine import transition

    qa = make_user("qa_reviewer")
    point = f.make_point(actor=qa)
    transition(actor=qa, record=point.room, name="suspend", reason="HVAC repair")
    point.refresh_from_db()
    with pytest.raises(InvalidInput, match="^point: room .* is out of service"):
        _record(point, 0)


def test_rooms_and_points_are_qas_to_set_up():
    from atmp.environment.services.rooms import add_point, add_room

    operator, room = make_user("operator"), f.make_room()
    with pytest.raises(NotAllowed):
        add_room(actor=operator, site=room.site, code="X1", name="X", grade="C")
    with pytest.raises(NotAllowed):
        add_point(actor=operator, room=room, code="X1", type="active_air")


def test_a_room_code_is_unique_at_its_site_and_the_grade_is_checked():
    from atmp.environment.services.rooms import add_room

    room = f.make_room()
    qa = make_user("qa_reviewer")
    with pytest.raises(Conflict, match="^code:"):
        add_room(actor=qa, site=room.site, code=room.code, name="Again", grade="C")
    with pytest.raises(InvalidInput, match="^grade:"):
        add_room(actor=qa, site=room.site, code="NEW", name="New", grade="E")


def test_an_operator_of_another_site_may_not_record_there():
    from atmp.testing import make_site

    point = f.make_point(grade="C", type="active_air")
    elsewhere = make_user("operator", site=make_site())
    with pytest.raises(InvalidInput, match="^site: you do not work at site"):
        _record(point, 1, actor=elsewhere)
    assert not Result.objects.exists()
