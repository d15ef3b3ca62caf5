"""Relative potency of biological assays: parallel lines, log-logistic curves and the combination of runs.

The models live in potency_pla.py (Ph. Eur. 5.3 §3.2, CombiStats) and potency_logistic.py (4PL/3PL,
USP <1032>/<1034>); this module re-exports them and combines independent estimates (Ph. Eur. 5.3 §6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from atmp.stats.errors import StatsInputError
from atmp.stats.potency_logistic import Logistic, relative_potency
from atmp.stats.potency_pla import ParallelLine, parallel_line

__all__ = ["Combined", "Logistic", "ParallelLine", "combine_runs", "parallel_line", "relative_potency"]
Array = NDArray[np.float64]
HOMOGENEITY_ALPHA = 0.05  # Ph. Eur. 5.3 §6.2.2: heterogeneity at the 5 % level calls for the semi-weighted mean


@dataclass(frozen=True)
class Combined:
    """The combined potency of independent runs with its limits, the homogeneity test and the weights."""

    potency: float
    lower: float
    upper: float
    method: str  # "weighted" or "semi-weighted"
    chi_square: float
    chi_square_df: int
    p_homogeneity: float
    weights: list[float]
    df: float


def combine_runs(
    potencies: Array,
    lowers: Array,
    uppers: Array,
    *,
    dfs: Array | None = None,
    confidence: float = 0.95,
) -> Combined:
    """Return the weighted geometric mean of runs (weights 1/var ln ρ), semi-weighted when heterogeneous.

    Ph. Eur. 5.3 §6.2: M = ln ρ of each run, its variance from the width of its interval,
    s²_M = (L/2t)² with L = ln(upper/lower) and t for the run's degrees of freedom (normal if none
    given); weight w = 1/s²_M. Homogeneity: χ² = Σ w (M − M̄)² on n − 1 df (§6.2.2). If p < 0.05 the
    semi-weighted mean uses w' = 1/(s²_M + s²_b), s²_b the between-run variance (§6.2.3).
    """
    m, lo, hi = (
        np.log(_positive(v, name)) for v, name in ((potencies, "potency"), (lowers, "lower"), (uppers, "upper"))
    )
    n = m.size
    if n < 2:
        raise StatsInputError("file", "needs at least two runs to combine")
    if bool((lo >= m).any() | (hi <= m).any()):
        raise StatsInputError("lower", "every run needs lower < potency < upper")
    run_dfs = np.full(n, math.inf) if dfs is None else np.asarray(dfs, dtype=np.float64)
    t = np.where(
        np.isfinite(run_dfs),
        stats.t.ppf(0.5 + confidence / 2, np.where(np.isfinite(run_dfs), run_dfs, 1)),
        stats.norm.ppf(0.5 + confidence / 2),
    )
    variance = ((hi - lo) / (2 * t)) ** 2
    w = 1 / variance
    mean = float(w @ m / w.sum())
    chi = float(w @ (m - mean) ** 2)
    p = float(stats.chi2.sf(chi, n - 1))
    method, total_df = "weighted", float(run_dfs.sum())
    if p < HOMOGENEITY_ALPHA:
        between = max(float(np.var(m, ddof=1) - variance.mean()), 0.0)
        w = 1 / (variance + between)
        mean = float(w @ m / w.sum())
        # §6.2.3: the semi-weighted mean's t has about n − 1 degrees of freedom.
        method, total_df = "semi-weighted", float(n - 1)
    q = (
        float(stats.t.ppf(0.5 + confidence / 2, total_df))
        if math.isfinite(total_df)
        else float(stats.norm.ppf(0.5 + confidence / 2))
    )
    half = q / math.sqrt(float(w.sum()))
    return Combined(
        potency=math.exp(mean),
        lower=math.exp(mean - half),
        upper=math.exp(mean + half),
        method=method,
        chi_square=chi,
        chi_square_df=n - 1,
        p_homogeneity=p,
        weights=[float(v) for v in w],
        df=total_df,
    )


def _positive(values: Array, name: str) -> Array:
    array = np.asarray(values, dtype=np.float64)
    if bool((array <= 0).any()):
        raise StatsInputError(name, "every value must be above 0 (runs are combined on ln potency)")
    return array
