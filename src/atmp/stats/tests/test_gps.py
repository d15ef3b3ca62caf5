"""The gamma-Poisson shrinker: posterior, EBGM, EB05/EB95 and the prior fit, against openEBGM's published runs.

The data set is openEBGM's `caers` (CFSAN Adverse Event Reporting System, dietary supplements, 2012:
3,356 reports, 20,156 rows), shipped as examples/signals-caers.csv; its pairs are counted by
atmp.stats.signals (tested in test_signals.py against openEBGM's `processRaw`).
"""

import math
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, special, stats

from atmp.stats import gps
from atmp.stats import signals as sig
from atmp.stats.catalogue import example_files
from atmp.stats.errors import StatsInputError
from atmp.stats.table import Table

# openEBGM vignette "Empirical Bayes Metrics" (v0.9.1, inst/doc/vignette04): autoHyper on squashed caers.
VIGNETTE_PRIOR = gps.Prior(3.25379356, 0.39988854, 2.02612692, 1.90807970, 0.06534557)
# openEBGM vignette "Hyperparameter Estimation" (vignette03): autoHyper(data = processed, squashed = FALSE),
# nlminb from DuMouchel's start, −ln L (`negLL`, N* = 1) 4162.456.
AUTOHYPER_FULL = (3.25596685, 0.39998994, 2.02376139, 1.90614108, 0.06530755)
DUMOUCHEL_START = (0.2, 0.1, 2.0, 4.0, 1 / 3)


@cache
def caers() -> sig.Counts:
    table = Table.from_bytes(example_files()["signals-caers.csv"])
    return sig.count(
        table.labels("product", option="product"),
        table.labels("event", option="event"),
        table.labels("report", option="report"),
    )


def pair(counts, product, event):
    names_p, names_e = counts.products[counts.product], counts.events[counts.event]
    (index,) = np.flatnonzero((names_p == product) & (names_e == event))
    return index


def test_qn_matches_the_openebgm_vignette_to_seven_digits():
    # vignette04, `head(qn)`: the first six pairs of processRaw(caers) in product, event order.
    counts = caers()
    post = gps.posterior(VIGNETTE_PRIOR, counts.n[:6].astype(float), counts.expected[:6])
    published = [0.2819737, 0.3409653, 0.3482317, 0.2819737, 0.2226356, 0.2556670]
    assert post.qn == pytest.approx(published, abs=5e-8)


# vignette04, the five most suspicious pairs (EB05 ≥ 2, sorted by QUANT_05): n, E, QUANT_05, ebgm, QUANT_95.
TOP_FIVE = [
    ("REUMOFAN PLUS", "WEIGHT INCREASED", 16, 0.40643623, 15.68, 23.26, 33.48),
    ("HYDROXYCUT REGULAR RAPID RELEASE CAPLETS", "EMOTIONAL DISTRESS", 19, 0.89690107, 11.65, 16.78, 23.55),
    ("REUMOFAN PLUS", "IMMOBILE", 6, 0.07866508, 10.16, 18.28, 30.83),
    ("HYDROXYCUT HARDCORE CAPSULES", "CARDIO-RESPIRATORY DISTRESS", 8, 0.30482718, 9.00, 15.25, 24.52),
    ("HYDROXYCUT REGULAR RAPID RELEASE CAPLETS", "INJURY", 11, 0.56317044, 8.98, 14.28, 21.78),
]


@pytest.mark.parametrize(("product", "event", "n", "e", "eb05", "ebgm", "eb95"), TOP_FIVE)
def test_ebgm_and_its_bounds_match_the_openebgm_vignette(product, event, n, e, eb05, ebgm, eb95):
    counts = caers()
    i = pair(counts, product, event)
    assert counts.n[i] == n
    assert counts.expected[i] == pytest.approx(e, abs=5e-9)
    post = gps.posterior(VIGNETTE_PRIOR, counts.n[i : i + 1].astype(float), counts.expected[i : i + 1])
    assert post.ebgm[0] == pytest.approx(ebgm, abs=5e-3)  # printed to 2 decimals: 4 significant figures
    # openEBGM's quantBisect stops when the bisection interval is below ±0.005 and then rounds to 2
    # decimals, so its printed EB05/EB95 may differ from the exact quantile by up to 0.01.
    assert post.eb05[0] == pytest.approx(eb05, abs=1e-2)
    assert post.eb95[0] == pytest.approx(eb95, abs=1e-2)


