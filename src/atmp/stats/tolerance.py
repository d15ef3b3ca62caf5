"""Normal tolerance factors k and intervals x̄ ± k·s: one-sided exact and Natrella, two-sided exact and Howe.

A (P, γ) tolerance interval contains at least a proportion P (the coverage) of a normal population
with confidence γ. The one-sided factor is exact from the non-central t distribution; the two-sided
factor is exact by numerical integration (Odeh & Owen 1980); Natrella's (one-sided) and Howe's
(two-sided) closed-form approximations are offered and labelled, as REGULATORY.md asks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special, stats

from atmp.stats.errors import StatsInputError
from atmp.stats.report import ComputationError

Sided = Literal["one", "two"]
Method = Literal["exact", "howe", "natrella"]
METHODS: tuple[Method, ...] = ("exact", "howe", "natrella")
MIN_N = 2
MAX_N = 10_000_000  # beyond this SciPy's non-central t quantile loses accuracy; k is then z_P to 3 decimals
# Proportions atmp accepts for coverage and confidence: below 0.5 a "tolerance" interval is not one, and
# beyond 1 − 10⁻⁶ the non-central t quantile is no longer reliable in double precision.
LOWEST = 0.5
HIGHEST = 0.999999
# Gauss–Legendre rule for the two-sided integral over u = √n·z ∈ [0, 10]: the normal weight beyond
# u = 10 is 7.6e-24, and 128 nodes reproduce adaptive quadrature to 1e-12 (tests/test_tolerance.py).
NODES = 128
UPPER_U = 10.0


@dataclass(frozen=True)
class ToleranceInterval:
    """A normal tolerance interval from a sample: its mean, SD, factor and both bounds x̄ ∓ k·s.

    Two-sided, [lower, upper] contains at least the coverage; one-sided, each bound is a statement of
    its own (at least the coverage lies above `lower`; at least the coverage lies below `upper`).
    """

    n: int
    mean: float
    sd: float
    k: float
    coverage: float
    confidence: float
    sided: Sided
    method: Method
    lower: float
    upper: float


def one_sided_exact(n: int, coverage: float, confidence: float) -> float:
    """Return k₁ = t′_{n−1, δ}(γ) / √n with δ = z_P √n, the exact one-sided factor.

    t′_{ν, δ}(γ) is the γ quantile of the non-central t distribution with ν = n − 1 degrees of freedom
    and non-centrality δ (Owen 1968; NIST/SEMATECH e-Handbook §7.2.6.3; ISO 16269-6:2014 §6).
    """
    _check(n, coverage, confidence)
    root_n = math.sqrt(n)
    delta = float(special.ndtri(coverage)) * root_n
    return float(stats.nct.ppf(confidence, n - 1, delta)) / root_n


def natrella(n: int, coverage: float, confidence: float) -> float:
    """Return Natrella's approximation k₁ ≈ (z_P + √(z_P² − a·b)) / a of the one-sided factor.

    a = 1 − z_γ² / (2(n − 1)),  b = z_P² − z_γ² / n  (Natrella 1963, Experimental Statistics, NBS
    Handbook 91, §2-5; as given in the NIST/SEMATECH e-Handbook §7.2.6.3). Defined only when a > 0.
    """
    _check(n, coverage, confidence)
    z_p = float(special.ndtri(coverage))
    z_g = float(special.ndtri(confidence))
    a = 1.0 - z_g * z_g / (2.0 * (n - 1))
    if a <= 0.0:
        raise StatsInputError(
            "method",
            f"Natrella's approximation is undefined for n = {n} at confidence {confidence:g} "
            f"(a = 1 − z_γ²/(2(n − 1)) = {a:.4g} is not above 0); use the exact method",
        )
    b = z_p * z_p - z_g * z_g / n
    # With 0 < a ≤ 1 the discriminant z_P² − ab = z_P²(1 − a) + a z_γ²/n is never negative.
    return (z_p + math.sqrt(z_p * z_p - a * b)) / a


def two_sided_exact(n: int, coverage: float, confidence: float) -> float:
    """Return the exact two-sided factor k₂: the k at which the coverage integral equals γ.

    Odeh & Owen (1980), Tables for Normal Tolerance Limits, Sampling Plans and Screening, eq. (2.2);
    Krishnamoorthy & Mathew (2009), Statistical Tolerance Regions, eq. (2.3.5): with ν = n − 1,

        γ(k) = 2 √n ∫_0^∞ P( χ²_ν > ν · χ²_{1,P}(z²) / k² ) φ(√n z) dz,

    where χ²_{1,P}(λ) is the P quantile of the non-central χ² with 1 degree of freedom and
    non-centrality λ (the r with Φ(z + r) − Φ(z − r) = P is its square root). The integral is taken
    by a fixed Gauss–Legendre rule over u = √n z ∈ [0, 10] and γ(k) = confidence is solved by Brent's
    method; the result agrees with adaptive quadrature to about 1e-12 relative.
    """
    _check(n, coverage, confidence)
    nu = n - 1
    u, weights = _gauss_legendre()
    z = u / math.sqrt(n)
    # r(z)² = χ²_{1,P}(z²) does not depend on k: computed once, then γ(k) costs one χ² survival per node.
    r_squared = stats.ncx2.ppf(coverage, 1, z * z)
    node_weights = 2.0 * weights * stats.norm.pdf(u)

    def shortfall(k: float) -> float:
        return float(np.dot(node_weights, stats.chi2.sf(nu * r_squared / (k * k), nu))) - confidence

    high = 2.0 * howe(n, coverage, confidence)
    for _ in range(64):  # γ(k) rises to 1 as k grows; Howe's k is close, so this rarely doubles
        if shortfall(high) >= 0.0:
            break
        high *= 2.0
    else:  # pragma: no cover - the rule's weights sum to 1 − 1e-23, above every confidence accepted
        raise ComputationError(f"two-sided tolerance factor: no k reaches confidence {confidence:g} (n = {n})")
    low = float(special.ndtri(0.5 + coverage / 2.0)) * 1e-3  # γ(k) is ~0 this far below z_{(1+P)/2}
    return float(optimize.brentq(shortfall, low, high, xtol=1e-15, rtol=1e-14, maxiter=200))


def howe(n: int, coverage: float, confidence: float) -> float:
    """Return Howe's approximation k₂ ≈ z_{(1+P)/2} · √( ν (1 + 1/n) / χ²_{ν, 1−γ} ) of the two-sided factor.

    ν = n − 1 and χ²_{ν, 1−γ} is the lower 1 − γ quantile of the χ² distribution with ν degrees of
    freedom (Howe 1969, JASA 64:610–620, method 1 without the w correction; the formula of the
    NIST/SEMATECH e-Handbook §7.2.6.3). R's tolerance::K.factor(method = "HE") uses the non-central χ²
    quantile instead of (1 + 1/n) z², and differs from this in the third or fourth digit.
    """
    _check(n, coverage, confidence)
    nu = n - 1
    z = float(special.ndtri(0.5 + coverage / 2.0))
    chi2 = float(stats.chi2.ppf(1.0 - confidence, nu))
    return z * math.sqrt(nu * (1.0 + 1.0 / n) / chi2)


def factor(n: int, coverage: float, confidence: float, *, sided: Sided, method: Method = "exact") -> float:
    """Return the tolerance factor k for a sample of n, by the method asked (exact, howe or natrella)."""
    if sided not in ("one", "two"):
        raise StatsInputError("sided", f"must be one or two, not {sided!r}")
    if method not in METHODS:
        raise StatsInputError("method", f"must be exact, howe or natrella, not {method!r}")
    if sided == "one" and method == "howe":
        raise StatsInputError(
            "method", "howe is an approximation of the two-sided factor; for one-sided use exact or natrella"
        )
    if sided == "two" and method == "natrella":
        raise StatsInputError(
            "method", "natrella is an approximation of the one-sided factor; for two-sided use exact or howe"
        )
    if sided == "one":
        return one_sided_exact(n, coverage, confidence) if method == "exact" else natrella(n, coverage, confidence)
    return two_sided_exact(n, coverage, confidence) if method == "exact" else howe(n, coverage, confidence)


def interval(
    values: ArrayLike, coverage: float, confidence: float, *, sided: Sided, method: Method = "exact"
) -> ToleranceInterval:
    """Return the tolerance interval x̄ ∓ k·s of a sample (s the sample SD with n − 1), with k from `factor`."""
    x = np.asarray(values, dtype=np.float64).ravel()
    if not bool(np.isfinite(x).all()):
        raise StatsInputError("value", "holds a value that is not a finite number")
    if x.size < MIN_N:
        raise StatsInputError(
            "value", f"has {x.size} value{'s' if x.size != 1 else ''}: a tolerance interval needs at least 2"
        )
    if np.ptp(x) == 0.0:
        raise StatsInputError(
            "value",
            f"all {x.size} values are equal (s = 0): a normal tolerance interval needs values that vary",
        )
    k = factor(int(x.size), coverage, confidence, sided=sided, method=method)
    mean, sd = float(np.mean(x)), float(np.std(x, ddof=1))
    return ToleranceInterval(
        n=int(x.size),
        mean=mean,
        sd=sd,
        k=k,
        coverage=coverage,
        confidence=confidence,
        sided=sided,
        method=method,
        lower=mean - k * sd,
        upper=mean + k * sd,
    )


def _check(n: int, coverage: float, confidence: float) -> None:
    if not MIN_N <= n <= MAX_N:
        raise StatsInputError("n", f"must be at least {MIN_N} (s needs n − 1 ≥ 1) and at most {MAX_N}, not {n}")
    for name, value in (("coverage", coverage), ("confidence", confidence)):
        if not LOWEST <= value <= HIGHEST:
            raise StatsInputError(name, f"must be a proportion from {LOWEST:g} to {HIGHEST:g}, not {value:g}")


@cache
def _gauss_legendre() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    x, w = np.polynomial.legendre.leggauss(NODES)
    half = UPPER_U / 2.0
    return (x + 1.0) * half, w * half
