"""A calibration result can always be entered; a failed one takes the equipment out of service and opens a deviation."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.ledger import clock
from atmp.ledger.errors import RuleViolation
from atmp.manufacturing import factories
from atmp.manufacturing.services import logbook
from atmp.manufacturing.services.equipment import usable
from atmp.quality.models.deviations import Deviation
from atmp.testing import PASSWORD
from atmp.workflow import engine, links

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(qa_reviewer, qa_approver, site):
    """A balance calibrated 400 days ago on a yearly interval: out of calibration."""
    eq = factories.qualify_stages(
        actor=qa_reviewer,
        equipment=factories.make_equipment(
            actor=qa_reviewer,
            site=site,
            code="BAL-07",
            equipment_class="balance",
            cleaning_required=False,
            maintenance_interval_days=None,
        ),
        on=clock.now().date() - dt.timedelta(days=500),
    )
    engine.transition(qa_approver, eq, "qualify", reason="qualified", password=PASSWORD)
    logbook.record_calibration(actor=qa_reviewer, equipment=eq, passed=True, at=clock.now() - dt.timedelta(days=400))
    return eq


def test_a_passed_calibration_sets_the_next_due_date_one_interval_after_it(overdue):
    assert overdue.last_calibrated == (clock.now() - dt.timedelta(days=400)).date()
    assert overdue.calibration_due == overdue.last_calibrated + dt.timedelta(days=365)


def test_an_out_of_calibration_instrument_is_refused_for_use(overdue, operator):
    with pytest.raises(RuleViolation, match="^calibration overdue: BAL-07"):
        logbook.record_use(actor=operator, equipment=overdue, purpose="Weigh")


def test_a_calibration_can_always_be_entered_for_an_out_of_calibration_instrument(overdue, operator):
    entry, deviation = logbook.record_calibration(actor=operator, equipment=overdue, passed=True, note="Within 0.1 mg")
    overdue.refresh_from_db()
    assert deviation is None and entry.outcome == "passed"
    assert overdue.calibration_due == clock.now().date() + dt.timedelta(days=365)
    assert usable(overdue, on=clock.now()) is None


def test_a_calibration_can_be_entered_for_equipment_out_of_service(overdue, operator, qa_approver):
    logbook.record_breakdown(actor=operator, equipment=overdue, note="Display dead")
    entry, _ = logbook.record_calibration(actor=operator, equipment=overdue, passed=True)
    assert entry.pk is not None
    engine.transition(qa_approver, overdue, "return_to_service", reason="repaired and calibrated", password=PASSWORD)
    assert usable(overdue, on=clock.now()) is None


def test_a_failed_calibration_takes_the_equipment_out_of_service_and_opens_a_linked_deviation(bsc, operator):
    entry, deviation = logbook.record_calibration(
        actor=operator, equipment=bsc, passed=False, note="Downflow 0.21 m/s, below 0.25"
    )
    bsc.refresh_from_db()
    assert bsc.status == "out_of_service"
    assert isinstance(deviation, Deviation) and deviation.title == "Failed calibration of BSC-01"
    assert entry in links.linked(deviation) and bsc in links.linked(deviation)
    assert usable(bsc, on=clock.now()).startswith("not qualified: BSC-01 is out of service")


def test_the_failed_calibration_its_deviation_and_the_status_are_one_change(bsc, operator):
    from atmp.ledger.models import AuditEntry

    last = AuditEntry.objects.order_by("-seq").first().seq
    logbook.record_calibration(actor=operator, equipment=bsc, passed=False, note="Out of tolerance")
    written = AuditEntry.objects.filter(seq__gt=last)
    assert {e.record_type for e in written} >= {
        "manufacturing.logbookentry",
        "manufacturing.equipment",
        "quality.deviation",
        "workflow.link",
    }
    assert len({e.reason for e in written}) == 1  # one change, one reason


def test_a_failed_calibration_does_not_move_the_due_date(bsc, operator):
    due_before = bsc.calibration_due
    logbook.record_calibration(actor=operator, equipment=bsc, passed=False)
    bsc.refresh_from_db()
    assert bsc.calibration_due == due_before


def test_equipment_is_not_returned_to_service_while_its_calibration_is_overdue(overdue, operator, qa_approver):
    logbook.record_breakdown(actor=operator, equipment=overdue, note="Display dead")
    with pytest.raises(Exception, match="calibration overdue"):
        engine.transition(qa_approver, overdue, "return_to_service", reason="repaired", password=PASSWORD)


def test_a_retired_instrument_takes_no_calibration(bsc, qa_approver, operator):
    engine.transition(qa_approver, bsc, "retire", reason="scrapped")
    with pytest.raises(RuleViolation, match="^retired:"):
        logbook.record_calibration(actor=operator, equipment=bsc, passed=True)


def test_a_maintenance_sets_the_next_due_date(qa_reviewer, qa_approver, operator, site):
    bsc = factories.make_usable_equipment(actor=qa_reviewer, qa=qa_approver, site=site, maintenance_interval_days=30)
    logbook.record_maintenance(actor=operator, equipment=bsc, at=clock.now() - dt.timedelta(days=40))
    logbook.record_maintenance(actor=operator, equipment=bsc, note="Filters checked")
    bsc.refresh_from_db()
    assert bsc.maintenance_due == clock.now().date() + dt.timedelta(days=30)


def test_a_calibration_entered_late_does_not_move_the_due_date_back(bsc, operator):
    due_now = bsc.calibration_due
    logbook.record_calibration(actor=operator, equipment=bsc, passed=True, at=clock.now() - dt.timedelta(days=30))
    bsc.refresh_from_db()
    assert bsc.calibration_due == due_now


def test_changing_an_interval_computes_the_due_date_again(bsc, qa_reviewer):
    from atmp.manufacturing.services.equipment import set_regimes

    set_regimes(actor=qa_reviewer, equipment=bsc, calibration_interval_days=30, reason="tighter interval")
    assert bsc.calibration_due == bsc.last_calibrated + dt.timedelta(days=30)
    set_regimes(actor=qa_reviewer, equipment=bsc, calibration_interval_days=None, reason="no longer calibrated")
    assert bsc.calibration_due is None
    assert not usable(bsc, on=clock.now() + dt.timedelta(days=400)).startswith("calibration")
