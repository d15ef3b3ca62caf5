"""Shelf life from stability data: linear fits, ANCOVA poolability and the confidence-bound crossing (ICH Q1E).

The attribute is fitted linearly against time. The shelf life is the earliest time at which the
one-sided (1 − α) confidence bound of the mean regression line meets the acceptance criterion;
two-sided bounds when both a lower and an upper limit apply (ICH Q1E (2003) Appendix B.1).
Batches are pooled after an analysis of covariance at α = 0.25: equality of slopes first, then of
intercepts, both F tests against the mean square error of the full model (Q1E Appendix B.2.2.1;
LeBlond, Griffith & Aubuchon 2011, J Valid Technol 17(3):47–68, Tables III, V, VII, IX).

Every model here is a set of straight lines whose fitted mean at time t is ȳ + b (t − c), with
standard error s √(1/n + (t − c)²/S): n the observations behind the mean ȳ, c their mean time and S
the sum of squares of time behind the slope b (Draper & Smith 1998, Applied Regression Analysis,
3rd ed., §3.1, eq. 3.1.7). The lines are computed from per-batch sums with NumPy (no per-row Python
loop), so ten thousand rows cost what ten do.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, stats

from atmp.stats.errors import StatsInputError

Model = Literal["cics", "dics", "dids", "single"]
Side = Literal["lower", "upper"]
SIDES: tuple[Side, ...] = ("lower", "upper")
MINIMUM_TIME_POINTS = 3  # distinct times per batch: a line, one residual degree of freedom, a check of linearity
# A residual standard deviation this small relative to the values is rounding noise, not scatter:
# the data lie exactly on a line and a confidence bound would have no width.
ZERO_SCATTER = 1e-11
LARGEST_INPUT = 1e100
LARGEST_TIME = 1e300  # a bound that has not met the limit by here never will in floating point


@dataclass(frozen=True)
class Line:
    """A batch's fitted mean line under a model, with what its confidence bound needs.

    The mean at time t is `mean + slope (t − centre)`; its standard error is
    `s √(1/n + (t − centre)²/sxx)` on `df` residual degrees of freedom (Draper & Smith 1998, eq. 3.1.7).
    """

    mean: float
    slope: float
    centre: float
    n: float
    sxx: float
    s: float
    df: int

    @property
    def intercept(self) -> float:
        """Return the fitted mean at time 0."""
        return self.mean - self.slope * self.centre

    def fitted(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the fitted mean ȳ + b (t − c) at the times t."""
        return self.mean + self.slope * (t - self.centre)

    def standard_error(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the standard error of the fitted mean, s √(1/n + (t − c)²/S), at the times t."""
        return self.s * np.sqrt(1.0 / self.n + (t - self.centre) ** 2 / self.sxx)

    def bound(self, t: NDArray[np.float64], side: Side, quantile: float) -> NDArray[np.float64]:
        """Return the lower (ŷ − q·se) or upper (ŷ + q·se) confidence bound of the mean at the times t."""
        sign = -1.0 if side == "lower" else 1.0
        return self.fitted(t) + sign * quantile * self.standard_error(t)


@dataclass(frozen=True)
class BatchResult:
    """One batch under the chosen model: its line, its data count and when its bound meets each limit."""

    batch: str
    line: Line
    n: int
    crossings: dict[Side, float | None]  # None: the limit is not given or the bound never meets it

    @property
    def shelf_life(self) -> float | None:
        """Return the earliest time at which this batch's bound meets a limit, or None if it never does."""
        times = [t for t in self.crossings.values() if t is not None]
        return min(times) if times else None


@dataclass(frozen=True)
class Ancova:
    """The two poolability F tests of ICH Q1E Appendix B.2.2.1, each against the full model's MSE."""

    f_slopes: float
    p_slopes: float
    f_intercepts: float
    p_intercepts: float
    df_between: int
    df_error: int


@dataclass(frozen=True)
class ShelfLife:
    """The shelf-life estimate: the chosen model, the governing batch and each batch's line and crossing.

    `shelf_life` is math.inf when no bound meets any limit (the data show no significant approach to
    it); `shelf_life_pooled_mse` is given for separate lines (`dids`) only.
    """

    model: Model
    shelf_life: float
    governing_batch: str | None
    shelf_life_pooled_mse: float | None
    limits: dict[Side, float | None]
    lower: float | None
    upper: float | None
    alpha: float
    two_sided: bool
    quantiles: dict[str, float]  # the t quantile of each batch's bound, by batch
    ancova: Ancova | None
    batches: tuple[BatchResult, ...]


def shelf_life(
    batches: Sequence[str],
    times: NDArray[np.float64],
    values: NDArray[np.float64],
    *,
    lower: float | None = None,
    upper: float | None = None,
    alpha: float = 0.05,
    pool_alpha: float = 0.25,
) -> ShelfLife:
    """Return the ICH Q1E shelf life: fit, test poolability, and find when the confidence bound meets a limit.

    Models (ICH Q1E Appendix B.2.2.1; LeBlond et al. 2011): with one batch, its own line (`single`).
    With several, slopes are tested first, F = [(RSS_dics − RSS_full)/(k − 1)] / MSE_full, then, if
    they pool (p > pool_alpha), intercepts, F = [(RSS_cics − RSS_dics)/(k − 1)] / MSE_full, both on
    (k − 1, N − 2k) degrees of freedom. Common slope and intercept (`cics`): one line through all
    the data. Common slope (`dics`): separate intercepts, the earliest batch governs. Separate slopes
    (`dids`): each batch fitted on its own data, the shortest governs (JMP's convention, SAS
    Institute 2015, JMP 12 Reliability and Survival Methods pp. 174–176); the variant with the full
    model's pooled error is reported beside it (LeBlond et al. 2011, Table IX).
    The bound is ŷ(t) ∓ t_{1−α, ν} se(t), with t_{1−α/2, ν} when both limits are given (Q1E B.1).
    """
    _check_options(lower=lower, upper=upper, alpha=alpha, pool_alpha=pool_alpha)
    labels, t, y = _sorted_rows(batches, times, values)
    names, index = np.unique(labels, return_inverse=True)
    sums = _GroupSums.of(t, y, index, len(names))
    _check_batches(names, t, index, sums)
    two_sided = lower is not None and upper is not None
    level = alpha / 2 if two_sided else alpha  # Q1E B.1: two-sided 95 % bounds when both limits apply
    limits: dict[Side, float | None] = {"lower": lower, "upper": upper}
    scale = float(np.max(np.abs(y))) or 1.0

    ancova: Ancova | None = None
    if len(names) == 1:
        model: Model = "single"
        lines = _own_lines(sums)
    else:
        ancova = _ancova(sums, t, y, scale)
        if ancova.p_slopes <= pool_alpha:
            model, lines = "dids", _own_lines(sums)
        elif ancova.p_intercepts <= pool_alpha:
            model, lines = "dics", _common_slope_lines(sums)
        else:
            model, lines = "cics", _common_line(sums, t, y)
    for name, line in zip(names, lines, strict=True):
        if line.s <= ZERO_SCATTER * scale:
            whose = f"batch {str(name)!r}'s values lie" if model in ("dids", "single") else "the values lie"
            raise StatsInputError(
                "value",
                f"{whose} exactly on a straight line (residual variance 0): a confidence bound needs "
                "scatter around the line; check that these are measured results",
            )

    results = []
    quantiles = {}
    for name, line, n in zip(names, lines, sums.n, strict=True):
        q = float(stats.t.ppf(1.0 - level, line.df))
        whose = "the pooled line of all batches" if model == "cics" else f"batch {str(name)!r}"
        _check_start(whose, line, q, limits, alpha=alpha, two_sided=two_sided)
        crossings: dict[Side, float | None] = {
            side: None if limit is None else crossing_time(line, side, limit, q) for side, limit in limits.items()
        }
        results.append(BatchResult(batch=str(name), line=line, n=int(n), crossings=crossings))
        quantiles[str(name)] = q

    earliest = {side: _earliest(r.crossings[side] for r in results) for side in SIDES}
    found = [(time, r.batch) for r in results for time in r.crossings.values() if time is not None]
    if found:
        time, batch = min(found)  # ties go to the first batch in sorted order: the same whatever the row order
        governing = None if model == "cics" else batch
        estimate = time
    else:
        governing, estimate = None, math.inf

    pooled: float | None = None
    if model == "dids":
        full = _pooled_error_lines(sums)
        times_pooled = [
            crossing_time(line, side, limit, float(stats.t.ppf(1.0 - level, line.df)), from_start=True)
            for line in full
            for side, limit in limits.items()
            if limit is not None
        ]
        reached = [x for x in times_pooled if x is not None]
        pooled = min(reached) if reached else math.inf

    return ShelfLife(
        model=model,
        shelf_life=estimate,
        governing_batch=governing,
        shelf_life_pooled_mse=pooled,
        limits=earliest,
        lower=lower,
        upper=upper,
        alpha=alpha,
        two_sided=two_sided,
        quantiles=quantiles,
        ancova=ancova,
        batches=tuple(results),
    )


def crossing_time(line: Line, side: Side, limit: float, quantile: float, *, from_start: bool = False) -> float | None:
    """Return the earliest t ≥ 0 at which the line's confidence bound meets the limit, or None if it never does.

    The lower bound g(t) = ŷ(t) − q·se(t) is concave in t (se is the norm of an affine function of t),
    so once it falls below the limit it stays below: the crossing after t = 0 is unique. It exists
    exactly when the bound's slope at infinity, b − q s/√S, is negative (for an upper bound,
    b + q s/√S positive); a slope that points away but is not significant still crosses, later
    (LeBlond et al. 2011, Table XIV: the moisture bound meets the lower limit though the slope is
    positive). The root is bracketed by doubling and found with Brent's method to machine precision
    (Brent 1973, Algorithms for Minimization without Derivatives, ch. 4). `from_start`: return 0.0,
    not an error, when the bound is already at or beyond the limit at t = 0.
    """
    sign = 1.0 if side == "lower" else -1.0

    def margin(t: float) -> float:
        # Positive while the bound is on the safe side of the limit.
        u = t - line.centre
        return sign * (line.mean + line.slope * u - limit) - quantile * line.s * math.sqrt(
            1.0 / line.n + u * u / line.sxx
        )

    if margin(0.0) <= 0.0:
        if from_start:
            return 0.0
        raise AssertionError("the bound at time 0 was checked before the search")  # pragma: no cover
    if sign * line.slope - quantile * line.s / math.sqrt(line.sxx) >= 0.0:
        return None
    high = max(2.0 * abs(line.centre), 1.0)
    while margin(high) > 0.0:
        high *= 2.0
        if high > LARGEST_TIME:
            return None
    root = optimize.brentq(margin, 0.0, high, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)
    return float(root)


@dataclass(frozen=True)
class _GroupSums:
    """Per-batch counts, means and centred sums of squares and products (two passes, for accuracy)."""

    n: NDArray[np.float64]
    t_mean: NDArray[np.float64]
    y_mean: NDArray[np.float64]
    stt: NDArray[np.float64]
    sty: NDArray[np.float64]
    syy: NDArray[np.float64]
    distinct_times: NDArray[np.int64]

    @classmethod
    def of(cls, t: NDArray[np.float64], y: NDArray[np.float64], index: NDArray[np.intp], k: int) -> _GroupSums:
        n = np.bincount(index, minlength=k).astype(np.float64)
        t_mean = np.bincount(index, weights=t, minlength=k) / n
        y_mean = np.bincount(index, weights=y, minlength=k) / n
        dt = t - t_mean[index]
        dy = y - y_mean[index]
        # Rows are sorted by batch and time, so a new time point starts wherever either changes.
        new_point = np.ones(len(t), dtype=bool)
        new_point[1:] = (index[1:] != index[:-1]) | (t[1:] != t[:-1])
        return cls(
            n=n,
            t_mean=t_mean,
            y_mean=y_mean,
            stt=np.bincount(index, weights=dt * dt, minlength=k).astype(np.float64),
            sty=np.bincount(index, weights=dt * dy, minlength=k).astype(np.float64),
            syy=np.bincount(index, weights=dy * dy, minlength=k).astype(np.float64),
            distinct_times=np.bincount(index, weights=new_point, minlength=k).astype(np.int64),
        )

    @property
    def rss_own(self) -> NDArray[np.float64]:
        """Return each batch's residual sum of squares about its own line, Syy − Sty²/Stt."""
        return np.maximum(self.syy - self.sty**2 / self.stt, 0.0)

    @property
    def rss_common_slope(self) -> float:
        """Return the residual sum of squares of the common-slope model, ΣSyy − (ΣSty)²/ΣStt."""
        return max(float(self.syy.sum() - self.sty.sum() ** 2 / self.stt.sum()), 0.0)


def _own_lines(sums: _GroupSums) -> list[Line]:
    # Each batch on its own data: b = Sty/Stt, s² = RSS/(n − 2) (Draper & Smith 1998, §1.2 and §1.4).
    rss = sums.rss_own
    errors = [(math.sqrt(float(rss[i]) / (sums.n[i] - 2)), int(sums.n[i]) - 2) for i in range(len(sums.n))]
    return _separate_lines(sums, errors)


def _pooled_error_lines(sums: _GroupSums) -> list[Line]:
    # Separate lines with the full model's error, s² = ΣRSS_i/(N − 2k) (LeBlond et al. 2011, Table IX).
    df = int(sums.n.sum()) - 2 * len(sums.n)
    return _separate_lines(sums, [(math.sqrt(float(sums.rss_own.sum()) / df), df)] * len(sums.n))


def _separate_lines(sums: _GroupSums, errors: list[tuple[float, int]]) -> list[Line]:
    # Each batch's own intercept and slope, with the residual SD and degrees of freedom given per batch.
    return [
        Line(
            mean=float(sums.y_mean[i]),
            slope=float(sums.sty[i] / sums.stt[i]),
            centre=float(sums.t_mean[i]),
            n=float(sums.n[i]),
            sxx=float(sums.stt[i]),
            s=s,
            df=df,
        )
        for i, (s, df) in enumerate(errors)
    ]


def _common_slope_lines(sums: _GroupSums) -> list[Line]:
    # Parallel lines: b = ΣSty/ΣStt, a_i = ȳ_i − b t̄_i, Var(ŷ_i(t)) = σ²(1/n_i + (t − t̄_i)²/ΣStt),
    # since ȳ_i and the within-batch slope are uncorrelated (Snedecor & Cochran 1989, §18.3).
    k = len(sums.n)
    df = int(sums.n.sum()) - k - 1
    s = math.sqrt(sums.rss_common_slope / df)
    slope = float(sums.sty.sum() / sums.stt.sum())
    sxx = float(sums.stt.sum())
    return [
        Line(
            mean=float(sums.y_mean[i]),
            slope=slope,
            centre=float(sums.t_mean[i]),
            n=float(sums.n[i]),
            sxx=sxx,
            s=s,
            df=df,
        )
        for i in range(k)
    ]


def _common_line(sums: _GroupSums, t: NDArray[np.float64], y: NDArray[np.float64]) -> list[Line]:
    # One line through all the data; every batch shares it.
    line = _single_line(t, y)
    return [line] * len(sums.n)


def _single_line(t: NDArray[np.float64], y: NDArray[np.float64]) -> Line:
    t_mean, y_mean = float(t.mean()), float(y.mean())
    dt, dy = t - t_mean, y - y_mean
    stt, sty, syy = float(dt @ dt), float(dt @ dy), float(dy @ dy)
    n = len(t)
    return Line(
        mean=y_mean,
        slope=sty / stt,
        centre=t_mean,
        n=float(n),
        sxx=stt,
        s=math.sqrt(max(syy - sty**2 / stt, 0.0) / (n - 2)),
        df=n - 2,
    )


def _ancova(sums: _GroupSums, t: NDArray[np.float64], y: NDArray[np.float64], scale: float) -> Ancova:
    """Return the F tests of equal slopes and of equal intercepts, both over the full model's MSE.

    F_slopes = [(RSS_dics − RSS_full)/(k − 1)] / MSE_full and F_intercepts = [(RSS_cics −
    RSS_dics)/(k − 1)] / MSE_full, MSE_full = RSS_full/(N − 2k) (ICH Q1E Appendix B.2.2.1; LeBlond et
    al. 2011, "ANCOVA F value for Batch × Time" and "for Batch"; R's anova(full, dics, cics)).
    """
    k = len(sums.n)
    df_error = int(sums.n.sum()) - 2 * k
    rss_full = float(sums.rss_own.sum())
    rss_dics = sums.rss_common_slope
    common = _single_line(t, y)
    rss_cics = common.s**2 * common.df
    mse = rss_full / df_error
    if math.sqrt(mse) <= ZERO_SCATTER * scale:
        raise StatsInputError(
            "value",
            "every batch's values lie exactly on a straight line (residual variance 0): the poolability "
            "tests and the confidence bound need scatter around the lines; check that these are measured results",
        )
    # Rounding can make a difference of nearly equal sums a hair below zero; F cannot be negative.
    f_slopes = max(rss_dics - rss_full, 0.0) / (k - 1) / mse
    f_intercepts = max(rss_cics - rss_dics, 0.0) / (k - 1) / mse
    return Ancova(
        f_slopes=f_slopes,
        p_slopes=float(stats.f.sf(f_slopes, k - 1, df_error)),
        f_intercepts=f_intercepts,
        p_intercepts=float(stats.f.sf(f_intercepts, k - 1, df_error)),
        df_between=k - 1,
        df_error=df_error,
    )


def _earliest(times: Iterable[float | None]) -> float | None:
    found = [t for t in times if t is not None]
    return min(found) if found else None


def _sorted_rows(
    batches: Sequence[str], times: NDArray[np.float64], values: NDArray[np.float64]
) -> tuple[NDArray[np.str_], NDArray[np.float64], NDArray[np.float64]]:
    """Return the rows sorted by batch, time and value, so that sums, and so results, ignore row order."""
    labels = np.asarray(batches, dtype=np.str_)
    t = np.asarray(times, dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    if not len(labels) == len(t) == len(y):
        raise StatsInputError(
            "file", f"batch, time and value columns differ in length ({len(labels)}, {len(t)}, {len(y)})"
        )
    if len(t) == 0:
        raise StatsInputError("file", "has no data rows: shelf life needs stability results")
    for name, column in (("time", t), ("value", y)):
        # Sums of squares of numbers beyond this overflow double precision.
        if not (np.isfinite(column).all() and bool((np.abs(column) < LARGEST_INPUT).all())):
            raise StatsInputError(name, f"{name}s must be finite numbers below {LARGEST_INPUT:g} in size")
    order = np.lexsort((y, t, labels))
    return labels[order], t[order], y[order]


def _check_options(*, lower: float | None, upper: float | None, alpha: float, pool_alpha: float) -> None:
    if lower is None and upper is None:
        raise StatsInputError(
            "lower",
            "shelf life needs an acceptance criterion: give a lower limit (for an attribute that "
            "decreases), an upper limit (one that increases) or both",
        )
    for name, limit in (("lower", lower), ("upper", upper)):
        if limit is not None and not math.isfinite(limit):
            raise StatsInputError(name, f"must be a finite number, not {limit!r}")
    if lower is not None and upper is not None and not lower < upper:
        raise StatsInputError("upper", f"must be above the lower limit ({lower:g}), not {upper:g}")
    if not 0.0 < alpha < 0.5:
        raise StatsInputError("alpha", f"must be above 0 and below 0.5 (0.05 gives a 95 % bound), not {alpha:g}")
    if not 0.0 < pool_alpha < 1.0:
        raise StatsInputError("pool_alpha", f"must be above 0 and below 1 (ICH Q1E uses 0.25), not {pool_alpha:g}")


def _check_batches(names: NDArray[np.str_], t: NDArray[np.float64], index: NDArray[np.intp], sums: _GroupSums) -> None:
    negative = np.flatnonzero(t < 0)
    if negative.size:
        raise StatsInputError(
            "time",
            f"batch {str(names[index[negative[0]]])!r} has a negative time ({t[negative[0]]:g}); times are "
            "counted from the start of the study, which is 0",
        )
    for i, name in enumerate(names):
        points = int(sums.distinct_times[i])
        if points < MINIMUM_TIME_POINTS:
            at = np.unique(t[index == i])
            listed = ", ".join(f"{x:g}" for x in at)
            noun = "time point" if points == 1 else "time points"
            raise StatsInputError(
                "time",
                f"shelf life needs at least {MINIMUM_TIME_POINTS} time points per batch (a line, its scatter "
                f"and a check that it is straight); batch {str(name)!r} has {points} {noun} ({listed})",
            )


def _check_start(
    whose: str, line: Line, quantile: float, limits: dict[Side, float | None], *, alpha: float, two_sided: bool
) -> None:
    """Refuse a limit that the confidence bound has already met at time 0: there is no shelf life to estimate."""
    zero = np.zeros(1)
    for side, limit in limits.items():
        if limit is None:
            continue
        at_start = float(line.bound(zero, side, quantile)[0])
        beyond = at_start <= limit if side == "lower" else at_start >= limit
        if beyond:
            kind = "two-sided" if two_sided else "one-sided"
            where = "below" if side == "lower" else "above"
            raise StatsInputError(
                side,
                f"{whose}: the {kind} {100 * (1 - alpha):g} % {side} confidence bound at time 0 is "
                f"{at_start:.6g}, already at or {where} the {side} limit {limit:g}; shelf life needs data that "
                "start inside the acceptance criterion",
            )
