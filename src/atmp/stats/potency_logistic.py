"""Relative potency by the four- (or three-) parameter log-logistic model (USP <1034>, Ph. Eur. 5.3 §3.4).

f(x) = c + (d − c)/(1 + exp(b·(ln x − ln e))), as drc's LL.4 writes it (LL.3: c fixed). The curves
of the preparations are fitted twice by least squares: unconstrained (each its own b, c, d, e) and
constrained parallel (common b, c, d; its own e). Parallelism is judged by the F test of the two
fits and, as USP <1032>/<1034> prefer, by equivalence: the 90 % intervals of the slope ratio b_T/b_S
and of the asymptote differences must lie within stated margins. The potency ratio of a test
preparation is e_S/e_T from the constrained fit, with a Wald interval on ln ρ (delta method).
Covariances are 2·s²·H⁻¹ with H the Hessian of the residual sum of squares (drc's convention: the
observed, not the Gauss-Newton, information) and s² the pooled residual mean square of the fit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, stats
from scipy.linalg import block_diag

from atmp.stats.errors import StatsInputError

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Curves:
    """A least-squares fit of log-logistic curves: parameters (b, c, d, ln e) per curve, RSS, df, covariance."""

    preparations: list[str]
    b: Array
    c: Array
    d: Array
    e: Array
    rss: float
    df: int
    cov: Array  # of the free parameters, in the order of `_layout`, with e (not ln e) for the ED50s
    index: dict[str, dict[str, int]]  # free-parameter position of b, c, d, e for each preparation

    @property
    def s2(self) -> float:
        """Return the residual mean square."""
        return self.rss / self.df


def _response(log_x: Array, b: Array, c: Array, d: Array, e: Array) -> Array:
    """Return the curve at ln dose (−inf for a dose of 0: the curve's limit, d if b > 0, else c)."""
    with np.errstate(over="ignore"):
        u = np.exp(b * (log_x - np.log(e)))
    return np.asarray(c + (d - c) / (1.0 + u), dtype=np.float64)


def _layout(levels: list[str], *, parallel: bool, fixed_c: float | None) -> dict[str, dict[str, int]]:
    """Return where each curve's b, c, d, e sit in the free-parameter vector (-1: c is fixed)."""
    shared: dict[str, int] = {}
    position = 0
    if parallel:
        for name in ("b", "c", "d"):
            if name == "c" and fixed_c is not None:
                shared[name] = -1
                continue
            shared[name] = position
            position += 1
    index: dict[str, dict[str, int]] = {}
    for level in levels:
        mine: dict[str, int] = {}
        for name in ("b", "c", "d", "e"):
            if name in shared:
                mine[name] = shared[name]
            elif name == "c" and fixed_c is not None:
                mine[name] = -1
            else:
                mine[name] = position
                position += 1
        index[level] = mine
    return index


def _positions(rows: Array, index: list[dict[str, int]]) -> list[Array]:
    """Return, for b, c, d, e, each observation's position in the parameters (-1: the fixed c appended last)."""
    return [np.array([i[name] for i in index])[rows] for name in ("b", "c", "d", "e")]


def _unpack(theta: Array, positions: list[Array], fixed_c: float) -> tuple[Array, ...]:
    extended = np.append(theta, fixed_c)
    return tuple(extended[p] for p in positions)


def fit(
    preparations: Sequence[str],
    doses: Array,
    responses: Array,
    *,
    parallel: bool,
    fixed_c: float | None = None,
) -> Curves:
    """Return the least-squares log-logistic fit, parallel (common b, c, d) or one curve per preparation."""
    if bool((doses < 0).any()):
        raise StatsInputError("dose", "every dose must be at least 0")
    y = np.asarray(responses, dtype=np.float64)
    levels = list(dict.fromkeys(preparations))
    if parallel or len(levels) == 1:
        theta, index, rss, hessian = _least_squares(preparations, doses, y, parallel=parallel, fixed_c=fixed_c)
    else:
        # Separate curves share no parameter: fitting each alone is the same optimum, faster, and the
        # Hessian is block-diagonal (4 parameters a block instead of 4 × curves at once).
        labels = np.asarray(preparations)
        parts = [_least_squares([p] * int((labels == p).sum()), doses[labels == p], y[labels == p], parallel=False,
                                fixed_c=fixed_c) for p in levels]  # fmt: skip
        theta = np.concatenate([part[0] for part in parts])
        rss = sum(part[2] for part in parts)
        hessian = np.asarray(block_diag(*[part[3] for part in parts]), dtype=np.float64)
        index, offset = {}, 0
        for level, part in zip(levels, parts, strict=True):
            index[level] = {k: v + offset if v >= 0 else -1 for k, v in part[1][level].items()}
            offset += part[0].size
    df = len(y) - theta.size
    if df < 1:
        raise StatsInputError("file", f"has {len(y)} observations for {theta.size} curve parameters: too few")
    cov = np.asarray(2 * (rss / df) * np.linalg.pinv(hessian), dtype=np.float64)
    if not bool(np.isfinite(cov).all()) or not rss > 0:
        raise StatsInputError("response", "the curves' parameters are not determined by these data (no error left)")
    order = [index[level] for level in levels]
    b, c, d, e = (
        np.array([theta[i[n]] if i[n] >= 0 else (fixed_c or 0.0) for i in order]) for n in ("b", "c", "d", "e")
    )
    return Curves(levels, b, c, d, e, rss, df, cov, index)


def _least_squares(
    preparations: Sequence[str], doses: Array, y: Array, *, parallel: bool, fixed_c: float | None
) -> tuple[Array, dict[str, dict[str, int]], float, Array]:
    """Return the fitted parameters (e, not ln e), their layout, the RSS and its Hessian."""
    levels = list(dict.fromkeys(preparations))
    rows = np.array([levels.index(p) for p in preparations])
    index = _layout(levels, parallel=parallel, fixed_c=fixed_c)
    order = [index[level] for level in levels]
    size = 1 + max(max(i.values()) for i in order)
    start = _start(doses, y, rows, order, size)
    log_e = [i["e"] for i in order]
    positions = _positions(rows, order)
    with np.errstate(divide="ignore"):
        log_x = np.log(doses)

    def residuals(theta: Array) -> Array:
        natural = theta.copy()
        natural[log_e] = np.exp(theta[log_e])
        return _response(log_x, *_unpack(natural, positions, fixed_c or 0.0)) - y

    with np.errstate(over="ignore", invalid="ignore"):  # a trial step far out is refused by the fit itself
        found = optimize.least_squares(
            residuals, start, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=20000
        )
        theta = np.asarray(found.x, dtype=np.float64).copy()
        theta[log_e] = np.exp(theta[log_e])
    if not found.success or not bool(np.isfinite(theta).all()):
        raise StatsInputError(
            "response", "the log-logistic curves do not converge: check that the doses span the curve's rise"
        )

    def rss(natural: Array) -> float:
        r = _response(log_x, *_unpack(natural, positions, fixed_c or 0.0)) - y
        return float(r @ r)

    with np.errstate(over="ignore", invalid="ignore"):
        return theta, index, rss(theta), _hessian(rss, theta)


def _start(doses: Array, y: Array, rows: Array, order: list[dict[str, int]], size: int) -> Array:
    """Return starting values: asymptotes at the extremes, ED50 at the geometric middle dose, unit slope."""
    theta = np.zeros(size)
    positive = doses[doses > 0]
    middle = float(np.exp(np.median(np.log(positive)))) if positive.size else 1.0
    log_x = np.log(np.maximum(doses, positive.min() / 10 if positive.size else 1.0))
    falling = float((log_x - log_x.mean()) @ (y - y.mean())) < 0  # the sign of the covariance
    for k, i in enumerate(order):
        mine = y[rows == k] if (rows == k).any() else y
        theta[i["b"]] = 1.0 if falling else -1.0
        if i["c"] >= 0:
            theta[i["c"]] = float(mine.min())
        theta[i["d"]] = float(mine.max())
        theta[i["e"]] = math.log(middle)
    return theta


def _hessian(f: Callable[[Array], float], theta: Array) -> Array:
    """Return the Hessian of f at theta by central differences, steps scaled to each parameter."""
    k = len(theta)
    h = 1e-4 * np.maximum(np.abs(theta), 1e-2)
    out = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.zeros(k), np.zeros(k)
            ei[i], ej[j] = h[i], h[j]
            value = (f(theta + ei + ej) - f(theta + ei - ej) - f(theta - ei + ej) + f(theta - ei - ej)) / (
                4 * h[i] * h[j]
            )
            out[i, j] = out[j, i] = value
    return out


def ed(curves: Curves, preparation: str, percent: float) -> tuple[float, Array]:
    """Return EDp = e·(p/(100 − p))^(1/b) (drc's relative ED) and its gradient in the free parameters."""
    k = curves.preparations.index(preparation)
    b, e = float(curves.b[k]), float(curves.e[k])
    ratio = percent / (100 - percent)
    value = e * ratio ** (1 / b)
    gradient = np.zeros(curves.cov.shape[0])
    i = curves.index[preparation]
    gradient[i["e"]] += value / e
    gradient[i["b"]] += -value * math.log(ratio) / (b * b)
    return value, gradient


@dataclass(frozen=True)
class EdRatio:
    """A ratio of effective doses with its delta-method standard error and intervals."""

    estimate: float
    std_error: float
    delta: tuple[float, float]
    fieller: tuple[float, float] | None


def ed_ratio(curves: Curves, first: str, second: str, percents: tuple[float, float] = (50, 50)) -> EdRatio:
    """Return ED_p(first)/ED_q(second): delta-method SE and interval, and drc's Fieller interval."""
    a, ga = ed(curves, first, percents[0])
    b, gb = ed(curves, second, percents[1])
    r = a / b
    gradient = ga / b - gb * a / (b * b)
    se = math.sqrt(max(float(gradient @ curves.cov @ gradient), 0.0))
    t = float(stats.t.ppf(0.975, curves.df))
    v11, v22, v12 = float(ga @ curves.cov @ ga), float(gb @ curves.cov @ gb), float(ga @ curves.cov @ gb)
    t2 = t * t
    f0 = a * b - t2 * v12
    denominator = b * b - t2 * v22
    discriminant = f0 * f0 - (a * a - t2 * v11) * denominator
    fieller = None
    if denominator > 0 and discriminant >= 0:
        root = math.sqrt(discriminant)
        fieller = ((f0 - root) / denominator, (f0 + root) / denominator)
    return EdRatio(r, se, (r - t * se, r + t * se), fieller)


@dataclass(frozen=True)
class Logistic:
    """Relative potency by parallel log-logistic curves, with the F and equivalence tests of parallelism."""

    model: str
    ratios: dict[str, tuple[float, float, float]]  # preparation: (ρ = e_S/e_T, lower, upper)
    constrained: Curves
    unconstrained: Curves
    f: float
    f_df: tuple[int, int]
    p: float
    equivalence: dict[str, dict[str, float | bool | None]]
    confidence: float


def relative_potency(
    preparations: Sequence[str],
    doses: Array,
    responses: Array,
    *,
    standard: str,
    fixed_c: float | None = None,
    slope_ratio_margin: tuple[float, float] | None = None,
    asymptote_margin: float | None = None,
    confidence: float = 0.95,
) -> Logistic:
    """Return ρ = e_S/e_T per test preparation from the parallel fit, the F test and the equivalence test."""
    levels = list(dict.fromkeys(preparations))
    if standard not in levels:
        raise StatsInputError("standard", f"no preparation {standard!r} in the file (its preparations: {levels})")
    if len(levels) < 2:
        raise StatsInputError("preparation", "needs the standard and at least one test preparation")
    full = fit(preparations, doses, responses, parallel=False, fixed_c=fixed_c)
    common = fit(preparations, doses, responses, parallel=True, fixed_c=fixed_c)
    extra = common.df - full.df
    f = ((common.rss - full.rss) / extra) / full.s2
    t = float(stats.t.ppf(0.5 + confidence / 2, common.df))
    ratios, equivalence = {}, {}
    for test in (p for p in levels if p != standard):
        log_rho, log_se = _log_ratio(common, standard, test)
        ratios[test] = (math.exp(log_rho), math.exp(log_rho - t * log_se), math.exp(log_rho + t * log_se))
        equivalence[test] = _equivalence(full, standard, test, slope_ratio_margin, asymptote_margin, fixed_c)
    return Logistic(
        model="three_pl" if fixed_c is not None else "four_pl",
        ratios=ratios,
        constrained=common,
        unconstrained=full,
        f=float(f),
        f_df=(extra, full.df),
        p=float(stats.f.sf(f, extra, full.df)),
        equivalence=equivalence,
        confidence=confidence,
    )


def _log_ratio(curves: Curves, standard: str, test: str) -> tuple[float, float]:
    """Return ln(e_S/e_T) and its delta-method standard error (gradient 1/e_S, −1/e_T on e)."""
    s, k = curves.index[standard]["e"], curves.index[test]["e"]
    es, et = float(curves.e[curves.preparations.index(standard)]), float(curves.e[curves.preparations.index(test)])
    variance = curves.cov[s, s] / es**2 + curves.cov[k, k] / et**2 - 2 * curves.cov[s, k] / (es * et)
    return math.log(es / et), math.sqrt(max(float(variance), 0.0))


def _equivalence(
    full: Curves,
    standard: str,
    test: str,
    slope_margin: tuple[float, float] | None,
    asymptote_margin: float | None,
    fixed_c: float | None,
) -> dict[str, float | bool | None]:
    """Return the 90 % intervals (two one-sided 5 % tests, USP <1032>) of b_T/b_S and of d_T − d_S, c_T − c_S."""
    t = float(stats.t.ppf(0.95, full.df))
    i, j = full.index[standard], full.index[test]
    cov = full.cov
    ks, kt = full.preparations.index(standard), full.preparations.index(test)
    bs, bt = float(full.b[ks]), float(full.b[kt])
    ratio = bt / bs
    g = np.zeros(cov.shape[0])
    g[j["b"]], g[i["b"]] = 1 / bs, -bt / (bs * bs)
    se = math.sqrt(max(float(g @ cov @ g), 0.0))
    out: dict[str, float | bool | None] = {"slope_ratio": ratio, "slope_ratio_lower": ratio - t * se}
    out["slope_ratio_upper"] = ratio + t * se
    for name in ("d", "c") if fixed_c is None else ("d",):
        diff = float(getattr(full, name)[kt] - getattr(full, name)[ks])
        se_diff = math.sqrt(max(float(cov[i[name], i[name]] + cov[j[name], j[name]] - 2 * cov[i[name], j[name]]), 0.0))
        out[f"{name}_difference"] = diff
        out[f"{name}_difference_lower"], out[f"{name}_difference_upper"] = diff - t * se_diff, diff + t * se_diff
    verdicts = []
    if slope_margin is not None:
        verdicts.append(slope_margin[0] <= ratio - t * se and ratio + t * se <= slope_margin[1])
    if asymptote_margin is not None:
        for name in ("d", "c") if fixed_c is None else ("d",):
            low, high = out[f"{name}_difference_lower"], out[f"{name}_difference_upper"]
            assert isinstance(low, float) and isinstance(high, float)
            verdicts.append(-asymptote_margin <= low and high <= asymptote_margin)
    out["equivalent"] = all(verdicts) if verdicts else None
    return out
