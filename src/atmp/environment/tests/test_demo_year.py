"""The environment demo's year of results: the EM plan's schedule, the same counts every run, a few
excursions, a trend Nelson's rules see, and all of it written through the import service."""

from __future__ import annotations

import datetime as dt
import statistics

import pytest

from atmp.environment import demo
from atmp.ledger import clock
from atmp.stats.control_rules import rule_flags

WORKING_DAY = len(demo.SESSION)  # samples of one session
AT_REST_WEEKLY = sum(len(points) for points in demo.POINTS.values())


def rows(months: dict[str, list[str]]) -> list[list[str]]:
    return [line.rstrip("\n").split(",") for lines in months.values() for line in lines]


def test_the_year_ends_on_the_last_friday_before_today_and_covers_52_weeks():
    assert demo.last_friday(dt.date(2026, 12, 5)) == dt.date(2026, 12, 4)  # a Saturday
    assert demo.last_friday(dt.date(2026, 12, 4)) == dt.date(2026, 11, 27)  # a Friday: the week before
    assert demo.last_friday(dt.date(2026, 12, 7)) == dt.date(2026, 12, 4)  # a Monday
    lines = rows(demo.year("Europe/Amsterdam"))
    assert len(lines) == demo.WEEKS * (5 * WORKING_DAY + AT_REST_WEEKLY)
    days = sorted({dt.datetime.fromisoformat(line[2]).date() for line in lines})
    assert days[-1] == demo.last_friday(clock.now().date()) or days[-1] < clock.now().date()
    assert all(day.weekday() < 5 for day in days) and len(days) == 5 * demo.WEEKS
    assert max(dt.datetime.fromisoformat(line[2]) for line in lines) < clock.now()


def test_the_year_is_the_same_whenever_it_is_drawn(monkeypatch):
    first = [line[3:7] for line in rows(demo.year("Europe/Amsterdam"))]
    later = clock.now() + dt.timedelta(days=100)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert [line[3:7] for line in rows(demo.year("Europe/Amsterdam"))] == first  # the counts, not the days


def test_the_schedule_samples_each_point_as_the_em_plan_says():
    lines = rows(demo.year("Europe/Amsterdam"))
    in_operation = [line for line in lines if line[3] == "in_operation"]
    per_point = {code: sum(1 for line in in_operation if line[1] == code) for _room, code, *_ in in_operation}
    days = 5 * demo.WEEKS
    assert per_point["A-PC1"] == 3 * days and per_point["B-PC1"] == 2 * days and per_point["A-SP1"] == 2 * days
    assert per_point["A-GL1"] == per_point["B-AA1"] == per_point["C-CP1"] == per_point["C-SP1"] == days
    at_rest = [line for line in lines if line[3] == "at_rest"]
    assert len(at_rest) == demo.WEEKS * AT_REST_WEEKLY
    assert {dt.datetime.fromisoformat(line[2]).weekday() for line in at_rest} == {0}
    assert {line[6] for line in at_rest} == {"quentin"} and {line[6] for line in in_operation} == {"olga"}


def test_the_grade_b_particle_count_rises_so_that_nelson_rules_3_and_2_fire():
    lines = rows(demo.year("Europe/Amsterdam"))
    series = [int(line[4]) for line in lines if line[1] == demo.TREND_POINT and line[3] == "in_operation"]
    before = series[: 2 * 5 * demo.TREND_WEEKS[0]]  # the in-control weeks before the trend set the chart
    trend = range(len(before), len(before) + 2 * 5 * len(demo.TREND_WEEKS))
    flags = rule_flags(series, centre=statistics.mean(before), sigma=statistics.stdev(before))
    # Six rising points only where the count rises (the noise alone makes no such run), and nine
    # above the centre among them (nine on one side also happens by chance in 520 points: not tested).
    fired = [i for i, hit in enumerate(flags[3]) if hit]
    assert fired and set(fired) <= set(trend) and trend[-1] in fired
    assert any(flags[2][i] for i in trend)
    alerts = [i for i, value in enumerate(series) if value > 150_000]
    assert alerts and set(alerts) <= set(trend)  # the last days of the trend reach the alert limit


@pytest.mark.django_db
def test_the_year_goes_in_through_the_import_with_its_excursions_and_deviations():
    from atmp.environment.models import Result
    from atmp.environment.services.results import deviations_of
    from atmp.files.models import StoredFile
    from atmp.testing import make_site, make_user

    rita = make_user("qa_reviewer", username="rita")
    site = make_site(actor=rita, code="LEI", timezone="Europe/Amsterdam")
    olga = make_user("operator", username="olga", site=site)
    make_user("qc_analyst", username="quentin", site=site)

    demo.load({"rita": rita, "olga": olga}, {"LEI": site})

    results = Result.objects.all()
    assert results.count() == demo.WEEKS * (5 * WORKING_DAY + AT_REST_WEEKLY)
    assert results.filter(source_file=None).count() == 0  # every one from a kept file
    assert StoredFile.objects.filter(name__startswith="em-LEI-").count() >= 12  # month by month
    action = list(results.filter(level="action"))
    assert sorted(r.point.code for r in action) == ["A-GL1", "A-SP1", "B-AA1"]
    assert all(len(deviations_of(r)) == 1 for r in action)
    alerts = results.filter(level="alert")
    assert {r.point.code for r in alerts} == {"A-PC1", "B-AA1", "B-PC1", "C-CP1"}
    assert 10 <= alerts.count() <= 20
    assert demo.summary()["levels"] == {
        "within": results.count() - alerts.count() - 3,
        "alert": alerts.count(),
        "action": 3,
    }
