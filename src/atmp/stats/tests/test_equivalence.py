"""TOST (Schuirmann 1987): pooled, Welch and paired, reproduced against R's equivalence::tost and SAS.

The R results are those transcribed in statsmodels' own tests
(statsmodels/stats/tests/test_tost.py, statsmodels 0.14): `tost()` of the R package `equivalence`
on the `clinic` data of the R package MultEq (Läuter & Kropf 1998; 30 patients, treatment groups
1 and 2, measurements var1–var5), with eps = 0.6 (or log(1.25) on natural logarithms). R's
`tost(x, y)` tests mean(x) − mean(y): x is atmp's test group, y its reference.

The AUC data are SAS/STAT's PROC TTEST "Equivalence Testing with Lognormal Data" example
(Wellek 2003, p. 212; SAS/STAT 13.1 User's Guide, Example 99.5): SAS reports the geometric mean
ratio 0.9412, its 90 % limits 0.8634 and 1.0260 and the overall p-value 0.0031.
"""

import math

import numpy as np
import pytest
from statsmodels.stats import weightstats

from atmp.stats import equivalence
from atmp.stats.errors import StatsInputError

# MultEq's `clinic` (as in statsmodels' test_tost.py): id, fact, var1 … var5.
CLINIC = np.array(
    [
        [1, 1, 2.84, 4.00, 3.45, 2.55, 2.46],
        [2, 1, 2.51, 3.26, 3.10, 2.82, 2.48],
        [3, 1, 2.41, 4.14, 3.37, 2.99, 3.04],
        [4, 1, 2.95, 3.42, 2.82, 3.37, 3.35],
        [5, 1, 3.14, 3.25, 3.31, 2.87, 3.41],
        [6, 1, 3.79, 4.34, 3.88, 3.40, 3.16],
        [7, 1, 4.14, 4.97, 4.25, 3.43, 3.06],
        [8, 1, 3.85, 4.31, 3.92, 3.58, 3.91],
        [9, 1, 3.02, 3.11, 2.20, 2.24, 2.28],
        [10, 1, 3.45, 3.41, 3.80, 3.86, 3.91],
        [11, 1, 5.37, 5.02, 4.59, 3.99, 4.27],
        [12, 1, 3.81, 4.21, 4.08, 3.18, 1.86],
        [13, 1, 4.19, 4.59, 4.79, 4.17, 2.60],
        [14, 1, 3.16, 5.30, 4.69, 4.83, 4.51],
        [15, 1, 3.84, 4.32, 4.25, 3.87, 2.93],
        [16, 2, 2.60, 3.76, 2.86, 2.41, 2.71],
        [17, 2, 2.82, 3.66, 3.20, 2.49, 2.49],
        [18, 2, 2.18, 3.65, 3.87, 3.00, 2.65],
        [19, 2, 3.46, 3.60, 2.97, 1.80, 1.74],
        [20, 2, 4.01, 3.48, 4.42, 3.06, 2.76],
        [21, 2, 3.04, 2.87, 2.87, 2.71, 2.87],
        [22, 2, 3.47, 3.24, 3.47, 3.26, 3.14],
        [23, 2, 4.06, 3.92, 3.18, 3.06, 1.74],
        [24, 2, 2.91, 3.99, 3.06, 2.02, 3.18],
        [25, 2, 3.59, 4.21, 4.02, 3.26, 2.85],
        [26, 2, 4.51, 4.21, 3.78, 2.63, 1.92],
        [27, 2, 3.16, 3.31, 3.28, 3.25, 3.52],
        [28, 2, 3.86, 3.61, 3.28, 3.19, 3.09],
        [29, 2, 3.31, 2.97, 3.76, 3.18, 2.60],
        [30, 2, 3.02, 2.73, 3.87, 3.50, 2.93],
    ]
)
VAR1 = (CLINIC[:15, 2], CLINIC[15:, 2])
VAR2 = (CLINIC[:15, 3], CLINIC[15:, 3])

