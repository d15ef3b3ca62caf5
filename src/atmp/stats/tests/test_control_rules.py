"""Control-chart rules: published SAS/QC examples, σ from the moving range, and each rule's edges."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from atmp.stats import control_rules
from atmp.stats.control_rules import Violation, individuals_chart, rule_flags
from atmp.stats.errors import StatsInputError

# SAS/QC User's Guide, SHEWHART procedure, IRCHART statement, "Creating Individual Measurements and Moving
# Range Charts" (data set Jets, sample SHWIR1): inner diameters (cm) of 20 jet engines, in order.
JETS = [78.4, 80.1, 84.4, 79.1, 80.4, 83.5, 73.8, 83.5, 75.0, 76.8, 70.5, 80.3, 82.4, 79.4, 86.4, 90.5, 77.7, 82.5]
JETS += [79.9, 83.2]

# SAS/QC User's Guide, SHEWHART procedure, XCHART statement, "Applying Tests for Special Causes" (data set
# Parts, sample SHWTEST): gap width, subgroup means and ranges of 21 samples of five parts.
GAP_MEANS = [270, 258, 248, 260, 273, 260, 259, 248, 260, 255, 268, 253, 273, 275, 257, 269, 249, 264, 258, 248, 248]
GAP_RANGES = [35, 25, 24, 39, 29, 21, 37, 37, 28, 19, 36, 36, 29, 22, 24, 41, 36, 31, 25, 36, 30]
D2_FIVE = 2.326  # d2 for subgroups of 5 (Montgomery 2013, Appendix Table VI)


def fired(values, rule, centre=0.0, sigma=1.0):
    """Return the 0-based indices at which `rule` fires, on a chart with the given centre and σ."""
    return [int(i) for i in np.flatnonzero(rule_flags(values, centre=centre, sigma=sigma)[rule])]


def test_it_reproduces_sas_individuals_chart_limits_for_the_jets_data():
    # SAS/QC, IRCHART "Saving Control Limits", data set Jetlim: _MEAN_ 80.39, _R_ 5.32632, _STDDEV_ 4.72032,
    # _LCLI_ 66.2290, _UCLI_ 94.5510 (σ = R̄/d2 with the exact d2 = 2/√π for moving ranges of two).
    chart = individuals_chart(JETS)
    assert chart.centre == pytest.approx(80.39, abs=5e-11)
    assert control_rules.average_moving_range(JETS) == pytest.approx(5.32632, abs=5e-6)
    assert chart.sigma == pytest.approx(4.72032, abs=5e-6)
    assert chart.lcl == pytest.approx(66.2290, abs=5e-5)
    assert chart.ucl == pytest.approx(94.5510, abs=5e-5)
    assert chart.centre_estimated and chart.sigma_estimated


def test_the_rounded_table_d2_would_not_reproduce_sas():
    # With d2 = 1.128 (the rounded table value) σ would be 4.72191, off SAS's 4.72032 in the 4th figure.
    assert control_rules.average_moving_range(JETS) / 1.128 == pytest.approx(4.72191, abs=5e-6)
    assert abs(control_rules.average_moving_range(JETS) / 1.128 - 4.72032) > 1e-3


def test_d2_for_ranges_of_two_is_two_over_root_pi():
    # d2(n) = ∫ 1 − Φ(x)^n − (1 − Φ(x))^n dx (Tippett 1925); for n = 2 this is 2/√π, tabled as 1.128.
    integral, _ = integrate.quad(lambda x: 1 - stats.norm.cdf(x) ** 2 - stats.norm.sf(x) ** 2, -np.inf, np.inf)
    assert pytest.approx(integral, rel=1e-10) == control_rules.D2_MOVING_RANGE
    assert pytest.approx(2 / math.sqrt(math.pi), rel=1e-15) == control_rules.D2_MOVING_RANGE
    assert round(control_rules.D2_MOVING_RANGE, 3) == 1.128


def test_it_reproduces_the_sas_gap_width_tests_for_special_causes():
    # SAS/QC, "Applying Tests for Special Causes" with TESTS=1 TO 5: "Test 5 was positive at sample 14",
    # and no other test signals. X̄ chart: centre = grand mean, σ_x̄ = R̄/(d2·√5), R̄ = 30.
    centre = float(np.mean(GAP_MEANS))
    sigma = float(np.mean(GAP_RANGES)) / D2_FIVE / math.sqrt(5)
    assert centre == pytest.approx(259.6667, abs=5e-5)
    assert sigma == pytest.approx(5.8596, abs=5e-5)
    chart = individuals_chart(GAP_MEANS, centre=centre, sigma=sigma)
    published_tests = [v for v in chart.violations if v.rule <= 5]
    assert published_tests == [Violation(rule=5, index=13)]  # sample 14 is index 13
    # Sample 15 (index 14) ends a window of three with two points beyond 2σ (samples 13 and 14) but is not
    # beyond itself: SAS does not flag it, which is the convention that the completing point must be beyond.
    z = (np.array(GAP_MEANS) - centre) / sigma
    assert (z[12:15] > 2).tolist() == [True, True, False]


def test_it_estimates_only_what_is_not_given():
    values = [1.0, 3.0, 2.0, 5.0]
    mr_bar = (2 + 1 + 3) / 3
    given_centre = individuals_chart(values, centre=10.0)
    assert given_centre.centre == 10.0 and not given_centre.centre_estimated
    assert given_centre.sigma == pytest.approx(mr_bar / control_rules.D2_MOVING_RANGE) and given_centre.sigma_estimated
    given_sigma = individuals_chart(values, sigma=0.5)
    assert given_sigma.centre == pytest.approx(2.75) and given_sigma.centre_estimated
    assert given_sigma.sigma == 0.5 and not given_sigma.sigma_estimated
    both = individuals_chart([7.0], centre=7.0, sigma=1.0)  # with both given one point can be charted
    assert both.violations == () and both.rules_needing_more_points() == [2, 3, 4, 5, 6, 7, 8]


# Rule 1: one point beyond 3σ, strictly.


def test_rule_1_fires_beyond_3_sigma_on_either_side_but_not_on_the_limit():
    assert fired([0.0, 3.0, 3.000001, -3.0, -3.5], 1) == [2, 4]


def test_a_point_on_a_limit_in_decimal_arithmetic_is_not_beyond_it():
    # 0.6 is exactly 3σ above 0.3 with σ = 0.1, though (0.6 − 0.3)/0.1 = 2.9999999999999996 in binary.
    assert fired([0.6, 0.0, 0.61], 1, centre=0.3, sigma=0.1) == [2]
    assert fired([0.5, 0.1], 5, centre=0.3, sigma=0.1) == []  # both exactly on ±2σ


# Rule 2: nine in a row on one side; a point on the centre is on neither side.


def test_rule_2_fires_at_the_ninth_point_on_one_side_and_each_further_one():
    assert fired([1.0] * 8, 2) == []
    assert fired([1.0] * 9, 2) == [8]
    assert fired([-0.5] * 11, 2) == [8, 9, 10]


def test_rule_2_runs_are_broken_by_a_point_on_the_centre_or_on_the_other_side():
    assert fired([1.0] * 4 + [0.0] + [1.0] * 8, 2) == []
    assert fired([1.0] * 4 + [-1.0] + [1.0] * 9, 2) == [13]


# Rule 3: six points steadily increasing or decreasing (five strict steps); a level step breaks it.


def test_rule_3_fires_at_the_sixth_point_of_a_trend():
    assert fired([0.0, 0.1, 0.2, 0.3, 0.4], 3) == []
    assert fired([0.0, 0.1, 0.2, 0.3, 0.4, 0.5], 3) == [5]
    assert fired([5.0, 4.0, 3.0, 2.0, 1.0, 0.0, -1.0], 3) == [5, 6]


def test_rule_3_is_broken_by_an_equal_value():
    assert fired([0.0, 0.1, 0.2, 0.2, 0.3, 0.4, 0.5], 3) == []
    assert fired([0.0, 0.1, 0.2, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], 3) == [8]


# Rule 4: fourteen points alternating up and down (thirteen steps of alternating sign).


def test_rule_4_fires_at_the_fourteenth_alternating_point():
    zigzag = [(-1.0) ** i * 0.5 for i in range(16)]
    assert fired(zigzag[:13], 4) == []
    assert fired(zigzag[:14], 4) == [13]
    assert fired(zigzag, 4) == [13, 14, 15]


def test_rule_4_is_broken_by_a_level_step_or_two_steps_the_same_way():
    zigzag = [(-1.0) ** i * 0.5 for i in range(14)]
    level = [*zigzag[:7], zigzag[6], *zigzag[7:]]  # a repeated value: a step of 0
    assert fired(level, 4) == []
    same_way = [*zigzag[:7], 2.0, *zigzag[7:]]  # −0.5 → 0.5 → 2.0: two steps up
    assert fired(same_way, 4) == []


# Rule 5: two of three beyond 2σ on the same side; the point completing the pattern is beyond.


def test_rule_5_fires_at_the_second_point_beyond_2_sigma_within_three():
    assert fired([0.0, 2.5, 0.0, 2.5], 5) == [3]
    assert fired([0.0, 2.5, 2.5, 0.0], 5) == [2]  # not again at index 3, which is not beyond
    assert fired([0.0, -2.1, -2.2, -2.3], 5) == [2, 3]  # the pattern goes on


def test_rule_5_needs_the_same_side_and_three_consecutive_points():
    assert fired([2.5, 0.0, -2.5], 5) == []
    assert fired([2.5, 0.0, 0.0, 2.5], 5) == []
    assert fired([2.0, 2.5, 2.0], 5) == []  # exactly 2σ is not beyond


def test_rule_5_counts_points_beyond_3_sigma_as_beyond_2_sigma():
    assert fired([0.0, 3.5, 2.1], 5) == [2]


def test_rule_5_fires_on_the_first_two_points_of_a_series():
    # Two of the first three points: the pattern is complete at the second whatever the third will be.
    assert fired([2.5, 2.5, 0.0], 5) == [1]


# Rule 6: four of five beyond 1σ on the same side; the completing point is beyond.


def test_rule_6_fires_at_the_fourth_point_beyond_1_sigma_within_five():
    assert fired([0.0, 1.5, 1.5, 0.0, 1.5, 1.5], 6) == [5]
    assert fired([0.0, 1.5, 1.5, 1.5, 1.5, 0.0], 6) == [4]
    assert fired([-1.2] * 6, 6) == [3, 4, 5]


def test_rule_6_near_misses_do_not_fire():
    assert fired([1.5, 1.5, 0.0, 0.0, 1.5, 1.5], 6) == []  # three of five, twice
    assert fired([1.5, 1.5, -1.5, 1.5, 0.0], 6) == []  # the other side does not count
    assert fired([1.0, 1.5, 1.5, 1.5, 1.0], 6) == []  # exactly 1σ is not beyond


# Rule 7: fifteen in a row strictly within 1σ.


def test_rule_7_fires_at_the_fifteenth_point_within_1_sigma():
    within = [0.3, -0.3, 0.0, 0.9, -0.9] * 4
    assert fired(within[:14], 7) == []
    assert fired(within[:15], 7) == [14]
    assert fired(within[:17], 7) == [14, 15, 16]


def test_rule_7_is_broken_by_a_point_on_or_beyond_1_sigma():
    within = [0.3, -0.3, 0.0, 0.9, -0.9] * 4
    assert fired([*within[:7], 1.0, *within[:14]], 7) == []
    assert fired([*within[:7], -1.0, *within[:15]], 7) == [22]


# Rule 8: eight in a row beyond 1σ with points on both sides, none within.


def test_rule_8_fires_at_the_eighth_point_beyond_1_sigma_on_both_sides():
    mixture = [1.5, -1.5] * 5
    assert fired(mixture[:7], 8) == []
    assert fired(mixture[:8], 8) == [7]
    assert fired(mixture, 8) == [7, 8, 9]


def test_rule_8_needs_both_sides_and_nothing_within_1_sigma():
    assert fired([1.5] * 10, 8) == []
    assert fired([1.5, -1.5, 1.5, 1.0, -1.5, 1.5, -1.5, 1.5, -1.5], 8) == []


def test_rule_8_goes_on_while_the_run_holds_both_sides():
    # −1.5 then eight points above: every point from index 7 is in a run of 8+ with both sides.
    assert fired([-1.5] + [1.5] * 8, 8) == [7, 8]


def test_violations_are_listed_by_index_then_rule():
    chart = individuals_chart([0.0, 2.5, 3.5], centre=0.0, sigma=1.0)
    assert chart.violations == (Violation(1, 2), Violation(5, 2))


# What the chart refuses.


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([5.0], "has 1 value; estimating σ from the average moving range needs at least 2 values"),
        ([4.2] * 6, "all 6 values are equal"),
        ([], "has no values"),
        ([1.0, math.nan], "not a finite number"),
        ([1e308, -1e308], "differ by more than a floating-point number can hold"),
    ],
)
def test_it_refuses_data_it_cannot_chart(values, message):
    with pytest.raises(StatsInputError, match=message) as caught:
        individuals_chart(values, field="value")
    assert caught.value.field == "value"


@pytest.mark.parametrize("sigma", [0.0, -1.0, math.nan, math.inf])
def test_it_refuses_a_sigma_that_is_not_positive_and_finite(sigma):
    with pytest.raises(StatsInputError, match="sigma: must be a finite number above 0"):
        individuals_chart([1.0, 2.0], sigma=sigma)


def test_a_constant_series_can_be_charted_against_a_given_sigma():
    chart = individuals_chart([4.2] * 15, sigma=0.1)
    assert {v.rule for v in chart.violations} == {7}


def test_it_checks_100000_points():
    values = np.random.default_rng(8).normal(size=100_000)
    chart = individuals_chart(values)
    assert chart.n == 100_000 and chart.violations
