"""Shelf life (ICH Q1E): published results under each model, for an upper limit and two-sided, and the refusals.

Published figures come from LeBlond, Griffith & Aubuchon (2011), "Linear Regression 102: Stability
Shelf Life Estimation Using Analysis of Covariance", J Valid Technol 17(3):47–68, and from the
JMP 12 Reliability and Survival Methods manual (SAS Institute 2015, Stability.jmp, pp. 174–176),
as reproduced to 12 digits by the R package expirest (P. Dahinden, GitHub piusdahinden/expirest,
tests/testthat/test-expirest_osle.R, test-get_poi_list.R and README.md). Their data sets exp1–exp4
are shipped as src/atmp/stats/examples/shelf-life-*.csv.

expirest finds the crossing with R's uniroot at its default tolerance (about 1.2e-4 in time), so
its shelf lives agree with the exact crossing to about 1e-6 relative; they are compared here at
rel=1e-5 (5 significant figures). JMP's own figure for Table VIII, 15.844877978, is compared at 1e-9.
"""

import csv
import io

import numpy as np
import pytest
from scipy.stats import f as f_distribution

from atmp.stats import shelf_life as q1e
from atmp.stats.catalogue import example_files
from atmp.stats.errors import StatsInputError

REL = 1e-5  # expirest's uniroot tolerance; see the module docstring


def example(name, value):
    rows = list(csv.DictReader(io.StringIO(example_files()[name].decode())))
    return (
        [r["batch"] for r in rows],
        np.array([float(r["month"]) for r in rows]),
        np.array([float(r[value]) for r in rows]),
    )


def fit(name, value, **options):
    return q1e.shelf_life(*example(name, value), **options)


def by_batch(result):
    return {b.batch: b for b in result.batches}


# --- LeBlond et al. 2011, Tables IV–IX (exp1 in expirest) -------------------------------------------


def test_leblond_table_iv_pools_to_one_line_and_gives_26_months():
    # LeBlond 2011 Table V and Figure 4: cics, POI 26, y = 100.567 − 0.192994 t, F(batch) 0.436,
    # F(batch × time) 0.229; expirest test-expirest_osle.R: POI 25.9957631369.
    result = fit("shelf-life-leblond-2011-cics.csv", "potency", lower=95)
    assert result.model == "cics"
    assert result.shelf_life == pytest.approx(25.9957631369, rel=REL)
    assert result.governing_batch is None
    assert result.limits == {"lower": pytest.approx(25.9957631369, rel=REL), "upper": None}
    line = result.batches[0].line
    assert line.intercept == pytest.approx(100.566878981, rel=1e-10)
    assert line.slope == pytest.approx(-0.192993630573, rel=1e-10)
    assert result.ancova.f_intercepts == pytest.approx(0.435993484727, rel=1e-10)
    assert result.ancova.f_slopes == pytest.approx(0.228684731019, rel=1e-10)
    assert result.shelf_life_pooled_mse is None


def test_leblond_table_vi_has_a_common_slope_and_the_earliest_batch_governs():
    # LeBlond 2011 Table VII and Figure 6: dics, POI 23.4; intercepts 102.176, 104.255, 100.82,
    # slope −0.213121; F(batch) 21.738, F(batch × time) 0.183; expirest: POI 23.3972651235.
    result = fit("shelf-life-leblond-2011-dics.csv", "potency", lower=95)
    assert result.model == "dics"
    assert result.shelf_life == pytest.approx(23.3972651235, rel=REL)
    assert result.governing_batch == "b5"
    batches = by_batch(result)
    intercepts = [batches[b].line.intercept for b in ("b3", "b4", "b5")]
    assert intercepts == pytest.approx([102.175653109, 104.255189423, 100.820021871], rel=1e-10)
    assert [b.line.slope for b in result.batches] == pytest.approx([-0.213120866465] * 3, rel=1e-10)
    assert result.ancova.f_intercepts == pytest.approx(21.7380213596, rel=1e-10)
    assert result.ancova.f_slopes == pytest.approx(0.183108926252, rel=1e-10)
    assert batches["b5"].shelf_life == result.shelf_life


