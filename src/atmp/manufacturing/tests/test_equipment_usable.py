"""usable() names the rule that stops a piece of equipment being used, and says None when it may be."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.ledger import clock, writer
from atmp.ledger.errors import RuleViolation
from atmp.manufacturing import factories
from atmp.manufacturing.services import logbook
from atmp.manufacturing.services.equipment import set_regimes, usable
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def now():
    return clock.now()


def test_qualified_calibrated_maintained_clean_equipment_is_usable(bsc):
    assert usable(bsc, on=now()) is None
    assert usable(bsc, on=now(), equipment_class="bsc") is None


def test_it_refuses_equipment_of_another_class(bsc):
    assert usable(bsc, on=now(), equipment_class="incubator").startswith("wrong class: BSC-01 is a bsc")


def test_it_refuses_equipment_not_yet_qualified(qa_reviewer, site):
    new = factories.make_equipment(actor=qa_reviewer, site=site)
    assert usable(new, on=now()).startswith("not qualified:")


def test_it_refuses_equipment_out_of_service(bsc, operator):
    logbook.record_breakdown(actor=operator, equipment=bsc, note="Fan alarm")
    assert usable(bsc, on=now()).startswith("not qualified: BSC-01 is out of service")


def test_it_refuses_retired_equipment(bsc, qa_approver):
    engine.transition(qa_approver, bsc, "retire", reason="replaced")
    assert usable(bsc, on=now()).startswith("retired:")


def test_it_refuses_equipment_whose_calibration_is_overdue(bsc):
    later = now() + dt.timedelta(days=366)
    assert usable(bsc, on=later).startswith("calibration overdue: BSC-01 was due for calibration on")


def test_the_due_day_itself_is_still_within_the_calibration_interval(qa_reviewer, qa_approver, site):
    eq = factories.make_usable_equipment(
        actor=qa_reviewer, qa=qa_approver, site=site, maintenance_interval_days=None, cleaning_required=False
    )
    on_due = dt.datetime.combine(eq.calibration_due, dt.time(23, 0), tzinfo=dt.UTC)
    assert usable(eq, on=on_due) is None
    assert usable(eq, on=on_due + dt.timedelta(hours=2)).startswith("calibration overdue:")


def test_it_refuses_equipment_never_calibrated(qa_reviewer, qa_approver, site):
    eq = factories.make_usable_equipment(actor=qa_reviewer, qa=qa_approver, site=site, calibration_interval_days=None)
    set_regimes(actor=qa_reviewer, equipment=eq, calibration_interval_days=90, reason="calibrated from now on")
    assert usable(eq, on=now()) == f"calibration overdue: {eq.code} has never been calibrated"


def test_it_refuses_equipment_whose_maintenance_is_overdue(bsc):
    later = now() + dt.timedelta(days=183)
    assert usable(bsc, on=later).startswith("maintenance overdue: BSC-01 was due for maintenance on")


def test_equipment_without_a_regime_is_never_overdue_for_it(qa_reviewer, qa_approver, site):
    eq = factories.make_usable_equipment(
        actor=qa_reviewer,
        qa=qa_approver,
        site=site,
        calibration_interval_days=None,
        maintenance_interval_days=None,
        cleaning_required=False,
    )
    assert usable(eq, on=now() + dt.timedelta(days=4000)) is None


def test_it_refuses_dirty_equipment(bsc, operator):
    logbook.record_use(actor=operator, equipment=bsc, purpose="Batch B-001 step 3")
    assert usable(bsc, on=now()) == "not clean: BSC-01 is dirty; clean it before use"


def test_a_batch_may_use_again_what_only_it_used_since_the_cleaning(bsc, operator):
    logbook.record_use(actor=operator, equipment=bsc, purpose="step 10", batch="B-001")
    assert usable(bsc, on=now(), batch="B-001") is None
    logbook.record_use(actor=operator, equipment=bsc, purpose="step 20", batch="B-001")
    assert usable(bsc, on=now()) == "not clean: BSC-01 is dirty from batch B-001; clean it before use"
    assert usable(bsc, on=now(), batch="B-002") == "not clean: BSC-01 is dirty from batch B-001; clean it before use"


def test_a_use_for_no_batch_leaves_the_equipment_dirty_for_every_batch(bsc, operator):
    logbook.record_use(actor=operator, equipment=bsc, purpose="Media preparation")
    assert usable(bsc, on=now(), batch="B-001") == "not clean: BSC-01 is dirty; clean it before use"


def test_a_batch_is_refused_equipment_two_batches_used_since_the_cleaning(bsc, operator):
    logbook.record_use(actor=operator, equipment=bsc, purpose="step 10", batch="B-001")
    with pytest.raises(RuleViolation, match="^not clean: BSC-01 is dirty from batch B-001"):
        logbook.record_use(actor=operator, equipment=bsc, purpose="step 10", batch="B-002")
    assert usable(bsc, on=now(), batch="B-001") is None


def test_it_refuses_equipment_whose_cleaning_expired(bsc):
    assert usable(bsc, on=now() + dt.timedelta(hours=25)).startswith("not clean: BSC-01's cleaning expired at")


def test_equipment_that_needs_no_cleaning_stays_usable_after_use(qa_reviewer, qa_approver, operator, site):
    balance = factories.make_usable_equipment(
        actor=qa_reviewer, qa=qa_approver, site=site, equipment_class="balance", cleaning_required=False
    )
    logbook.record_use(actor=operator, equipment=balance, purpose="Weigh buffer")
    assert usable(balance, on=now()) is None


def test_a_use_is_refused_with_the_rule_and_nothing_is_written(bsc, operator):
    logbook.record_use(actor=operator, equipment=bsc, purpose="Batch B-001 step 3")
    before = bsc.logbook.count()
    with pytest.raises(RuleViolation, match="^not clean: BSC-01 is dirty"):
        logbook.record_use(actor=operator, equipment=bsc, purpose="Batch B-002 step 1")
    assert bsc.logbook.count() == before


def test_a_use_of_the_wrong_class_is_refused(bsc, operator):
    with pytest.raises(RuleViolation, match="^wrong class:"):
        logbook.record_use(actor=operator, equipment=bsc, purpose="Spin", equipment_class="centrifuge")


def test_a_use_leaves_the_equipment_dirty_and_a_cleaning_makes_it_clean_again(bsc, operator):
    logbook.record_use(actor=operator, equipment=bsc, purpose="Batch B-001 step 3")
    bsc.refresh_from_db()
    assert bsc.clean_status == "dirty"
    logbook.record_cleaning(actor=operator, equipment=bsc, note="70 % IPA, sporicide")
    bsc.refresh_from_db()
    assert bsc.clean_status == "clean" and bsc.clean_until == bsc.cleaned_at + dt.timedelta(hours=24)
    assert usable(bsc, on=now()) is None


def test_every_logbook_entry_is_audited(bsc):
    from atmp.ledger.models import AuditEntry

    entries = AuditEntry.objects.filter(record_type="manufacturing.logbookentry")
    assert entries.count() == bsc.logbook.count() == 6  # IQ, OQ, PQ, calibration, maintenance, cleaning


def test_the_equipment_status_moves_only_through_its_workflow(bsc, qa_reviewer):
    from atmp.ledger.errors import Conflict

    bsc.status = "retired"
    with pytest.raises(Conflict), writer.change(actor=qa_reviewer, reason="sneak"):
        bsc.save()
