"""Disproportionality of a 2×2 table: PRR, ROR, χ², IC and Evans' signal against published figures."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import chi2_contingency

from atmp.stats import disproportionality as dp
from atmp.stats.errors import StatsInputError


def test_prr_and_its_interval_match_sahai_and_khurshid():
    # Sahai & Khurshid 1996, Statistics in Epidemiology, Example 3.1 (CHD by catecholamine level), as
    # reproduced to 17 digits in SciPy's `relative_risk` documentation: RR 2.4495156482861398,
    # 95 % CI (1.5836990926700116, 3.7886786315466354). The PRR is the same ratio and the same
    # log-scale interval (Evans et al. 2001): a = 27 (high CAT, CHD), b = 95, c = 44, d = 443.
    r = dp.table(27, 95, 44, 443)
    assert r.prr == pytest.approx(2.4495156482861398, rel=1e-12)
    assert r.prr_ci == pytest.approx((1.5836990926700116, 3.7886786315466354), rel=1e-12)


def test_ror_and_its_interval_match_agresti():
    # Agresti 2007, An Introduction to Categorical Data Analysis (2nd ed.), §2.2–2.3 (Physicians' Health
    # Study, placebo vs aspirin, myocardial infarction 189/10845 vs 104/10933): odds ratio 1.832,
    # Woolf 95 % CI (1.44, 2.33); relative risk 1.82 (the PRR of this table).
    r = dp.table(189, 10845, 104, 10933)
    assert r.ror == pytest.approx(1.832, abs=5e-4)
    assert r.ror_ci[0] == pytest.approx(1.44, abs=5e-3)
    assert r.ror_ci[1] == pytest.approx(2.33, abs=5e-3)
    assert r.prr == pytest.approx(1.82, abs=5e-3)
    # R's chisq.test on the same table prints X-squared = 24.429 (continuity-corrected) and 25.014 without.
    assert r.chi2_yates == pytest.approx(24.429, abs=5e-4)
    assert r.chi2 == pytest.approx(25.014, abs=5e-4)


def test_the_yates_chi_square_matches_smith_morrow_and_ross():
    # Smith, Morrow & Ross 2015, Field Trials of Health Interventions (3rd ed., open access), chapter 21,
    # eq. 21.3: a = 90, E(a) = 112.50, V(a) = 35.215, continuity-corrected χ² = 13.74. That χ² uses the
    # hypergeometric variance (N − 1 in the denominator), so Pearson's Yates χ² × (N − 1)/N equals it.
    r = dp.table(90, 210, 135, 165)
    assert r.expected == pytest.approx(112.50, abs=5e-3)
    assert r.chi2_yates * 599 / 600 == pytest.approx(13.74, abs=5e-3)
    assert r.chi2 == pytest.approx(14.4, rel=1e-12)  # 600 · 13500² / (300 · 300 · 225 · 375), exactly


@pytest.mark.parametrize(
    ("observed", "low", "high"),
    [
        # With E = 0 the IC's posterior Gamma(O + ½, rate ½) is χ² with 2O + 1 degrees of freedom, so
        # IC025 and IC975 are log2 of the χ² table's 2.5 % and 97.5 % points (NIST/SEMATECH
        # e-Handbook of Statistical Methods, Table 1.3.6.7.4): ν = 7: 1.690 and 16.013; ν = 11: 3.816 and 21.920.
        (3, 1.690, 16.013),
        (5, 3.816, 21.920),
    ],
)
def test_the_ic_bounds_are_gamma_quantiles(observed, low, high):
    ic, ic025, ic975 = dp.information_component(observed, 0.0)
    assert float(ic) == pytest.approx(math.log2((observed + 0.5) / 0.5))
    assert 2 ** float(ic025) == pytest.approx(low, abs=5e-4)
    assert 2 ** float(ic975) == pytest.approx(high, abs=5e-4)


def test_the_evans_criteria_use_the_yates_chi_square_and_three_reports():
    # Sahai's table: PRR 2.45, Yates χ² 15.0, a = 27: a signal.
    assert dp.table(27, 95, 44, 443).evans_signal
    # Two reports are never enough, whatever the ratio (Evans et al. 2001).
    assert not dp.table(2, 0, 1, 1000).evans_signal
    # a = 3 with PRR 4.29: Pearson's χ² 6.51 passes 4 but Yates' 3.89 does not, so no signal.
    r = dp.table(3, 37, 16, 900)
    assert r.prr >= 2 and r.chi2 >= 4 and r.chi2_yates < 4 and not r.evans_signal


def test_zero_cells_give_infinite_or_undefined_values_not_errors():
    only_with_event = dp.table(3, 0, 0, 10)  # the product is only ever reported with the event
    assert math.isinf(only_with_event.prr) and math.isinf(only_with_event.ror)
    assert all(math.isnan(v) for v in (*only_with_event.prr_ci, *only_with_event.ror_ci))
    never = dp.table(0, 10, 5, 100)  # the pair was never reported
    assert never.prr == 0 and never.ror == 0 and math.isnan(never.prr_ci[0])
    empty = dp.table(0, 0, 0, 0)
    assert all(math.isnan(v) for v in (empty.expected, empty.prr, empty.ror, empty.chi2, empty.ic))
    assert not empty.evans_signal
    no_margin = dp.table(0, 0, 4, 6)  # the product was never reported: its column of the table is empty
    assert math.isnan(no_margin.prr) and math.isnan(no_margin.chi2)


def test_it_refuses_a_negative_count_naming_the_cell():
    with pytest.raises(StatsInputError, match="cannot be negative") as caught:
        dp.table(3, -1, 4, 5)
    assert caught.value.field == "b"


counts = st.integers(min_value=0, max_value=10_000)


@given(counts, counts, counts, counts)
def test_the_chi_squares_agree_with_scipy(a, b, c, d):
    r = dp.table(a, b, c, d)
    if min(a + b, c + d, a + c, b + d) == 0:
        assert math.isnan(r.chi2) and math.isnan(r.chi2_yates)
        return
    table = np.array([[a, b], [c, d]])
    assert r.chi2 == pytest.approx(chi2_contingency(table, correction=False)[0], rel=1e-9, abs=1e-9)
    assert r.chi2_yates == pytest.approx(chi2_contingency(table, correction=True)[0], rel=1e-9, abs=1e-9)
    assert r.chi2_yates <= r.chi2 + 1e-9


@given(st.integers(1, 5000), counts, st.integers(1, 5000), counts)
def test_the_intervals_hold_their_estimate_and_the_ic_bounds_hold_the_ic(a, b, c, d):
    r = dp.table(a, b, c, d)
    assert r.prr_ci[0] <= r.prr <= r.prr_ci[1]
    if b > 0 and d > 0:
        assert r.ror_ci[0] <= r.ror <= r.ror_ci[1]
    assert r.ic025 < r.ic < r.ic975


@given(st.integers(0, 2), st.floats(0, 1e6))
def test_fewer_than_three_reports_never_give_a_positive_ic025(observed, expected):
    # Norén et al. 2013: the shrinkage keeps IC025 below 0 for O ≤ 2 whatever E (χ²₅(0.025) = 0.831 < 1).
    assert float(dp.information_component(observed, expected)[1]) < 0
