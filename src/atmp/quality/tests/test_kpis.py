"""KPIs computed from the records as of a date; a management review freezes them into the version QA signs."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.ledger import clock, signatures, verify
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.quality.factories import make_capa, make_deviation, make_reviewed_management_review
from atmp.quality.selectors.kpis import kpis
from atmp.quality.services.deviations import classify
from atmp.testing import PASSWORD, make_site
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def test_open_deviations_are_counted_by_class_as_of_a_day(operator, qa_reviewer, site):
    today = clock.now().date()
    major = make_deviation(actor=operator, site=site)
    classify(actor=qa_reviewer, deviation=major, severity=4, occurrence=1, detectability=1, reason="t")
    make_deviation(actor=operator, site=site)
    cancelled = make_deviation(actor=operator, site=site)
    engine.transition(qa_reviewer, cancelled, "cancel", reason="raised in error")
    now = kpis(day=today, site=site)
    assert now["deviations_open"] == {"minor": 0, "major": 1, "critical": 0, "unclassified": 1}
    before = kpis(day=today - dt.timedelta(days=1), site=site)
    assert before["deviations_open"] == {"minor": 0, "major": 0, "critical": 0, "unclassified": 0}
    assert kpis(day=today, site=make_site())["deviations_open"]["major"] == 0


class Clock:
    """A clock the test moves forward: each ledger entry is written at the instant it is set to."""

    def __init__(self, monkeypatch, start: dt.datetime) -> None:
        self.at = start
        monkeypatch.setattr(clock, "now", lambda: self.at)

    def set(self, moment: dt.datetime) -> None:
        self.at = moment


def classes(day: dt.date, site) -> dict[str, int]:
    return kpis(day=day, site=site)["deviations_open"]


def test_a_deviation_counts_in_the_class_it_had_at_the_end_of_the_day(operator, qa_reviewer, site, monkeypatch):
    noon = dt.datetime.combine(clock.now().date() + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    day = noon.date()
    moving = Clock(monkeypatch, noon)
    deviation = make_deviation(actor=operator, site=site)
    moving.set(noon + dt.timedelta(days=1))
    classify(actor=qa_reviewer, deviation=deviation, severity=4, occurrence=1, detectability=1, reason="triage")
    assert deviation.classification == "major"
    moving.set(noon + dt.timedelta(days=2))
    classify(actor=qa_reviewer, deviation=deviation, severity=5, occurrence=5, detectability=5,
             reason="new facts")  # fmt: skip
    assert deviation.classification == "critical"
    # Twice on the fourth day: the class at its end is the later one.
    moving.set(noon + dt.timedelta(days=3))
    classify(actor=qa_reviewer, deviation=deviation, severity=2, occurrence=1, detectability=1, reason="less")
    moving.set(noon + dt.timedelta(days=3, hours=11, minutes=59))
    classify(actor=qa_reviewer, deviation=deviation, severity=4, occurrence=1, detectability=1, reason="more")
    assert classes(day - dt.timedelta(days=1), site) == {"minor": 0, "major": 0, "critical": 0, "unclassified": 0}
    assert classes(day, site) == {"minor": 0, "major": 0, "critical": 0, "unclassified": 1}
    assert classes(day + dt.timedelta(days=1), site) == {"minor": 0, "major": 1, "critical": 0, "unclassified": 0}
    assert classes(day + dt.timedelta(days=2), site) == {"minor": 0, "major": 0, "critical": 1, "unclassified": 0}
    assert classes(day + dt.timedelta(days=3), site) == {"minor": 0, "major": 1, "critical": 0, "unclassified": 0}
    assert kpis(day=day + dt.timedelta(days=2), site=None)["deviations_open"]["critical"] == 1
    assert classes(day + dt.timedelta(days=2), make_site()) == {"minor": 0, "major": 0, "critical": 0,
                                                                "unclassified": 0}  # fmt: skip


def test_a_reclassification_counts_from_the_day_it_was_made_not_from_the_instant(
    operator, qa_reviewer, site, monkeypatch
):
    # The day's end is the edge: a change at 23:59:59.999999 counts for that day, one at midnight for the next.
    midnight = dt.datetime.combine(clock.now().date() + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    moving = Clock(monkeypatch, midnight - dt.timedelta(hours=2))
    late, early = make_deviation(actor=operator, site=site), make_deviation(actor=operator, site=site)
    moving.set(midnight - dt.timedelta(microseconds=1))
    classify(actor=qa_reviewer, deviation=late, severity=4, occurrence=1, detectability=1, reason="triage")
    moving.set(midnight)
    classify(actor=qa_reviewer, deviation=early, severity=1, occurrence=1, detectability=1, reason="triage")
    before, after = midnight.date() - dt.timedelta(days=1), midnight.date()
    assert classes(before, site) == {"minor": 0, "major": 1, "critical": 0, "unclassified": 1}
    assert classes(after, site) == {"minor": 1, "major": 1, "critical": 0, "unclassified": 0}


def test_the_class_as_of_a_day_takes_the_same_queries_for_one_reclassified_deviation_as_for_many(
    operator, qa_reviewer, site, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    noon = dt.datetime.combine(clock.now().date() + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    moving = Clock(monkeypatch, noon)
    made = [make_deviation(actor=operator, site=site) for _ in range(6)]
    moving.set(noon + dt.timedelta(days=1))
    counted = []
    for n, deviation in enumerate(made):
        classify(actor=qa_reviewer, deviation=deviation, severity=4, occurrence=1, detectability=1, reason="t")
        with CaptureQueriesContext(connection) as queries:
            found = classes(noon.date(), site)
        assert found["unclassified"] == 6 and found["major"] == 0, n
        counted.append(len(queries))
    assert counted == [counted[0]] * len(made)


def test_a_capa_past_its_due_date_is_overdue(operator, site):
    make_capa(actor=operator, site=site, due_date=dt.date(2020, 1, 1))
    make_capa(actor=operator, site=site)
    found = kpis(day=clock.now().date(), site=site)
    assert (found["capa_open"], found["capa_overdue"]) == (2, 1)


def test_atmp_quality_kpis_prints_json(operator, site):
    make_deviation(actor=operator, site=site)
    result = CliRunner().invoke(main, ["quality", "kpis", "--site", site.code, "--json"], catch_exceptions=False)
    doc = json.loads(result.stdout)
    assert doc["site"] == site.code and doc["deviations_open"]["unclassified"] == 1
    for key in ("deviations_open_over_30_days", "capa_overdue", "change_controls_open", "complaints_open",
                "recalls_open"):  # fmt: skip
        assert isinstance(doc[key], int), key
    assert isinstance(doc["training_compliance"], float) and 0 <= doc["training_compliance"] <= 1
    bad = CliRunner().invoke(main, ["quality", "kpis", "--at", "someday"])
    assert bad.exit_code == 2 and "not a date" in bad.stderr


def test_the_review_freezes_its_kpis_into_the_signed_version(operator, qa_reviewer, qa_approver, site):
    make_deviation(actor=operator, site=site)
    review = make_reviewed_management_review(actor=qa_reviewer, site=site)
    assert review.kpis == {}
    engine.transition(qa_reviewer, review, "submit", reason="ready")
    engine.transition(qa_approver, review, "approve", reason="reviewed", password=PASSWORD)
    assert review.kpis["deviations_open"]["unclassified"] == 0  # as of the period's end, a month ago
    (sig,) = signatures.current(review, "approved")
    assert sig.snapshot_hash == review.snapshot_hash()
    assert verify.run().ok


def test_a_review_is_not_approved_while_its_period_runs_beyond_today(qa_reviewer, qa_approver, site):
    tomorrow = clock.now().date() + dt.timedelta(days=1)
    review = make_reviewed_management_review(actor=qa_reviewer, site=site, period_end=tomorrow)
    engine.transition(qa_reviewer, review, "submit", reason="ready")
    with pytest.raises(RuleViolation, match=f"the period runs until {tomorrow}"):
        engine.transition(qa_approver, review, "approve", reason="reviewed", password=PASSWORD)
    assert review.status == "in_review" and review.kpis == {}


def test_a_review_signed_on_its_period_s_last_day_freezes_the_kpis_as_of_the_signature(
    operator, qa_reviewer, qa_approver, site
):
    today = clock.now().date()
    make_deviation(actor=operator, site=site)
    review = make_reviewed_management_review(actor=qa_reviewer, site=site, period_end=today)
    engine.transition(qa_reviewer, review, "submit", reason="ready")
    engine.transition(qa_approver, review, "approve", reason="reviewed", password=PASSWORD)
    frozen = review.kpis
    assert frozen["at"] == today.isoformat() and frozen["deviations_open"]["unclassified"] == 1
    # Cut off at the signature: what is entered after it is not in the review, and the cut-off recomputes it.
    (sig,) = signatures.current(review, "approved")
    assert frozen["until"] <= sig.signed_at
    make_deviation(actor=operator, site=site)
    assert kpis(day=today, site=site)["deviations_open"]["unclassified"] == 2
    until = dt.datetime.fromisoformat(frozen["until"])
    assert kpis(day=today, site=site, until=until) == frozen
    assert verify.run().ok


def test_kpis_are_never_typed(qa_reviewer, site):
    from atmp.ledger import writer

    review = make_reviewed_management_review(actor=qa_reviewer, site=site)
    with pytest.raises(Conflict, match="computed fields"), writer.change(actor=qa_reviewer, reason="typed"):
        review.kpis = {"deviations_open": 0}
        review.save()


def test_the_api_refuses_a_day_that_is_not_a_date(operator):
    from atmp.testing import ApiClient, token_for

    api = ApiClient(token_for(operator))
    assert api.get("/quality/kpis", at="0").status_code == 400
    answer = api.get("/quality/kpis", at="2026-02-30")
    assert answer.status_code == 400 and answer.json()["field"] == "at"
    assert api.get("/quality/kpis", at="2026-02-28").json()["at"] == "2026-02-28"