# SAS/STAT PROC TTEST example "Equivalence Testing with Lognormal Data" (Wellek 2003, p. 212).
TEST_AUC = np.array([103.4, 59.92, 68.17, 94.54, 69.48, 72.17, 74.37, 84.44, 96.74, 94.26, 48.52, 95.68])
REF_AUC = np.array([90.11, 77.71, 77.71, 97.51, 58.21, 101.3, 79.84, 96.06, 89.30, 97.22, 61.62, 85.80])

# R equivalence::tost results (statsmodels test_tost.py): difference, se, df, ci, p-value, rejected?
R_RESULTS = {
    # tost(clinic$var1[1:15], clinic$var1[16:30], eps = 0.6, var.equal = TRUE)
    "var1 pooled": (
        VAR1,
        "pooled",
        0.6,
        (0.1646666666666667, 0.2531625991083628, 28, -0.2659960620757337, 0.595329395409067, 0.04827315100761467, True),
    ),
    # tost(clinic$var2[1:15], clinic$var2[16:30], eps = 0.6, var.equal = TRUE)
    "var2 pooled": (
        VAR2,
        "pooled",
        0.6,
        (0.562666666666666, 0.2149871904637392, 28, 0.1969453064978777, 0.928388026835454, 0.43169347692374, False),
    ),
    # tost(clinic$var1[1:15], clinic$var1[16:30], eps = 0.6)  (Welch is R's default)
    "var1 welch": (
        VAR1,
        "welch",
        0.6,
        (
            0.1646666666666667,
            0.2531625991083627,
            26.7484787582315,
            -0.2666862980722534,
            0.596019631405587,
            0.04853083976236974,
            True,
        ),
    ),
    # tost(clinic$var2[1:15], clinic$var2[16:30], eps = 0.6)
    "var2 welch": (
        VAR2,
        "welch",
        0.6,
        (
            0.562666666666666,
            0.2149871904637392,
            24.11000151062728,
            0.194916250699966,
            0.930417082633366,
            0.4317936812594803,
            False,
        ),
    ),
    # tost(-clinic$var1[16:30] + clinic$var1[1:15], eps = 0.6)  (a one-sample test of the differences)
    "var1 paired": (
        VAR1,
        "paired",
        0.6,
        (
            0.1646666666666667,
            0.1357514067862445,
            14,
            -0.0744336620516462,
            0.4037669953849797,
            0.003166881489265175,
            True,
        ),
    ),
    # tost(-clinic$var2[16:30] + clinic$var2[1:15], eps = 0.6)
    "var2 paired": (
        VAR2,
        "paired",
        0.6,
        (0.5626666666666665, 0.2478276410785118, 14, 0.1261653305099018, 0.999168002823431, 0.4412034046017588, False),
    ),
    # tost(log(clinic$var1[1:15]), log(clinic$var1[16:30]), eps = log(1.25), paired = TRUE)
    "var1 log paired": (
        (np.log(VAR1[0]), np.log(VAR1[1])),
        "paired",
        math.log(1.25),
        (
            0.0431223318225235,
            0.03819576328421437,
            14,
            -0.02415225319362176,
            0.1103969168386687,
            0.0001664157928976468,
            True,
        ),
    ),
    # tost(log(clinic$var1[1:15]), log(clinic$var1[16:30]), eps = log(1.25), paired = FALSE)
    "var1 log welch": (
        (np.log(VAR1[0]), np.log(VAR1[1])),
        "welch",
        math.log(1.25),
        (
            0.04312233182252334,
            0.073508371131806,
            27.61177037646526,
            -0.0819851930203655,
            0.1682298566654122,
            0.01047085593138891,
            True,
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(R_RESULTS))
def test_it_reproduces_r_equivalence_tost(case):
    (test, reference), variant, margin, expected = R_RESULTS[case]
    difference, se, df, ci_low, ci_high, p_value, rejected = expected
    result = equivalence.tost(test, reference, margin=margin, variant=variant)
    assert result.variant == variant
    assert result.difference == pytest.approx(difference, rel=1e-12)
    assert result.se == pytest.approx(se, rel=1e-12)
    assert result.df == pytest.approx(df, rel=1e-12)
    assert result.ci_low == pytest.approx(ci_low, rel=1e-12)
    assert result.ci_high == pytest.approx(ci_high, rel=1e-12)
    assert result.p_value == pytest.approx(p_value, rel=1e-10)
    assert result.equivalent is rejected  # R says "rejected" when non-equivalence is rejected
    assert result.margin == margin
    assert result.p_value == max(result.p_lower, result.p_upper)


def test_it_reproduces_sas_equivalence_with_lognormal_data():
    # SAS: ratio 0.9412, 90 % CL 0.8634–1.0260, p = 0.0031 (t = 3.38 against 0.8, t = −5.90 against 1.25).
    result = equivalence.tost(np.log(TEST_AUC), np.log(REF_AUC), margin=math.log(1.25), variant="paired")
    assert math.exp(result.difference) == pytest.approx(0.9412, abs=5e-5)
    assert math.exp(result.ci_low) == pytest.approx(0.8634, abs=5e-5)
    assert math.exp(result.ci_high) == pytest.approx(1.0260, abs=5e-5)
    assert round(result.p_value, 4) == 0.0031
    assert result.p_value == result.p_lower  # the bound 0.8 is the one nearer the estimate
    assert result.p_upper < 0.0001
    assert result.equivalent
    # R: tost(log(RefAUC), log(TestAUC), eps = log(1.25), paired = TRUE) tests reference − test (statsmodels'
    # tost_s_paired): mean_diff 0.06060076667771316, se 0.04805826005366752, ci (−0.02571, 0.14691), p 0.003059.
    assert result.difference == pytest.approx(-0.06060076667771316, rel=1e-12)
    assert result.se == pytest.approx(0.04805826005366752, rel=1e-12)
    assert (result.ci_low, result.ci_high) == pytest.approx((-0.1469078663214256, 0.0257063329659993), rel=1e-12)
    assert result.p_value == pytest.approx(0.003059338540563293, rel=1e-10)


@pytest.mark.parametrize(("variant", "usevar"), [("pooled", "pooled"), ("welch", "unequal")])
def test_it_agrees_with_statsmodels_for_independent_groups(variant, usevar):
    for test, reference in (VAR1, VAR2):
        p, lower, upper = weightstats.ttost_ind(test, reference, -0.6, 0.6, usevar=usevar)
        result = equivalence.tost(test, reference, margin=0.6, variant=variant)
        assert result.p_value == pytest.approx(p, rel=1e-12)
        assert result.p_lower == pytest.approx(lower[1], rel=1e-12)
        assert result.p_upper == pytest.approx(upper[1], rel=1e-12)


def test_each_one_sided_p_value_reproduces_r_multeq():
    # R MultEq::multeq.diff(clinic, grp = "fact", resp = "var1", margin.up = 0.6, margin.lo = -1.5) compares
    # 2 − 1 (statsmodels' tost_clinic_1_asym): p = 0.00274867705173331 for H0: μ2 − μ1 ≥ 0.6, which is
    # atmp's lower test H01: μ1 − μ2 ≤ −0.6 (Welch); its interval (−0.596020, 0.266686) is ours mirrored.
    result = equivalence.tost(*VAR1, margin=0.6, variant="welch")
    assert result.p_lower == pytest.approx(0.00274867705173331, rel=1e-10)
    assert (-result.ci_high, -result.ci_low) == pytest.approx((-0.596019631405587, 0.2666862980722534), rel=1e-12)


def test_it_agrees_with_statsmodels_for_pairs():
    for test, reference in (VAR1, VAR2):
        p, lower, upper = weightstats.ttost_paired(test, reference, -0.6, 0.6)
        result = equivalence.tost(test, reference, margin=0.6, variant="paired")
        assert result.p_value == pytest.approx(p, rel=1e-12)
        assert (result.p_lower, result.p_upper) == pytest.approx((lower[1], upper[1]), rel=1e-12)


def test_the_confidence_level_is_one_minus_two_alpha():
    # At alpha = 0.025 the TOST interval is R's paired t.test 95 % interval of var1[1:15] − var1[16:30],
    # (−0.12649, 0.45582) (statsmodels' ttest_clinic_paired_1.conf_int, checked there against these differences).
    result = equivalence.tost(*VAR1, margin=0.6, alpha=0.025, variant="paired")
    assert (result.ci_low, result.ci_high) == pytest.approx((-0.1264911434745851, 0.4558244768079186), rel=1e-12)


def test_equivalence_means_the_interval_lies_inside_the_margins():
    result = equivalence.tost(*VAR1, margin=0.6, variant="pooled")
    assert result.ci_low > -0.6 and result.ci_high < 0.6 and result.equivalent
    narrower = equivalence.tost(*VAR1, margin=0.59, variant="pooled")
    assert narrower.ci_high > 0.59 and not narrower.equivalent and narrower.p_value > 0.05


def test_the_margin_in_reference_sigmas_uses_the_reference_sample_sd():
    reference = VAR1[1]
    assert equivalence.margin_from_sigma(reference, 1.5) == pytest.approx(1.5 * np.std(reference, ddof=1), rel=1e-15)


def test_one_constant_group_is_fine_for_welch_and_pooled():
    # The other group's spread still defines the standard error; Welch's df falls to that group's n − 1.
    constant, varying = np.full(5, 3.0), np.array([2.9, 3.1, 3.0, 3.2, 2.8])
    welch = equivalence.tost(varying, constant, margin=0.5, variant="welch")
    assert welch.df == pytest.approx(4.0)
    assert welch.se == pytest.approx(np.std(varying, ddof=1) / math.sqrt(5))
    assert equivalence.tost(varying, constant, margin=0.5, variant="pooled").df == 8


@pytest.mark.parametrize(
    ("test", "reference", "variant", "message"),
    [
        ([1.0], [1.0, 2.0], "pooled", "test group 'test' has 1 value: TOST needs at least 2 values in each group"),
        ([1.0, 2.0], [1.0], "welch", "reference group 'reference' has 1 value"),
        ([1.0], [2.0], "paired", "1 pair: paired TOST needs at least 2 pairs"),
        ([1.0, 2.0], [1.0, 2.0, 3.0], "paired", "paired TOST needs as many test values as reference values"),
        ([2.0, 2.0, 2.0], [1.0, 1.0], "pooled", "no variation"),
        ([2.0, 2.0, 2.0], [1.0, 1.0], "welch", "no variation"),
        ([2.0, 3.0, 4.0], [1.0, 2.0, 3.0], "paired", "every test − reference difference is the same"),
        ([1.0, float("nan")], [1.0, 2.0], "pooled", "finite"),
    ],
)
def test_it_refuses_data_it_cannot_test(test, reference, variant, message):
    with pytest.raises(StatsInputError, match=message):
        equivalence.tost(np.array(test), np.array(reference), margin=1.0, variant=variant)


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        ({"margin": 0.0}, "margin", "must be above 0"),
        ({"margin": -1.0}, "margin", "must be above 0"),
        ({"margin": math.inf}, "margin", "must be above 0"),
        ({"margin": 1.0, "alpha": 0.5}, "alpha", "between 0 and 0.5"),
        ({"margin": 1.0, "alpha": 0.0}, "alpha", "between 0 and 0.5"),
    ],
)
def test_it_refuses_a_margin_or_alpha_out_of_range(options, field, message):
    with pytest.raises(StatsInputError, match=message) as caught:
        equivalence.tost(*VAR1, **options)
    assert caught.value.field == field


def test_it_refuses_a_reference_sd_of_zero_as_a_margin():
    with pytest.raises(StatsInputError, match="reference values are all equal") as caught:
        equivalence.margin_from_sigma(np.array([2.0, 2.0, 2.0]), 1.5)
    assert caught.value.field == "margin_sigma"


def test_values_too_close_for_double_precision_are_refused_not_turned_into_nan():
    with pytest.raises(StatsInputError, match="standard error"):
        equivalence.tost(np.array([1e-200, 2e-200, 3e-200]), np.array([1e-200, 2e-200]), margin=1.0)
