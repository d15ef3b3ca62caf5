"""Stability studies (ICH Q1E): due dates, scheduling, refusals, separation of duties, the estimate
against atmp.stats and its freezing by the signed report, and My work."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from atmp.accounts.errors import InvalidInput
from atmp.lab import factories
from atmp.lab.models import PullState, StabilityPull
from atmp.lab.services import stability as svc
from atmp.ledger.errors import LedgerError
from atmp.stats import shelf_life as q1e
from atmp.testing import PASSWORD, make_user

# Potency (%) per batch at 0, 3, 6, 9, 12 months: falling about 1.5 %/month with scatter.
POTENCY = {
    0: ["101", "99", "100"],
    3: ["96", "95.5", "97"],
    6: ["91", "92", "90.5"],
    9: ["87", "86", "88"],
    12: ["82.5", "81", "83"],
}


@pytest.mark.parametrize(
    ("placed", "months", "due"),
    [
        (dt.date(2026, 1, 15), 0, dt.date(2026, 1, 15)),
        (dt.date(2026, 1, 15), 3, dt.date(2026, 4, 15)),
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),  # no 31 February: the month's last day
        (dt.date(2027, 12, 31), 2, dt.date(2028, 2, 29)),  # leap year
        (dt.date(2026, 11, 30), 18, dt.date(2028, 5, 30)),
        (dt.date(2026, 8, 31), 12, dt.date(2027, 8, 31)),
    ],
)
def test_due_date_adds_calendar_months(placed, months, due):
    assert svc.due_date(placed, months) == due


def test_time_points_are_checked_naming_the_field():
    assert svc.parse_time_points("0, 3,6;9") == "0,3,6,9"
    for bad in ("", "0,3", "0,6,3", "0,3,3,6", "0,x,6", "0,3,121", "-1,3,6"):
        with pytest.raises(InvalidInput) as caught:
            svc.parse_time_points(bad)
        assert caught.value.field == "time_points"


@pytest.fixture
def analyst(db):
    return make_user("qc_analyst", password=PASSWORD)


@pytest.fixture
def draft(qa_reviewer):
    return factories.make_stabilitystudy(actor=qa_reviewer)


def test_protocol_refusals_name_field_and_rule(qa_reviewer, draft):
    with pytest.raises(InvalidInput) as caught:
        svc.add_condition(actor=qa_reviewer, study=draft, condition="8 °C", kind="long_term", time_points="0,3,6")
    assert caught.value.field == "condition" and "unknown storage condition" in str(caught.value)
    with pytest.raises(InvalidInput) as caught:
        svc.add_condition(actor=qa_reviewer, study=draft, condition="5c", kind="long_term", time_points="0,3")
    assert caught.value.field == "time_points"
    with pytest.raises(InvalidInput) as caught:
        svc.add_attribute(actor=qa_reviewer, study=draft, attribute="Colour")
    assert caught.value.field == "attribute" and "not in specification" in str(caught.value)
    with pytest.raises(InvalidInput) as caught:
        svc.add_attribute(actor=qa_reviewer, study=draft, attribute="Potency", limit="conforms")
    assert caught.value.field == "limit"
    assert not draft.conditions.exists() and not draft.attributes.exists()


def test_condition_accepts_its_label(qa_reviewer, draft):
    row = svc.add_condition(actor=qa_reviewer, study=draft, condition="25 °C/60 % RH", kind="accelerated",
                            time_points="0,1,3,6")  # fmt: skip
    assert row.condition == "25c60rh" and row.months() == [0, 1, 3, 6]


def test_author_cannot_approve_and_protocol_freezes(qa_reviewer, draft):
    author = make_user("qa_approver", password=PASSWORD)
    factories.make_stabilitycondition(actor=author, study=draft)
    factories.make_stabilityattribute(actor=qa_reviewer, study=draft)
    draft.refresh_from_db()
    with pytest.raises(LedgerError):
        svc.approve(actor=author, study=draft, password=PASSWORD, reason="mine")
    draft.refresh_from_db()
    assert draft.status == "draft"
    svc.approve(actor=factories.approver(), study=draft, password=PASSWORD, reason="protocol approved")
    assert draft.status == "approved"
    with pytest.raises(LedgerError, match="frozen"):
        svc.add_condition(actor=qa_reviewer, study=draft, condition="5c", kind="accelerated", time_points="0,3,6")


def test_approval_needs_a_long_term_condition_and_an_attribute(qa_reviewer, draft):
    with pytest.raises(LedgerError, match="no condition"):
        svc.approve(actor=factories.approver(), study=draft, password=PASSWORD, reason="empty")


def test_placing_a_batch_schedules_one_pull_per_condition_and_time_point(qa_reviewer):
    study = factories.make_approved_stabilitystudy(actor=qa_reviewer)
    placement = factories.make_stabilitybatch(actor=qa_reviewer, study=study, placed_on="2026-01-31")
    rows = StabilityPull.objects.filter(placement=placement).order_by("months")
    assert [(p.months, p.due_on) for p in rows] == [
        (0, dt.date(2026, 1, 31)),
        (3, dt.date(2026, 4, 30)),
        (6, dt.date(2026, 7, 31)),
        (9, dt.date(2026, 10, 31)),
        (12, dt.date(2027, 1, 31)),
    ]
    assert {p.state for p in rows} == {PullState.SCHEDULED}
    with pytest.raises(InvalidInput) as caught:
        svc.place(actor=qa_reviewer, study=study, batch=placement.batch)
    assert caught.value.field == "batch"


def _run_study(actor, analyst, *, placed_on="2025-01-10"):
    study = factories.make_running_stabilitystudy(actor=actor, batches=3, placed_on=placed_on)
    batches = [p.batch.number for p in svc.placements(study)]
    for pull in svc.pulls(study):
        svc.pull_sample(actor=analyst, pull=pull, taken_at=f"{pull.due_on.isoformat()}T09:00:00+00:00")
        value = POTENCY[pull.months][batches.index(pull.placement.batch.number)]
        svc.record(actor=analyst, pull=pull, attribute="Potency", value=value, tested_on=pull.due_on)
    return study


def test_pulls_results_and_estimate_match_atmp_stats(qa_reviewer, analyst):
    study = _run_study(qa_reviewer, analyst)
    assert {p.state for p in svc.pulls(study)} == {PullState.TESTED}
    assert all(p.sample.purpose == "stability" for p in svc.pulls(study))
    estimate = svc.compute_estimate(study)
    entry = estimate["entries"][0]
    rows = [(b, m, float(v)) for b, m, v in entry["data"]]
    direct = q1e.shelf_life(
        [b for b, _, _ in rows],
        np.asarray([m for _, m, _ in rows], dtype=float),
        np.asarray([v for _, _, v in rows]),
        lower=70.0,
        upper=130.0,
    )
    assert entry["n"] == 15
    assert entry["model"] == direct.model
    assert float(entry["shelf_life"]) == pytest.approx(direct.shelf_life, abs=1e-6)
    # Frozen (-65 °C): no extrapolation beyond the 12 months of data (ICH Q1E Appendix A).
    assert estimate["shelf_life_months"] == min(12, int(direct.shelf_life))


def test_signed_report_freezes_the_estimate(qa_reviewer, analyst):
    author = make_user("qa_approver", password=PASSWORD)  # may sign 'approved', but wrote the protocol
    study = _run_study(author, analyst)
    before = svc.compute_estimate(study)
    with pytest.raises(LedgerError, match="author"):
        svc.sign_report(actor=author, study=study, password=PASSWORD, reason="mine")
    study.refresh_from_db()
    assert study.status == "running" and not study.estimate
    svc.sign_report(actor=factories.approver(), study=study, password=PASSWORD, reason="report reviewed")
    study.refresh_from_db()
    assert study.status == "reported"
    assert study.estimate == before
    assert study.estimate_hash == svc.estimate_hash(before)
    # A later correction of a result changes what is computed now, not the signed estimate.
    from atmp.lab.services.results import correct_result, live_results

    pull = svc.pulls(study)[-1]
    correct_result(actor=analyst, result=live_results(pull.sample)[0], value="71", reason="transcription error")
    assert svc.compute_estimate(study) != before
    frozen, is_frozen = svc.estimate_of(study)
    assert is_frozen and frozen == before


def test_my_work_lists_due_and_overdue_pulls_for_qc_analysts(qa_reviewer, analyst):
    from atmp.workflow.work import work_for

    today = dt.date.today()
    factories.make_running_stabilitystudy(actor=qa_reviewer, placed_on=(today - dt.timedelta(days=100)).isoformat())
    items = [i for i in work_for(analyst) if i.kind == "stability pull"]
    assert items, "the 0- and 3-month pulls are due"
    assert any(i.overdue for i in items)
    assert not [i for i in work_for(qa_reviewer) if i.kind == "stability pull"]


def test_results_need_a_pulled_time_point(qa_reviewer, analyst):
    study = factories.make_running_stabilitystudy(actor=qa_reviewer)
    pull = svc.pulls(study)[0]
    with pytest.raises(LedgerError, match="pull state"):
        svc.record(actor=analyst, pull=pull, attribute="Potency", value="100")
    svc.pull_sample(actor=analyst, pull=pull)
    with pytest.raises(InvalidInput) as caught:
        svc.record(actor=analyst, pull=pull, attribute="Vector genome titre", value="2.0E13")
    assert caught.value.field == "attribute"
    with pytest.raises(LedgerError, match="pull state"):
        svc.pull_sample(actor=analyst, pull=pull)


def test_a_batch_whose_specification_lacks_an_attribute_is_refused_and_not_pinned(qa_reviewer):
    from atmp.lab.models import BatchSpecification
    from atmp.lab.services.phases import move

    study = factories.make_approved_stabilitystudy(actor=qa_reviewer)
    factories.make_approved_specification(actor=qa_reviewer, product=study.product, phase="ii")  # titre only
    move(actor=factories.approver(), product=study.product, phase="ii", reason="phase II opened")
    with pytest.raises(InvalidInput) as caught:
        factories.make_stabilitybatch(actor=qa_reviewer, study=study)
    assert caught.value.field == "batch" and "lacks Potency" in str(caught.value)
    assert not BatchSpecification.objects.filter(batch__product=study.product).exists()
    assert not study.batches.exists() and not study.pulls.exists()


# --- the pull window (the protocol's, docs/lab.md "Pull window") and missed pulls ---------------


def test_the_window_is_a_protocol_field_checked_naming_it(qa_reviewer):
    study = factories.make_stabilitystudy(actor=qa_reviewer)
    assert study.window_days == svc.DEFAULT_WINDOW_DAYS == 7
    assert factories.make_stabilitystudy(actor=qa_reviewer, window_days="14").window_days == 14
    for bad, rule in (("31", "at most 30"), ("-1", "whole number"), ("x", "whole number"), ("2.5", "whole number")):
        with pytest.raises(InvalidInput) as caught:
            factories.make_stabilitystudy(actor=qa_reviewer, window_days=bad)
        assert caught.value.field == "window_days" and rule in str(caught.value)


def _moment(day, days=0):
    return f"{(day + dt.timedelta(days=days)).isoformat()}T09:00:00+00:00"


def test_a_pull_within_its_window_opens_no_deviation(qa_reviewer, analyst):
    study = factories.make_running_stabilitystudy(actor=qa_reviewer, placed_on="2025-01-10")
    first, second = svc.pulls(study)[:2]
    assert first.window() == (dt.date(2025, 1, 3), dt.date(2025, 1, 17))
    for pull, days in ((first, 7), (second, -7)):  # the window's last and first day
        svc.pull_sample(actor=analyst, pull=pull, taken_at=_moment(pull.due_on, days))
        pull.refresh_from_db()
        assert (pull.state, pull.out_of_window, pull.deviation) == (PullState.PULLED, False, None)


@pytest.mark.parametrize(("days", "when"), [(8, "late"), (-8, "early")])
def test_a_pull_out_of_its_window_is_recorded_flagged_with_a_deviation(qa_reviewer, analyst, days, when):
    from atmp.workflow.links import linking

    study = factories.make_running_stabilitystudy(actor=qa_reviewer, placed_on="2025-01-10")
    pull = svc.pulls(study)[1]  # 3 months: due 2025-04-10
    svc.pull_sample(actor=analyst, pull=pull, taken_at=_moment(pull.due_on, days))
    pull.refresh_from_db()
    assert pull.state == PullState.PULLED and pull.sample is not None  # recorded: a fact
    assert pull.out_of_window and pull.deviation is not None
    deviation = pull.deviation
    assert f"out of window ({when}" in deviation.title and deviation.site_id == study.site_id
    assert "2025-04-03 to 2025-04-17" in deviation.description
    assert deviation.occurred_at == pull.sample.taken_at
    assert linking(pull, relation="concerns") == [deviation]


def test_a_missed_pull_opens_a_deviation_linked_to_it(qa_reviewer, analyst):
    from atmp.workflow.links import linking

    study = factories.make_running_stabilitystudy(actor=qa_reviewer, placed_on="2025-01-10")
    pull = svc.pulls(study)[0]
    with pytest.raises(InvalidInput) as caught:
        svc.miss(actor=analyst, pull=pull, reason=" ")
    assert caught.value.field == "reason"
    pull.refresh_from_db()
    assert pull.deviation is None
    svc.miss(actor=analyst, pull=pull, reason="freezer alarm: the vials thawed")
    pull.refresh_from_db()
    assert pull.state == PullState.MISSED and pull.note == "freezer alarm: the vials thawed"
    assert pull.deviation is not None and "missed (freezer alarm" in pull.deviation.title
    assert study.number in pull.deviation.description
    assert linking(pull, relation="concerns") == [pull.deviation]
    with pytest.raises(LedgerError, match="pull state"):
        svc.miss(actor=analyst, pull=pull, reason="again")


def test_my_work_shows_a_pull_overdue_only_past_its_window(qa_reviewer, analyst):
    from atmp.workflow.work import work_for

    today = dt.date.today()
    for ago in (5, 10):  # the 0-month pull: within its window, then past it
        study = factories.make_running_stabilitystudy(
            actor=qa_reviewer, placed_on=(today - dt.timedelta(days=ago)).isoformat()
        )
        item = next(i for i in work_for(analyst) if i.kind == "stability pull" and study.number in i.title)
        assert item.overdue is (ago > 7), ago
        assert f"window until {(today - dt.timedelta(days=ago - 7)).isoformat()}" in item.detail


def test_significant_change_at_accelerated_flags_intermediate_testing(qa_reviewer, analyst):
    from django.test import Client

    study = factories.make_stabilitystudy(actor=qa_reviewer)
    factories.make_stabilitycondition(actor=qa_reviewer, study=study, condition="25c60rh", time_points="0,3,6,9,12")
    factories.make_stabilitycondition(
        actor=qa_reviewer, study=study, condition="40c75rh", kind="accelerated", time_points="0,3,6"
    )
    factories.make_stabilityattribute(actor=qa_reviewer, study=study)
    study.refresh_from_db()
    svc.approve(actor=factories.approver(), study=study, password=PASSWORD, reason="protocol approved")
    factories.make_stabilitybatch(actor=qa_reviewer, study=study, placed_on="2025-01-10")
    svc.start(actor=qa_reviewer, study=study, reason="placed")
    assert svc.significant_change(study)["found"] == []
    for pull in [p for p in svc.pulls(study) if p.months in (0, 3)]:
        svc.pull_sample(actor=analyst, pull=pull, taken_at=_moment(pull.due_on))
        accelerated = pull.condition.condition == "40c75rh" and pull.months == 3
        svc.record(actor=analyst, pull=pull, attribute="Potency", value="55" if accelerated else "98")
    found = svc.significant_change(study)
    assert [(f["condition"], f["months"], f["reported"]) for f in found["found"]] == [("40c75rh", 3, "55")]
    assert "§2.2.7.1" in found["consequence"] and found["intermediate_in_protocol"] is False
    browser = Client()
    browser.force_login(qa_reviewer)
    html = browser.get(f"/lab/stability/{study.pk}/").content.decode()
    assert 'data-testid="stability-significant-change"' in html and "stability-intermediate-missing" in html