def test_leblond_table_viii_fits_separate_lines_and_reports_the_pooled_error_variant():
    # LeBlond 2011 Table IX and Figure 7: dids; F(batch) 72.124, F(batch × time) 1.955; POI 15.6 with
    # the pooled error. Each batch on its own data (JMP 12.0.1): 15.844877978, quoted by expirest's
    # test-expirest_osle.R; expirest README: osle 15.84487, osle (pmse) 15.6061.
    result = fit("shelf-life-leblond-2011-dids.csv", "potency", lower=95)
    assert result.model == "dids"
    assert result.shelf_life == pytest.approx(15.844877978, rel=1e-9)
    assert result.governing_batch == "b8"
    assert result.shelf_life_pooled_mse == pytest.approx(15.6061, abs=5e-5)
    batches = by_batch(result)
    assert [batches[b].line.intercept for b in ("b4", "b5", "b8")] == pytest.approx(
        [104.070645793, 100.781872268, 101.259375000], rel=1e-10
    )
    assert [batches[b].line.slope for b in ("b4", "b5", "b8")] == pytest.approx(
        [-0.196151337247, -0.208608547839, -0.330208333333], rel=1e-10
    )
    assert result.ancova.f_intercepts == pytest.approx(72.1242158003, rel=1e-10)
    assert result.ancova.f_slopes == pytest.approx(1.95541944320, rel=1e-10)
    assert result.ancova.p_slopes < 0.25 < 1  # slopes do not pool at Q1E's 0.25


def test_separate_lines_on_table_iv_match_expirests_per_batch_crossings():
    # expirest test-get_poi_list.R on LeBlond's Table IV batches: each batch's own line (dids) and
    # the full model with pooled error (dids.pmse), forced here by a pool_alpha above p_slopes.
    result = fit("shelf-life-leblond-2011-cics.csv", "potency", lower=95, pool_alpha=0.9)
    assert result.model == "dids"
    batches = by_batch(result)
    own = [batches[b].shelf_life for b in ("b2", "b5", "b7")]
    assert own == pytest.approx([23.3263956198, 23.1480372703, 25.0525070104], rel=REL)
    assert result.shelf_life_pooled_mse == pytest.approx(23.4703822657, rel=REL)  # min(24.0613, 23.4704, 24.8535)


def test_common_slope_on_table_iv_matches_expirests_per_batch_crossings():
    # expirest test-get_poi_list.R: dics POIs 24.5668769601, 25.8819934812, 26.0115876344. A pool_alpha
    # between p_intercepts (0.651) and p_slopes (0.797) gives the common-slope model.
    result = fit("shelf-life-leblond-2011-cics.csv", "potency", lower=95, pool_alpha=0.7)
    assert result.model == "dics"
    shelf = [b.shelf_life for b in result.batches]
    assert shelf == pytest.approx([24.5668769601, 25.8819934812, 26.0115876344], rel=REL)
    assert result.shelf_life == pytest.approx(24.5668769601, rel=REL)
    assert result.governing_batch == "b2"


# --- an upper limit: LeBlond et al. 2011, Tables XI–XII (exp2) -----------------------------------


def test_leblond_table_xi_related_substance_meets_an_upper_limit():
    # LeBlond 2011 Table XII and Figure 8: dids, POI 15.61 (pooled error); intercepts 0.0278806,
    # 0.126544, 0.112219, slopes 0.00588454, 0.00625826, 0.00990625; expirest: dids 15.8448655130.
    result = fit("shelf-life-leblond-2011-related.csv", "related", upper=0.3)
    assert result.model == "dids"
    assert result.shelf_life == pytest.approx(15.8448655130, rel=REL)
    assert result.limits == {"lower": None, "upper": pytest.approx(15.8448655130, rel=REL)}
    assert result.governing_batch == "b8"
    assert result.shelf_life_pooled_mse == pytest.approx(15.61, abs=5e-3)
    batches = by_batch(result)
    assert [batches[b].line.intercept for b in ("b4", "b5", "b8")] == pytest.approx(
        [0.027880626223, 0.126543831957, 0.112218750000], rel=1e-9
    )
    assert [batches[b].line.slope for b in ("b4", "b5", "b8")] == pytest.approx(
        [0.005884540117, 0.006258256435, 0.009906250000], rel=1e-9
    )


# --- two-sided bounds and a slope that points away: LeBlond et al. 2011, Tables XIII–XIV (exp3) ----