def test_the_vignette_head_and_the_count_of_suspicious_pairs_reproduce():
    # vignette04, `head(processed)` after ebgm() and quantBisect(): ebgm 2.23 2.58 2.63 2.23 1.92 2.09,
    # QUANT_05 0.49 0.52 0.52 0.49 0.47 0.48; and 131 of 17,189 pairs have QUANT_05 ≥ 2.
    counts = caers()
    post = gps.posterior(VIGNETTE_PRIOR, counts.n.astype(float), counts.expected)
    assert np.round(post.ebgm[:6], 2).tolist() == [2.23, 2.58, 2.63, 2.23, 1.92, 2.09]
    assert post.eb05[:6] == pytest.approx([0.49, 0.52, 0.52, 0.49, 0.47, 0.48], abs=1e-2)
    assert counts.n.size == 17189
    assert int(np.sum(np.round(post.eb05, 2) >= 2)) == 131


def test_the_quantiles_solve_the_mixture_cdf_to_machine_precision():
    counts = caers()
    post = gps.posterior(VIGNETTE_PRIOR, counts.n.astype(float), counts.expected)
    p = VIGNETTE_PRIOR
    for i in (0, 10, 500, int(np.argmax(counts.n))):
        n, e, q = counts.n[i], counts.expected[i], post.qn[i]

        def cdf(x, n=n, e=e, q=q):
            g1 = stats.gamma.cdf(x, p.a1 + n, scale=1 / (p.b1 + e))
            g2 = stats.gamma.cdf(x, p.a2 + n, scale=1 / (p.b2 + e))
            return q * g1 + (1 - q) * g2

        for prob, value in ((0.05, post.eb05[i]), (0.95, post.eb95[i])):
            root = optimize.brentq(lambda x, prob=prob, cdf=cdf: cdf(x) - prob, 1e-12, 1e6, xtol=1e-14, rtol=1e-14)
            assert value == pytest.approx(root, rel=1e-10)


def test_the_marginal_likelihood_is_the_truncated_negative_binomial_mixture():
    # openEBGM tests/testthat/testC_Likelihoods.R builds −ln L by hand from the negative binomial
    # densities; here the same from SciPy's nbinom with N* = 1 (every n ≥ 1, so f* = f/(1 − f(0))).
    n = np.array([1, 1, 2, 2, 2, 3, 5, 8], dtype=float)
    e = np.array([0.1, 2.0, 0.5, 1.0, 3.0, 0.2, 1.5, 0.9])
    theta = (0.125874, 0.13587, 1.24578, 3.01587, 0.05)  # testC_Likelihoods.R's theta_hat
    a1, b1, a2, b2, p = theta
    f1 = stats.nbinom.pmf(n, a1, b1 / (b1 + e)) / (1 - stats.nbinom.pmf(0, a1, b1 / (b1 + e)))
    f2 = stats.nbinom.pmf(n, a2, b2 / (b2 + e)) / (1 - stats.nbinom.pmf(0, a2, b2 / (b2 + e)))
    expected = -np.sum(np.log(p * f1 + (1 - p) * f2))
    x = np.array([*np.log(theta[:4]), math.log(p / (1 - p))])
    value, gradient = gps.negative_log_likelihood(x, n, e, np.ones(n.size))
    assert value == pytest.approx(expected, rel=1e-12)
    numeric = optimize.approx_fprime(x, lambda t: gps.negative_log_likelihood(t, n, e, np.ones(n.size))[0], 1e-7)
    assert gradient == pytest.approx(numeric, rel=1e-4, abs=1e-5)


def test_from_dumouchels_start_the_fit_reaches_openebgms_published_estimate():
    # vignette03, hyper_estimates_full: (3.25596685, 0.39998994, 2.02376139, 1.90614108, 0.06530755),
    # −ln L 4162.456. nlminb's three starts themselves spread by up to 1e-4 (relative) around it; the
    # optimum found here agrees with its best to 2e-6 and with its −ln L to the 7 digits printed.
    counts = caers()
    fit = gps.fit_prior(counts.n, counts.expected, starts=(DUMOUCHEL_START,))
    p = fit.prior
    assert fit.converged
    assert (p.a1, p.b1, p.a2, p.b2, p.p) == pytest.approx(AUTOHYPER_FULL, rel=5e-6)
    assert fit.neg_log_likelihood == pytest.approx(4162.456, abs=5e-4)


def test_the_maximum_likelihood_prior_is_a_better_optimum_than_openebgms():
    # From the other starts the likelihood has a second, higher maximum, which openEBGM's nlminb
    # (started from the vignette's three points) does not reach: −ln L 4162.1808 < 4162.4557. Its
    # negative-binomial likelihood checked independently with SciPy's nbinom.
    counts = caers()
    fit = gps.fit_prior(counts.n, counts.expected)
    assert fit.converged and fit.squash_width is None and fit.points == 1723
    assert fit.neg_log_likelihood == pytest.approx(4162.180837, abs=1e-5)
    p = fit.prior
    assert (p.a1, p.b1, p.a2, p.b2, p.p) == pytest.approx((20.95776, 1.657759, 1.738313, 1.564259, 0.0349379), rel=1e-5)
    n, e = counts.n, counts.expected

    def truncated(a, b):
        prob = b / (b + e)
        return stats.nbinom.pmf(n, a, prob) / (1 - stats.nbinom.pmf(0, a, prob))

    independent = -np.sum(np.log(p.p * truncated(p.a1, p.b1) + (1 - p.p) * truncated(p.a2, p.b2)))
    assert independent == pytest.approx(fit.neg_log_likelihood, rel=1e-12)


