"""Calibration and maintenance due soon or overdue appear on My work; `atmp tick` counts what is overdue."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.ledger import clock
from atmp.manufacturing import factories
from atmp.manufacturing.selectors.equipment import equipment_work, overdue_summary
from atmp.manufacturing.services import logbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(qa_reviewer, site):
    eq = factories.make_equipment(actor=qa_reviewer, site=site, code="BAL-03", maintenance_interval_days=None)
    logbook.record_calibration(actor=qa_reviewer, equipment=eq, passed=True, at=clock.now() - dt.timedelta(days=370))
    return eq


def test_overdue_calibration_is_work_for_those_who_record_it(late, operator, inspector):
    today = clock.now().date()
    items = equipment_work(operator, today)
    assert [(i.kind, i.record, i.overdue) for i in items] == [("calibration", late.record_key, True)]
    assert equipment_work(inspector, today) == []  # an inspector records nothing


def test_calibration_due_soon_is_work_not_yet_overdue(late, operator):
    soon = late.calibration_due - dt.timedelta(days=3)
    assert [(i.kind, i.overdue, i.detail) for i in equipment_work(operator, soon)] == [
        ("calibration", False, "calibration due soon")
    ]


def test_my_work_gathers_it(late, operator):
    from atmp.workflow.work import work_for

    assert any(i.kind == "calibration" and i.record == late.record_key for i in work_for(operator))


def test_the_tick_counts_what_is_overdue(late, bsc):
    assert overdue_summary(clock.now()) == {"calibration overdue": 1, "maintenance overdue": 0}
