"""KPIs computed from the records as of a date; a management review freezes them into the version QA signs."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.ledger import clock, signatures, verify
from atmp.ledger.errors import Conflict
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