def test_squashing_changes_the_fitted_prior_by_little():
    # DuMouchel & Pregibon 2001 (data squashing): squashing trades a little accuracy for speed. Forced here on
    # caers (1,723 points into ≤ 800), the prior moves by less than 1e-4 relative.
    counts = caers()
    exact = gps.fit_prior(counts.n, counts.expected).prior
    fit = gps.fit_prior(counts.n, counts.expected, max_points=800)
    assert fit.squash_width is not None and fit.points <= 800
    squashed = fit.prior
    assert (squashed.a1, squashed.b1, squashed.a2, squashed.b2, squashed.p) == pytest.approx(
        (exact.a1, exact.b1, exact.a2, exact.b2, exact.p), rel=1e-3
    )


def test_too_few_pairs_give_no_prior_and_say_why():
    fit = gps.fit_prior(np.array([1, 2, 3]), np.array([0.5, 1.0, 2.0]))
    assert fit.prior is None and not fit.converged
    assert "3 product–event pair(s)" in fit.message and "at least 50" in fit.message
    same = gps.fit_prior(np.ones(80, dtype=np.int64), np.linspace(0.1, 2, 80))
    assert same.prior is None and "at least two different counts" in same.message


@pytest.mark.parametrize(
    ("prior", "message"),
    [
        (gps.Prior(0, 1, 1, 1, 0.5), "a1 must be a number above 0"),
        (gps.Prior(1, 1, 1, -2, 0.5), "b2 must be a number above 0"),
        (gps.Prior(1, 1, 1, 1, 1.0), "p, the weight of the first gamma, must be between 0 and 1"),
    ],
)
def test_it_refuses_a_prior_outside_the_model(prior, message):
    with pytest.raises(StatsInputError, match=message):
        gps.posterior(prior, np.array([1.0]), np.array([1.0]))


positive = st.floats(0.05, 50)
priors = st.builds(gps.Prior, positive, positive, positive, positive, st.floats(0.01, 0.99))


@settings(max_examples=60, deadline=None)
@given(priors, st.integers(0, 500), st.floats(1e-4, 1e3))
def test_the_posterior_summaries_are_finite_and_in_their_ranges(prior, n, e):
    post = gps.posterior(prior, np.array([float(n)]), np.array([e]))
    values = [post.qn[0], post.ebgm[0], post.eb05[0], post.eb95[0]]
    assert all(math.isfinite(v) for v in values)
    assert 0 <= post.qn[0] <= 1
    assert 0 <= post.eb05[0] < post.eb95[0]
    # EBGM is a Qn-weighted geometric mean of the two components' geometric means, so it lies between
    # them. (It need not lie between EB05 and EB95: a far component of weight 0.001 moves the geometric
    # mean more than the 95th percentile.)
    g1 = math.exp(special.digamma(prior.a1 + n) - math.log(prior.b1 + e))
    g2 = math.exp(special.digamma(prior.a2 + n) - math.log(prior.b2 + e))
    assert min(g1, g2) * (1 - 1e-9) <= post.ebgm[0] <= max(g1, g2) * (1 + 1e-9)


def test_the_geometric_mean_can_exceed_the_95th_percentile_with_a_far_light_component():
    prior = gps.Prior(1e-6, 1e-6, 1e6, 1e6, 0.5)
    post = gps.posterior(prior, np.array([1.0]), np.array([0.001]))
    assert post.qn[0] == pytest.approx(0.000999, rel=1e-2)
    assert post.eb95[0] < post.ebgm[0]


@settings(max_examples=40, deadline=None)
@given(priors, st.integers(0, 200), st.floats(1e-3, 1e2))
def test_one_more_report_never_lowers_the_ebgm(prior, n, e):
    # The posterior density is ∝ prior(λ)·λⁿ·e^(−λE): the one for n + 1 is the one for n times λ, a
    # monotone likelihood ratio, so it is stochastically larger and every quantile and E[ln λ] rise.
    post = gps.posterior(prior, np.array([float(n), n + 1.0]), np.array([e, e]))
    assert post.ebgm[1] >= post.ebgm[0] * (1 - 1e-9)
    assert post.eb05[1] >= post.eb05[0] * (1 - 1e-9)