def test_leblond_table_xiii_moisture_with_both_limits_uses_two_sided_bounds():
    # LeBlond 2011 Table XIV and Figure 9: cics, POI 45.35, y = 2.45678 + 0.0022724 t; expirest
    # test-expirest_osle.R: two-sided, lower limit 1.5 met at 50.7665191694, upper 3.5 at 45.3460440833.
    result = fit("shelf-life-leblond-2011-moisture.csv", "moisture", lower=1.5, upper=3.5)
    assert result.model == "cics" and result.two_sided
    assert result.limits["lower"] == pytest.approx(50.7665191694, rel=REL)
    assert result.limits["upper"] == pytest.approx(45.3460440833, rel=REL)
    assert result.shelf_life == pytest.approx(45.3460440833, rel=REL)
    assert result.batches[0].line.intercept == pytest.approx(2.45678204711, rel=1e-10)
    assert result.batches[0].line.slope == pytest.approx(0.002272338514, rel=1e-9)
    assert result.ancova.f_intercepts == pytest.approx(0.353853883257, rel=1e-10)
    assert result.ancova.f_slopes == pytest.approx(0.748152729736, rel=1e-10)


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        # expirest test-expirest_osle.R, "expirest_osle_estimation_succeeds_for_poi" (confidence bounds).
        ({"lower": 0.5}, {"lower": 115.468684445, "upper": None}),
        ({"upper": 4.5}, {"lower": None, "upper": 96.3055219561}),
        ({"lower": 0.5, "upper": 4.5}, {"lower": 95.4652197782, "upper": 82.6037890116}),
    ],
)
def test_a_bound_meets_a_limit_the_slope_points_away_from_when_the_slope_is_not_significant(limits, expected):
    # The moisture slope is positive but not significant: the lower bound still turns down and meets 0.5.
    result = fit("shelf-life-leblond-2011-moisture.csv", "moisture", **limits)
    assert result.limits == {side: None if v is None else pytest.approx(v, rel=REL) for side, v in expected.items()}
    assert result.shelf_life == pytest.approx(min(v for v in expected.values() if v is not None), rel=REL)


@pytest.mark.parametrize(
    ("batch", "limits", "expected"),
    [
        # expirest test-expirest_osle.R, "expirest_osle_estimation_succeeds_with_a_single_batch".
        ("b1", {"lower": 0.5}, 50.0621475632),
        ("b2", {"lower": 0.5}, 43.7101461304),
        ("b3", {"lower": 0.5}, 199.8917947989),
        ("b1", {"lower": 0.5, "upper": 4.5}, 41.1584877869),
    ],
)
def test_one_batch_is_fitted_on_its_own(batch, limits, expected):
    batches, times, values = example("shelf-life-leblond-2011-moisture.csv", "moisture")
    mine = np.asarray(batches) == batch
    result = q1e.shelf_life([batch] * int(mine.sum()), times[mine], values[mine], **limits)
    assert result.model == "single"
    assert result.ancova is None and result.shelf_life_pooled_mse is None
    assert result.governing_batch == batch
    assert result.shelf_life == pytest.approx(expected, rel=REL)


# --- JMP 12 Reliability and Survival Methods, Stability.jmp (exp4) ------------------------------


def test_jmps_stability_example_chooses_a_common_slope_with_batch_2_12_governing():
    # JMP 12 manual pp. 174–176, Figure 6.27, as transcribed in expirest test-expirest_osle.R: the model
    # accepted at 0.25 has different intercepts and common slopes, earliest crossing 23.47505, worst
    # case batch 2_12; F 19.88764 (intercepts) and 0.329081 (slopes); slope −0.20221, intercepts
    # 101.8332, 100.4501, 102.0666, 104.1366.
    result = fit("shelf-life-jmp-stability.csv", "conc", lower=95)
    assert result.model == "dics"
    assert result.shelf_life == pytest.approx(23.47505, abs=5e-6)
    assert result.governing_batch == "2_12"
    assert result.ancova.f_intercepts == pytest.approx(19.88764, abs=5e-6)
    assert result.ancova.f_slopes == pytest.approx(0.329081, abs=5e-7)
    assert [b.line.intercept for b in result.batches] == pytest.approx(
        [101.8332, 100.4501, 102.0666, 104.1366], abs=5e-5
    )
    assert result.batches[0].line.slope == pytest.approx(-0.20221, abs=5e-6)


