"""DuMouchel's gamma-Poisson shrinker: the posterior of a reporting ratio, EBGM, EB05/EB95 and the prior fit.

Model (DuMouchel 1999, Am Stat 53:177): a product–event pair's count N is Poisson(λE), E its
expected count under independence; the ratio λ has the prior p·Gamma(α1, β1) + (1 − p)·Gamma(α2, β2)
(shape α, rate β). The marginal of N is then a mixture of two negative binomials, and the posterior of
λ given N = n a mixture of Gamma(α1 + n, β1 + E) and Gamma(α2 + n, β2 + E) with weights Qn and 1 − Qn.
The prior's five hyperparameters are fitted by maximum marginal likelihood over the pairs reported at
least once, the likelihood conditioned on N ≥ 1 as openEBGM does by default (`negLL`, N* = 1; Canida &
Ihrie 2017, R Journal 9:499; DuMouchel & Pregibon 2001, KDD'01).
Everything here is vectorised over pairs: a report database has hundreds of thousands of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special

from atmp.stats.errors import StatsInputError

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

# Starting points of the fit: DuMouchel's "lightly justified" values, as the openEBGM vignettes quote
# them, and the other rows of the vignette "Empirical Bayes Metrics" (theta_init, 5 rows). Each start
# is optimised; the best converged optimum wins, so one start's local optimum does not decide the prior.
STARTS = (
    (0.2, 0.1, 2.0, 4.0, 1 / 3),
    (0.1, 0.1, 10.0, 10.0, 0.2),
    (0.3, 0.5, 6.0, 6.0, 0.5),
    (0.5, 0.3, 12.0, 12.0, 0.8),
    (0.2, 0.2, 5.0, 5.0, 0.4),
)
# The optimiser works on (ln α1, ln β1, ln α2, ln β2, logit p) within these bounds; an optimum on a
# bound is not an interior maximum and is reported as not converged.
LOG_BOUND = math.log(1e6)  # α and β between 1e-6 and 1e6
LOGIT_BOUND = 20.0  # p between 2e-9 and 1 − 2e-9
# openEBGM (vignette "Hyperparameter Estimation") advises at most ~20,000 points for the fit; above
# that, points of the same n whose E agree within a relative width are squashed (DuMouchel &
# Pregibon 2001, "data squashing"; openEBGM `autoSquash`), the width doubled until the points fit.
MAX_POINTS = 20_000
SQUASH_WIDTH = 0.005  # starting bin width in ln E: points within 0.5 % of E share a bin
# "Too few to fit": five hyperparameters need many pairs; below this the prior is not estimated.
MIN_PAIRS = 50
QUANTILE_RTOL = 1e-12  # relative precision of EB05/EB95


@dataclass(frozen=True)
class Prior:
    """The mixture-of-gammas prior of the reporting ratio λ: p·Gamma(a1, b1) + (1 − p)·Gamma(a2, b2) (rate b)."""

    a1: float
    b1: float
    a2: float
    b2: float
    p: float

    def check(self, field: str = "prior") -> None:
        """Refuse hyperparameters outside the model: shapes and rates above 0, 0 < p < 1."""
        for name in ("a1", "b1", "a2", "b2"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise StatsInputError(field, f"{name} must be a number above 0, not {value:g}")
        if not (0 < self.p < 1):
            raise StatsInputError(field, f"p, the weight of the first gamma, must be between 0 and 1, not {self.p:g}")


@dataclass(frozen=True)
class Posterior:
    """Per pair: Qn, EBGM and the 5th and 95th percentiles of the posterior of λ."""

    qn: Floats
    ebgm: Floats
    eb05: Floats
    eb95: Floats


@dataclass(frozen=True)
class PriorFit:
    """The fitted prior (None when the data are too few), whether the optimiser converged, and how it was fitted."""

    prior: Prior | None
    converged: bool
    message: str | None
    pairs: int  # pairs with n ≥ 1 that entered the likelihood
    points: int  # distinct (n, E) points the likelihood summed over, after squashing if any
    squash_width: float | None  # the ln E bin width when the points were squashed, else None
    neg_log_likelihood: float | None  # −ln L at the prior, truncated at n ≥ 1 (openEBGM `negLL` scale)
    starts_agreeing: int  # starts that reached the chosen optimum (within 1e-4 of its −ln L)
    starts: int  # starts tried


def log_nbinom(n: Floats, e: Floats, alpha: float, beta: float) -> Floats:
    """Return ln P(N = n) when N ~ Poisson(λE) and λ ~ Gamma(α, rate β): a negative binomial.

    P(N = n) = Γ(α + n) / (Γ(α) n!) · (β/(β + E))^α · (E/(β + E))^n (DuMouchel 1999, eq. 5).
    """
    log_b_be = -np.log1p(e / beta)  # ln(β/(β + E)), exact for E much smaller than β
    log_e_be = np.log(e) - np.log(beta + e)
    out: Floats = (
        special.gammaln(alpha + n) - special.gammaln(alpha) - special.gammaln(n + 1.0) + alpha * log_b_be + n * log_e_be
    )
    return out


def qn(prior: Prior, n: Floats, e: Floats) -> Floats:
    """Return Qn = p·f1(n) / (p·f1(n) + (1 − p)·f2(n)), the posterior weight of gamma 1 (DuMouchel 1999, eq. 6)."""
    l1 = math.log(prior.p) + log_nbinom(n, e, prior.a1, prior.b1)
    l2 = math.log1p(-prior.p) + log_nbinom(n, e, prior.a2, prior.b2)
    out: Floats = special.expit(l1 - l2)
    return out


def ebgm(prior: Prior, n: Floats, e: Floats, q: Floats) -> Floats:
    """Return EBGM = exp(E[ln λ | n]) = exp(Qn(ψ(α1 + n) − ln(β1 + E)) + (1 − Qn)(ψ(α2 + n) − ln(β2 + E))).

    DuMouchel 1999, eqs. 9–11 (E[ln λ] of a gamma is ψ(shape) − ln(rate)).
    """
    first = special.digamma(prior.a1 + n) - np.log(prior.b1 + e)
    second = special.digamma(prior.a2 + n) - np.log(prior.b2 + e)
    out: Floats = np.exp(q * first + (1.0 - q) * second)
    return out


def quantile(prior: Prior, n: Floats, e: Floats, q: Floats, prob: float) -> Floats:
    """Return the `prob` quantile x of the posterior: Qn·G1(x) + (1 − Qn)·G2(x) = prob, G the gamma CDFs.

    The root lies between the two components' own quantiles (the mixture CDF is between theirs), so
    that bracket always holds it; Newton steps on ln x refine it, a step leaving the bracket is
    replaced by bisection (in ln x), and the bracket shrinks with every evaluation until its relative
    width is below QUANTILE_RTOL. DuMouchel 1999 (EB05 = 5th percentile); openEBGM `quantBisect`
    solves the same equation by bisection to 0.005.
    """
    s1, r1 = prior.a1 + n, prior.b1 + e
    s2, r2 = prior.a2 + n, prior.b2 + e
    # A component quantile below the smallest double (shapes near 0) is clipped to it, so the
    # bracket stays finite; the mixture's quantile is then found above it or reported as ~1e-308.
    floor = math.log(np.finfo(np.float64).tiny)
    with np.errstate(divide="ignore"):
        x1 = np.maximum(np.log(special.gammaincinv(s1, prob) / r1), floor)
        x2 = np.maximum(np.log(special.gammaincinv(s2, prob) / r2), floor)
    low, high = np.minimum(x1, x2), np.maximum(x1, x2)
    x: Floats = np.where(q >= 0.5, x1, x2)
    active = np.flatnonzero((high - low) > QUANTILE_RTOL)
    for _ in range(200):
        if active.size == 0:
            break
        xa, qa = x[active], q[active]
        value = np.exp(xa)
        g1 = special.gammainc(s1[active], r1[active] * value)
        g2 = special.gammainc(s2[active], r2[active] * value)
        excess = qa * g1 + (1.0 - qa) * g2 - prob
        # Density times x (the derivative of the CDF in ln x), from the log-densities to avoid overflow.
        d1 = np.exp(s1[active] * np.log(r1[active] * value) - r1[active] * value - special.gammaln(s1[active]))
        d2 = np.exp(s2[active] * np.log(r2[active] * value) - r2[active] * value - special.gammaln(s2[active]))
        slope = qa * d1 + (1.0 - qa) * d2
        lo, hi = low[active], high[active]
        lo = np.where(excess < 0, xa, lo)
        hi = np.where(excess > 0, xa, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = xa - excess / slope
        inside = np.isfinite(step) & (step > lo) & (step < hi)
        nxt = np.where(inside, step, 0.5 * (lo + hi))
        nxt = np.where(excess == 0, xa, nxt)
        low[active], high[active], x[active] = lo, hi, nxt
        done = (excess == 0) | ((hi - lo) <= QUANTILE_RTOL) | (np.abs(nxt - xa) <= QUANTILE_RTOL * 1e-2)
        active = active[~done]
    out: Floats = np.exp(x)
    return out


def posterior(prior: Prior, n: Floats, e: Floats) -> Posterior:
    """Return Qn, EBGM, EB05 and EB95 of every pair (n reports observed, E expected)."""
    prior.check()
    n = np.asarray(n, dtype=np.float64)
    e = np.asarray(e, dtype=np.float64)
    q = qn(prior, n, e)
    return Posterior(
        qn=q,
        ebgm=ebgm(prior, n, e, q),
        eb05=quantile(prior, n, e, q, 0.05),
        eb95=quantile(prior, n, e, q, 0.95),
    )


# --- the prior fit -----------------------------------------------------------------------------


def collapse(
    n: Ints, key: NDArray[np.float64] | Ints, weights: Ints | None = None
) -> tuple[Ints, NDArray[np.float64] | Ints, Ints]:
    """Return the distinct (n, key) points and the summed weights (pairs) of each: an exact, lossless grouping."""
    order = np.lexsort((key, n))
    ns, ks = n[order], key[order]
    first = np.ones(ns.size, dtype=bool)
    first[1:] = (ns[1:] != ns[:-1]) | (ks[1:] != ks[:-1])
    starts = np.flatnonzero(first)
    w = np.ones(ns.size, dtype=np.int64) if weights is None else np.asarray(weights, dtype=np.int64)[order]
    summed: Ints = np.add.reduceat(w, starts) if starts.size else np.zeros(0, dtype=np.int64)
    return ns[starts], ks[starts], summed


def squash(n: Ints, e: Floats, w: Ints, width: float) -> tuple[Ints, Floats, Floats]:
    """Merge points of the same n whose ln E fall in the same bin of `width` into one at their mean E.

    The weight of the merged point is the number of pairs it stands for (DuMouchel & Pregibon 2001,
    "data squashing"; openEBGM `squashData` merges by rank of E, this by closeness of E, so
    that no bin spans E values further apart than the width).
    """
    bins = np.floor(np.log(e) / width).astype(np.int64)
    order = np.lexsort((bins, n))
    ns, bs, es, ws = n[order], bins[order], e[order], w[order].astype(np.float64)
    first = np.ones(ns.size, dtype=bool)
    first[1:] = (ns[1:] != ns[:-1]) | (bs[1:] != bs[:-1])
    starts = np.flatnonzero(first)
    weight = np.add.reduceat(ws, starts)
    mean_e = np.add.reduceat(ws * es, starts) / weight
    return ns[starts], mean_e, weight


def negative_log_likelihood(theta: Floats, n: Floats, e: Floats, w: Floats) -> tuple[float, Floats]:
    """Return −Σ w·ln L and its gradient in (ln α1, ln β1, ln α2, ln β2, logit p), L conditioned on N ≥ 1.

    L = p·f1*(n) + (1 − p)·f2*(n), f* = f / (1 − f(0)), f(0) = (β/(β + E))^α: the marginal mixture of
    negative binomials truncated at zero (DuMouchel & Pregibon 2001; openEBGM `negLL` with
    N* = 1). The gradient is analytic (ψ the digamma function, u = ln(1 + E/β)):
    ∂ln f*/∂α = ψ(α + n) − ψ(α) − u − u/(e^{αu} − 1) and
    ∂ln f*/∂β = α/β − (α + n)/(β + E) + αE/(β(β + E)(e^{αu} − 1)).
    """
    a1, b1, a2, b2 = (float(v) for v in np.exp(theta[:4]))
    p = float(special.expit(theta[4]))
    log_f, grads = [], []
    for alpha, beta in ((a1, b1), (a2, b2)):
        u = np.log1p(e / beta)
        with np.errstate(over="ignore"):  # e^{αu} beyond 1e308 means f(0) = 0: the truncation vanishes
            tail = np.expm1(alpha * u)
            log_f.append(log_nbinom(n, e, alpha, beta) - np.log(-np.expm1(-alpha * u)))
            d_alpha = special.digamma(alpha + n) - special.digamma(alpha) - u - u / tail
            d_beta = alpha / beta - (alpha + n) / (beta + e) + alpha * e / (beta * (beta + e) * tail)
        grads.append((alpha * d_alpha, beta * d_beta))  # chain rule to ln α, ln β
    l1 = math.log(p) + log_f[0]
    l2 = math.log1p(-p) + log_f[1]
    log_l = np.logaddexp(l1, l2)
    r1 = np.exp(l1 - log_l)  # the posterior responsibility of the first component
    # Sums of products, not np.dot: BLAS threads cost milliseconds per call on a busy machine.
    wr1, wr2 = w * r1, w * (1.0 - r1)
    gradient = -np.array(
        [
            np.sum(wr1 * grads[0][0]),
            np.sum(wr1 * grads[0][1]),
            np.sum(wr2 * grads[1][0]),
            np.sum(wr2 * grads[1][1]),
            np.sum(wr1) - p * np.sum(w),  # ∂ln L/∂logit p = r1 − p
        ]
    )
    return float(-np.sum(w * log_l)), gradient


def fit_prior(
    n: Ints,
    e: Floats,
    weights: Ints | None = None,
    *,
    max_points: int = MAX_POINTS,
    min_pairs: int = MIN_PAIRS,
    starts: tuple[tuple[float, float, float, float, float], ...] = STARTS,
) -> PriorFit:
    """Fit the prior by maximum marginal likelihood over pairs with n ≥ 1 (openEBGM's default, N* = 1).

    Identical (n, E) points are merged first (exact); above `max_points`, points are squashed (see
    `squash`). Each of STARTS is optimised with L-BFGS-B on the log/logit scale with the analytic
    gradient; the lowest −ln L among the optima that converged inside the bounds is the prior, its
    two gammas ordered so that the first has the larger mean α/β (the labels are otherwise
    interchangeable). Too few pairs (fewer than `min_pairs`, or one count n for all) give no prior.
    """
    n = np.asarray(n, dtype=np.int64)
    e = np.asarray(e, dtype=np.float64)
    w = np.ones(n.size, dtype=np.int64) if weights is None else np.asarray(weights, dtype=np.int64)
    keep = n >= 1
    n, e, w = n[keep], e[keep], w[keep]
    pairs = int(w.sum())
    reason = None
    if pairs < min_pairs:
        reason = (
            f"the prior is not fitted: {pairs} product–event pair(s) were reported; the gamma-Poisson "
            f"shrinker's five hyperparameters need at least {min_pairs}"
        )
    elif np.unique(n).size < 2:
        reason = (
            f"the prior is not fitted: every pair was reported {int(n[0])} time(s), so the counts say "
            "nothing about how the reporting ratios spread; at least two different counts are needed"
        )
    if reason is not None:
        return PriorFit(None, False, reason, pairs, 0, None, None, 0, len(starts))
    pn, pe, pw = collapse(n, e, w)
    pe_f = np.asarray(pe, dtype=np.float64)
    pw_f = pw.astype(np.float64)
    width = None
    if pn.size > max_points:
        width = SQUASH_WIDTH
        while True:
            sn, se, sw = squash(pn, pe_f, pw, width)
            if sn.size <= max_points:
                break
            width *= 2
        pn, pe_f, pw_f = sn, se, sw
    nf = pn.astype(np.float64)
    scale = float(pw_f.sum())

    def objective(theta: Floats) -> tuple[float, Floats]:
        value, gradient = negative_log_likelihood(theta, nf, pe_f, pw_f)
        return value / scale, gradient / scale  # per pair, so the tolerances do not depend on the size

    bounds = [(-LOG_BOUND, LOG_BOUND)] * 4 + [(-LOGIT_BOUND, LOGIT_BOUND)]
    results = []
    for start in starts:
        x0 = np.array([*np.log(start[:4]), special.logit(start[4])])
        result = optimize.minimize(
            objective,
            x0,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-9, "maxcor": 20},
        )
        interior = bool(np.all(np.abs(result.x[:4]) < LOG_BOUND - 1e-3) and abs(result.x[4]) < LOGIT_BOUND - 1e-3)
        finite = bool(np.isfinite(result.fun))
        results.append((float(result.fun) if finite else math.inf, bool(result.success) and interior, result.x))
    converged_runs = [r for r in results if r[1]]
    best = min(converged_runs or results, key=lambda r: r[0])
    fun, converged, x = best
    agreeing = sum(1 for r in results if abs(r[0] - fun) * scale < 1e-4)
    a1, b1, a2, b2 = (float(v) for v in np.exp(x[:4]))
    p = float(special.expit(x[4]))
    if a1 / b1 < a2 / b2:
        a1, b1, a2, b2, p = a2, b2, a1, b1, 1.0 - p
    message = None
    if not converged:
        message = (
            "the optimiser did not converge to an interior maximum of the marginal likelihood from any start; "
            "the prior shown is the best point found and the EB columns rest on it"
        )
    return PriorFit(
        prior=Prior(a1, b1, a2, b2, p),
        converged=converged,
        message=message,
        pairs=pairs,
        points=int(pn.size),
        squash_width=width,
        neg_log_likelihood=fun * scale if math.isfinite(fun) else None,
        starts_agreeing=agreeing,
        starts=len(starts),
    )
