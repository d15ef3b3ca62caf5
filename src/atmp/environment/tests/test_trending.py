"""The trend rules alone (no database): Nelson rules on a point's chart, fired once per trend, and
repeated alert-level results by the site's counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from importlib import resources

from atmp.environment import trending
from atmp.environment.trending import Policy

T0 = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)


def _days(*levels: str, step: int = 1) -> list[tuple[dt.datetime, str]]:
    return [(T0 + dt.timedelta(days=i * step), level) for i, level in enumerate(levels)]


def test_the_sas_jets_series_is_charted_as_sas_charts_it_and_nothing_fires():
    # SAS/QC SHWIR1, "Creating Individual Measurements and Moving Range Charts" (docs/statistics/
    # control-charts.md): centre 80.39 and σ 4.72032 estimated from the 20 diameters; no rule fires.
    text = (resources.files("atmp.stats") / "examples" / "trend-jets.csv").read_text(encoding="utf-8")
    values = [float(row["diameter"]) for row in csv.DictReader(io.StringIO(text))]
    drawn = trending.chart(values, (1, 2, 3, 4, 5, 6, 7, 8))
    assert (round(drawn.centre, 2), round(drawn.sigma, 5), drawn.violations) == (80.39, 4.72032, ())


def test_a_shift_fires_rule_2_once_not_at_every_further_point():
    values = [1.0, 2.0] * 10 + [3.0] * 12
    values = [v + (0.1 * (i % 3)) for i, v in enumerate(values)]
    drawn = trending.chart(values, (2,))
    fired = sorted(drawn.fired(2))
    assert len(fired) >= 2  # the run goes on: the rule's pattern is complete at several points
    new = list(range(len(values)))
    assert trending.new_violations(drawn, new, (2,)) == [(2, fired[0])]


def test_only_the_active_rules_are_kept():
    values = [0.0, 1.0, 0.0, 1.0, 0.0, 30.0]
    assert trending.chart(values, (1,)).fired(1) == {5}
    assert trending.chart(values, (2, 3)).violations == ()


def test_a_series_that_never_varies_is_not_charted():
    drawn = trending.chart([0.0] * 20, (1, 2, 3, 4))
    assert drawn.centre is None and "same" in drawn.note and drawn.violations == ()
    assert trending.chart([3.0], (1,)).note.startswith("fewer than 2")


def test_a_violation_only_at_an_old_point_is_not_new():
    values = [0.0, 1.0] * 10 + [30.0, 0.0]
    drawn = trending.chart(values, (1,))
    assert drawn.fired(1) == {20}
    assert trending.new_violations(drawn, [21], (1,)) == []
    assert trending.new_violations(drawn, [20, 21], (1,)) == [(1, 20)]


def test_two_alerts_in_a_row_repeat():
    series = _days("within", "alert", "alert", "alert", "within", "alert")
    assert trending.repeated(series, range(6), Policy(window_alerts=0)) == [(trending.CONSECUTIVE, 2)]


def test_a_new_run_of_alerts_repeats_again():
    series = _days("alert", "alert", "within", "alert", "alert")
    assert trending.repeated(series, [4], Policy(window_alerts=0)) == [(trending.CONSECUTIVE, 4)]


def test_three_alerts_in_thirty_days_repeat_and_three_in_sixty_do_not():
    spaced = _days("alert", "within", "alert", "within", "alert", step=7)
    assert trending.repeated(spaced, [4], Policy(consecutive_alerts=0)) == [(trending.IN_WINDOW, 4)]
    sparse = _days("alert", "within", "alert", "within", "alert", step=15)
    assert trending.repeated(sparse, [4], Policy(consecutive_alerts=0)) == []


def test_a_fourth_alert_in_the_window_is_the_same_trend():
    series = _days("alert", "within", "alert", "within", "alert", "within", "alert", step=3)
    assert trending.repeated(series, range(7), Policy(consecutive_alerts=0)) == [(trending.IN_WINDOW, 4)]


def test_counts_of_zero_turn_the_repetition_off():
    series = _days("alert", "alert", "alert")
    assert trending.repeated(series, range(3), Policy(consecutive_alerts=0, window_alerts=0)) == []


def test_rules_read_in_words():
    assert trending.rule_label("nelson_1") == "Nelson rule 1: one point beyond 3σ"
    assert trending.rule_label(trending.CONSECUTIVE) == "alert-level results in a row"