def test_jmps_stability_example_under_the_other_two_models():
    # JMP's table of earliest crossing times: common/common 29.98567, different/different 23.11596
    # (each batch on its own data); expirest: 29.9856687174, 23.1159717387, and 23.2441996167 with the
    # pooled error (LeBlond's variant). The models are forced through pool_alpha.
    pooled = fit("shelf-life-jmp-stability.csv", "conc", lower=95, pool_alpha=1e-9)
    assert pooled.model == "cics"
    assert pooled.shelf_life == pytest.approx(29.98567, abs=5e-6)
    separate = fit("shelf-life-jmp-stability.csv", "conc", lower=95, pool_alpha=0.9)
    assert separate.model == "dids"
    assert separate.shelf_life == pytest.approx(23.11596, abs=5e-6)
    assert separate.shelf_life_pooled_mse == pytest.approx(23.2441996167, rel=REL)
    assert separate.governing_batch == "3_13"


# --- the fits agree with statsmodels' OLS on the same design matrices ---------------------------


def test_the_bounds_agree_with_statsmodels_confidence_intervals_of_the_same_models():
    import pandas as pd
    import statsmodels.formula.api as smf

    batches, times, values = example("shelf-life-leblond-2011-cics.csv", "potency")  # unbalanced times
    frame = pd.DataFrame({"batch": batches, "t": times, "y": values})
    grid = pd.DataFrame({"batch": ["b5"] * 3, "t": [0.0, 12.0, 40.0]})
    for pool_alpha, formula in ((0.1, "y ~ t"), (0.7, "y ~ C(batch) + t"), (0.9, "y ~ C(batch) * t")):
        result = q1e.shelf_life(batches, times, values, lower=95, pool_alpha=pool_alpha)
        line = by_batch(result)["b5"].line
        if result.model == "dids":  # each batch on its own data
            formula, data = "y ~ t", frame[frame.batch == "b5"]
        else:
            data = frame
        ols = smf.ols(formula, data).fit()
        # A one-sided 95 % bound is the lower end of a two-sided 90 % interval.
        expected = ols.get_prediction(grid).summary_frame(alpha=0.10)["mean_ci_lower"].to_numpy()
        got = line.bound(grid["t"].to_numpy(), "lower", result.quantiles["b5"])
        assert got == pytest.approx(expected, rel=1e-12), formula


def test_the_f_tests_agree_with_statsmodels_anova_of_the_nested_models():
    import pandas as pd
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    batches, times, values = example("shelf-life-jmp-stability.csv", "conc")
    frame = pd.DataFrame({"batch": batches, "t": times, "y": values})
    models = [smf.ols(f, frame).fit() for f in ("y ~ t", "y ~ C(batch) + t", "y ~ C(batch) * t")]
    table = anova_lm(*models)  # each F over the largest model's mean square error, as R's anova()
    result = q1e.shelf_life(batches, times, values, lower=95)
    assert result.ancova.f_intercepts == pytest.approx(table["F"][1], rel=1e-10)
    assert result.ancova.f_slopes == pytest.approx(table["F"][2], rel=1e-10)
    assert result.ancova.p_slopes == pytest.approx(table["Pr(>F)"][2], rel=1e-10)
    # statsmodels takes the intercept row's p-value on that row's own residual df (31), though its F
    # is over the full model's MSE; R's anova() and Q1E use the full model's df (28) for both tests.
    assert result.ancova.p_intercepts == pytest.approx(f_distribution.sf(table["F"][1], 3, 28), rel=1e-12)


# --- crossings that never come ---------------------------------------------------------------------


def rising(n_batches=1):
    # A clearly rising attribute: its lower bound moves away from a lower limit for ever.
    times = np.tile([0.0, 3.0, 6.0, 9.0, 12.0], n_batches)
    noise = np.tile([0.1, -0.1, 0.05, -0.05, 0.0], n_batches)
    batches = [f"B{i + 1}" for i in range(n_batches) for _ in range(5)]
    slopes = np.repeat(0.5 + 0.2 * np.arange(n_batches), 5)
    return batches, times, 100.0 + slopes * times + noise


def test_a_bound_moving_away_from_its_only_limit_gives_an_infinite_shelf_life():
    result = q1e.shelf_life(*rising(), lower=95)
    assert result.shelf_life == float("inf")
    assert result.governing_batch is None
    assert result.limits == {"lower": None, "upper": None}
    assert result.batches[0].shelf_life is None


