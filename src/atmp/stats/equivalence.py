"""Comparability statistics: equivalence by two one-sided tests (TOST) and the tier-2 quality range.

TOST follows Schuirmann (1987), "A comparison of the two one-sided tests procedure and the power
approach for assessing the equivalence of average bioavailability", J Pharmacokinet Biopharm
15(6):657–680. The tiered approach (tier 1 margin 1.5 σ_R, tier 2 quality range x̄_R ± K·σ_R with
K = 3 and at least 90 % of test lots inside) is the one REGULATORY.md states, framed by the EMA
reflection paper EMA/CHMP/138502/2017 on the statistical methodology for the comparative assessment
of quality attributes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from atmp.stats.errors import StatsInputError

Variant = Literal["pooled", "welch", "paired"]
VARIANTS: tuple[Variant, ...] = ("pooled", "welch", "paired")


@dataclass(frozen=True)
class Tost:
    """The result of TOST: the difference test − reference, its (1 − 2α) interval and both one-sided tests."""

    variant: Variant
    difference: float
    se: float
    df: float
    ci_low: float
    ci_high: float
    margin: float
    alpha: float
    p_lower: float  # H01: difference ≤ −margin, rejected for large (difference + margin)/se
    p_upper: float  # H02: difference ≥ +margin, rejected for small (difference − margin)/se
    p_value: float  # the larger of the two: both nulls are rejected at α exactly when it is below α
    equivalent: bool
    n_test: int
    n_reference: int


@dataclass(frozen=True)
class QualityRange:
    """The tier-2 quality range x̄_R ± K·s_R and how many test values lie inside it (bounds included)."""

    low: float
    high: float
    inside: int
    total: int
    share: float
    passes: bool
    reference_mean: float
    reference_sd: float
    n_reference: int
    k: float
    min_share: float
    outside: tuple[int, ...]  # positions in the test values of those outside the range


def tost(
    test: ArrayLike,
    reference: ArrayLike,
    *,
    margin: float,
    alpha: float = 0.05,
    variant: Variant = "pooled",
    names: tuple[str, str] = ("test", "reference"),
) -> Tost:
    """Return Schuirmann's TOST of mean(test) − mean(reference) against the margins ±δ.

    With d the difference, se its standard error and ν its degrees of freedom (Schuirmann 1987,
    eqs. 4–5; the same t statistics as R's equivalence::tost and SAS PROC TTEST TOST):

        t_L = (d + δ) / se,  p_L = P(T_ν ≥ t_L)      (H01: difference ≤ −δ)
        t_U = (d − δ) / se,  p_U = P(T_ν ≤ t_U)      (H02: difference ≥ +δ)
        p = max(p_L, p_U);   CI = d ∓ t_{1−α, ν} · se (the 1 − 2α interval)

    and the groups are equivalent when the interval lies inside (−δ, +δ), which is p < α.
    The standard error by variant (Welch 1947; Satterthwaite 1946 for ν):

        pooled: se = s_p √(1/n_T + 1/n_R),  s_p² = ((n_T − 1)s_T² + (n_R − 1)s_R²)/(n_T + n_R − 2),
                ν = n_T + n_R − 2
        welch:  se = √(s_T²/n_T + s_R²/n_R),  ν = se⁴ / ((s_T²/n_T)²/(n_T − 1) + (s_R²/n_R)²/(n_R − 1))
        paired: test[i] and reference[i] are one pair; D = test − reference, se = s_D/√m, ν = m − 1

    `names` are the group names the messages use.
    """
    t = _finite(test, names[0])
    r = _finite(reference, names[1])
    _check_margin(margin)
    if not 0.0 < alpha < 0.5:
        raise StatsInputError("alpha", f"must be between 0 and 0.5 (exclusive), not {alpha:g}")
    if variant == "paired":
        difference, se, df = _paired(t, r)
    elif variant in ("pooled", "welch"):
        difference, se, df = _independent(t, r, welch=variant == "welch", names=names)
    else:
        raise StatsInputError("variant", f"must be one of {', '.join(VARIANTS)}, not {variant!r}")
    if not (math.isfinite(se) and se > 0.0 and math.isfinite(difference)):
        raise StatsInputError(
            "value",
            f"the standard error cannot be computed in double precision (it is {se:g}): the values vary too "
            "little for their size, or are too large; rescale them (e.g. change the unit)",
        )
    # stdtr is Student's t CDF for real ν (Welch's ν is not an integer); stdtrit its inverse.
    p_lower = float(special.stdtr(df, -(difference + margin) / se))
    p_upper = float(special.stdtr(df, (difference - margin) / se))
    half_width = float(special.stdtrit(df, 1.0 - alpha)) * se
    ci_low, ci_high = difference - half_width, difference + half_width
    return Tost(
        variant=variant,
        difference=difference,
        se=se,
        df=df,
        ci_low=ci_low,
        ci_high=ci_high,
        margin=margin,
        alpha=alpha,
        p_lower=p_lower,
        p_upper=p_upper,
        p_value=max(p_lower, p_upper),
        # Schuirmann (1987): the two tests at α reject exactly when the (1 − 2α) interval is inside the margins.
        equivalent=-margin < ci_low and ci_high < margin,
        n_test=int(t.size),
        n_reference=int(r.size),
    )


def margin_from_sigma(reference: ArrayLike, k: float) -> float:
    """Return the margin δ = K · s_R, K times the reference group's sample SD (tier 1: K = 1.5)."""
    r = _finite(reference, "reference")
    if not (math.isfinite(k) and k > 0.0):
        raise StatsInputError("margin_sigma", f"must be a number above 0, not {k:g}")
    if r.size < 2:
        raise StatsInputError("margin_sigma", f"the reference group has {r.size} value: its SD needs at least 2")
    if np.ptp(r) == 0.0:
        raise StatsInputError(
            "margin_sigma",
            "the reference values are all equal, so K·s_R is 0; an equivalence margin must be above 0 "
            "(give --margin instead, or reference values that vary)",
        )
    return k * float(np.std(r, ddof=1))


def quality_range(
    test: ArrayLike,
    reference: ArrayLike,
    *,
    k: float = 3.0,
    min_share: float = 0.9,
    names: tuple[str, str] = ("test", "reference"),
) -> QualityRange:
    """Return the quality range x̄_R ± K·s_R and the share of test values inside it.

    Tier 2 of the tiered comparability approach (REGULATORY.md; EMA/CHMP/138502/2017 §5 discusses
    such ranges): low = x̄_R − K·s_R, high = x̄_R + K·s_R with s_R the reference sample SD (n − 1);
    a test value counts as inside when low ≤ x ≤ high (both bounds included); share = inside/total;
    passes when share ≥ min_share (K = 3 and 90 % by default).
    """
    t = _finite(test, names[0])
    r = _finite(reference, names[1])
    if not (math.isfinite(k) and k > 0.0):
        raise StatsInputError("k", f"must be a number above 0, not {k:g}")
    if not 0.0 < min_share <= 1.0:
        raise StatsInputError("min_share", f"must be above 0 and at most 1, not {min_share:g}")
    if r.size < 2:
        raise StatsInputError(
            "reference",
            f"reference group {names[1]!r} has {r.size} value: the quality range needs at least 2 "
            "reference values for their SD",
        )
    if t.size < 1:
        raise StatsInputError("test", f"test group {names[0]!r} has no values")
    if np.ptp(r) == 0.0:
        raise StatsInputError(
            "reference",
            f"the values of reference group {names[1]!r} are all equal (s_R = 0): x̄_R ± K·s_R would be a single "
            "point; the quality range needs reference lots that vary",
        )
    mean = float(np.mean(r))
    sd = float(np.std(r, ddof=1))
    low, high = mean - k * sd, mean + k * sd
    inside_mask = (t >= low) & (t <= high)
    inside = int(np.count_nonzero(inside_mask))
    share = inside / t.size
    return QualityRange(
        low=low,
        high=high,
        inside=inside,
        total=int(t.size),
        share=share,
        passes=share >= min_share,
        reference_mean=mean,
        reference_sd=sd,
        n_reference=int(r.size),
        k=k,
        min_share=min_share,
        outside=tuple(int(i) for i in np.flatnonzero(~inside_mask)),
    )


def _independent(
    t: NDArray[np.float64], r: NDArray[np.float64], *, welch: bool, names: tuple[str, str]
) -> tuple[float, float, float]:
    for values, role, name in ((t, "test", names[0]), (r, "reference", names[1])):
        if values.size < 2:
            raise StatsInputError(
                role,
                f"{role} group {name!r} has {values.size} value{'s' if values.size != 1 else ''}: "
                "TOST needs at least 2 values in each group (their SD estimates the spread)",
            )
    if np.ptp(t) == 0.0 and np.ptp(r) == 0.0:
        raise StatsInputError(
            "value",
            "every test value is the same and every reference value is the same (no variation): the standard "
            "error is 0 and the t statistics are undefined; TOST needs values that vary",
        )
    n_t, n_r = t.size, r.size
    var_t, var_r = float(np.var(t, ddof=1)), float(np.var(r, ddof=1))
    difference = float(np.mean(t)) - float(np.mean(r))
    if welch:
        a, b = var_t / n_t, var_r / n_r
        se = math.sqrt(a + b)
        # Welch–Satterthwaite degrees of freedom; with one constant group it is the other group's n − 1.
        df = (a + b) ** 2 / (a * a / (n_t - 1) + b * b / (n_r - 1))
    else:
        pooled = ((n_t - 1) * var_t + (n_r - 1) * var_r) / (n_t + n_r - 2)
        se = math.sqrt(pooled * (1.0 / n_t + 1.0 / n_r))
        df = float(n_t + n_r - 2)
    return difference, se, df


def _paired(t: NDArray[np.float64], r: NDArray[np.float64]) -> tuple[float, float, float]:
    if t.size != r.size:
        raise StatsInputError(
            "pair", f"paired TOST needs as many test values as reference values (pairs), not {t.size} and {r.size}"
        )
    if t.size < 2:
        raise StatsInputError("pair", f"{t.size} pair: paired TOST needs at least 2 pairs")
    d = t - r
    if np.ptp(d) == 0.0:
        raise StatsInputError(
            "value",
            "every test − reference difference is the same (no variation): the standard error is 0 and the "
            "t statistics are undefined; paired TOST needs differences that vary",
        )
    return float(np.mean(d)), float(np.std(d, ddof=1)) / math.sqrt(d.size), float(d.size - 1)


def _finite(values: ArrayLike, name: str) -> NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64).ravel()
    if not bool(np.isfinite(array).all()):
        raise StatsInputError("value", f"group {name!r} holds a value that is not a finite number")
    return array


def _check_margin(margin: float) -> None:
    if not (math.isfinite(margin) and margin > 0.0):
        raise StatsInputError("margin", f"must be above 0 (the margins are −δ and +δ), not {margin:g}")