def test_separate_lines_that_never_reach_the_limit_report_infinite_for_both_variants():
    result = q1e.shelf_life(*rising(3), lower=95, pool_alpha=0.999)
    assert result.model == "dids"
    assert result.shelf_life == float("inf") and result.shelf_life_pooled_mse == float("inf")


def test_with_both_limits_the_one_that_is_reached_governs():
    result = q1e.shelf_life(*rising(), lower=95, upper=110)
    assert result.limits["lower"] is None
    assert result.shelf_life == result.limits["upper"] > 12


def test_the_bound_meets_the_limit_exactly_at_the_shelf_life():
    result = fit("shelf-life-leblond-2011-dids.csv", "potency", lower=95)
    b8 = by_batch(result)["b8"]
    at = b8.line.bound(np.array([result.shelf_life]), "lower", result.quantiles["b8"])[0]
    assert at == pytest.approx(95.0, abs=1e-12)
    before = b8.line.bound(np.array([result.shelf_life * 0.999]), "lower", result.quantiles["b8"])[0]
    assert before > 95.0


# --- refusals: each names the field and the rule ---------------------------------------------------


def refuse(field, match, batches, times, values, **options):
    with pytest.raises(StatsInputError, match=match) as caught:
        q1e.shelf_life(batches, np.asarray(times, dtype=float), np.asarray(values, dtype=float), **options)
    assert caught.value.field == field


GOOD = (["A"] * 4, [0, 3, 6, 9], [100.0, 99.1, 98.3, 97.0])


def test_it_refuses_without_a_limit():
    refuse("lower", "needs an acceptance criterion", *GOOD)


def test_it_refuses_a_lower_limit_not_below_the_upper():
    refuse("upper", r"must be above the lower limit \(95\), not 95", *GOOD, lower=95, upper=95)


@pytest.mark.parametrize(
    ("alpha", "pool_alpha", "field"), [(0.0, 0.25, "alpha"), (0.5, 0.25, "alpha"), (0.05, 1.0, "pool_alpha")]
)
def test_it_refuses_levels_outside_their_range(alpha, pool_alpha, field):
    refuse(field, "must be above 0 and below", *GOOD, lower=95, alpha=alpha, pool_alpha=pool_alpha)


def test_it_refuses_a_batch_with_two_time_points():
    batches = ["B1"] * 4 + ["B2"] * 4
    times = [0, 3, 6, 9, 0, 0, 6, 6]
    refuse(
        "time",
        "at least 3 time points per batch .* batch 'B2' has 2 time points \\(0, 6\\)",
        batches,
        times,
        [100, 99, 98, 97, 100, 100.2, 98, 98.1],
        lower=95,
    )


def test_it_refuses_a_single_time_point():
    refuse("time", "batch 'A' has 1 time point \\(6\\)", ["A"] * 4, [6, 6, 6, 6], [100, 99, 98, 97], lower=95)


def test_it_refuses_a_negative_time():
    refuse("time", "negative time \\(-3\\)", ["A"] * 4, [-3, 0, 3, 6], [100, 99, 98, 97], lower=95)


def test_it_refuses_values_without_scatter():
    refuse("value", "residual variance 0", ["A"] * 4, [0, 3, 6, 9], [100.0] * 4, lower=95)
    refuse(
        "value",
        "batch 'A'.s values lie exactly on a straight line",
        ["A"] * 4,
        [0, 3, 6, 9],
        [100.0, 99.7, 99.4, 99.1],
        lower=95,
    )
    refuse(
        "value",
        "every batch's values lie exactly",
        ["A"] * 4 + ["B"] * 4,
        [0, 3, 6, 9] * 2,
        [100.0, 99.7, 99.4, 99.1, 101, 100, 99, 98],
        lower=95,
    )


def test_it_refuses_a_limit_already_met_at_time_zero():
    refuse("lower", "bound at time 0 is 99.[0-9]+, already at or below the lower limit 99.9", *GOOD, lower=99.9)
    refuse("upper", "already at or above the upper limit 100", *GOOD, upper=100)


def test_it_refuses_empty_input():
    refuse("file", "no data rows", [], [], [], lower=95)


def test_it_refuses_numbers_too_large_for_sums_of_squares():
    refuse("time", "below 1e\\+100", ["A"] * 3, [0, 3, 1e200], [100, 99, 98], lower=95)
