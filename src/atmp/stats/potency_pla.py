"""Relative potency by the parallel-line model (Ph. Eur. 5.3 §3.2, as EDQM CombiStats computes it).

The response (optionally transformed) is linear in ln dose with one slope common to all
preparations: y = α_prep + β·ln(dose) [+ block, or row + column effects]. The log potency ratio of
a test preparation is M = (α_T − α_S)/β, the horizontal shift between the lines on ln dose, so
ρ = exp(M) is the ratio of equipotent doses in the file's dose units. Its limits are Fieller's
(Ph. Eur. 5.3 §3.2.5 in the general least-squares form), with the error term s² of the analysis of
variance: a mean for every preparation × dose plus the block effects (Ph. Eur. 5.3 §3.2.3, the
'residual error'), so that non-parallelism and non-linearity are tested against it and never pooled
into it. Sums of squares are sequential (preparations, regression, non-parallelism, non-linearity,
then blocks), which is the Ph. Eur. orthogonal decomposition when the design is balanced.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from atmp.stats.errors import StatsInputError

Array = NDArray[np.float64]
TRANSFORMS = ("none", "ln", "log10", "sqrt", "square")
# Ph. Eur. 5.3 §3.2.4 (validity of the assay) and CombiStats' default: the regression must be
# significant and the deviations from parallelism and linearity not significant, at the 5 % level.
VALIDITY_ALPHA = 0.05


@dataclass(frozen=True)
class AnovaRow:
    """One line of the analysis of variance: source, degrees of freedom, sum of squares, F and p."""

    source: str
    df: int
    ss: float
    ms: float
    f: float | None
    p: float | None


@dataclass(frozen=True)
class Ratio:
    """A test preparation's potency ratio to the standard, exp(M), with its Fieller limits (None if unbounded)."""

    preparation: str
    potency_ratio: float
    lower: float | None
    upper: float | None
    log_ratio: float
    g: float  # Fieller's g: the limits exist only when g < 1 (the slope is significantly non-zero)


@dataclass(frozen=True)
class ParallelLine:
    """The parallel-line analysis: ratios, common slope, residual error, ANOVA and the validity verdicts."""

    ratios: list[Ratio]
    slope: float
    residual_df: int
    residual_ms: float
    anova: list[AnovaRow]
    confidence: float
    validity: dict[str, bool | None]
    n: int


def transform(values: Array, name: str) -> Array:
    """Return the responses transformed (Ph. Eur. 5.3 §3.1.3: ln, log10, square root, square), or raise."""
    if name not in TRANSFORMS:
        raise StatsInputError("transform", f"must be one of {', '.join(TRANSFORMS)}, not {name!r}")
    if name in ("ln", "log10") and bool((values <= 0).any()):
        raise StatsInputError("response", f"the {name} transformation needs every response above 0")
    if name == "sqrt" and bool((values < 0).any()):
        raise StatsInputError("response", "the square-root transformation needs every response at least 0")
    functions: dict[str, Callable[[Array], Any]] = {
        "none": lambda v: v,
        "ln": np.log,
        "log10": np.log10,
        "sqrt": np.sqrt,
        "square": np.square,
    }
    return np.asarray(functions[name](values), dtype=np.float64)


def _dummies(labels: Sequence[str], levels: Sequence[str], *, drop_first: bool) -> Array:
    columns = [[1.0 if label == level else 0.0 for label in labels] for level in levels]
    return np.asarray(columns[1:] if drop_first else columns, dtype=np.float64).reshape(-1, len(labels)).T


def _fit(x: Array, y: Array) -> tuple[Array, float, int]:
    """Return the least-squares coefficients, residual sum of squares and rank of the design x."""
    coef, _, rank, _ = np.linalg.lstsq(x, y, rcond=None)
    residual = y - x @ coef
    return np.asarray(coef, dtype=np.float64), float(residual @ residual), int(rank)


def check_design(preparations: Sequence[str], doses: Array, standard: str, *, zero: bool = False) -> list[str]:
    """Return the preparations, standard first, after checking doses and labels (raises naming the field).

    zero: a dose of 0 (a blank) is allowed, as the log-logistic curve has a value there (its asymptote).
    """
    bad_doses = doses[doses < 0] if zero else doses[doses <= 0]
    if bad_doses.size:
        rule = "at least 0" if zero else "above 0 (potency is estimated on ln dose)"
        raise StatsInputError("dose", f"every dose must be {rule}, not {float(bad_doses[0]):g}")
    levels = list(dict.fromkeys(preparations))
    if standard not in levels:
        raise StatsInputError("standard", f"no preparation {standard!r} in the file (its preparations: {levels})")
    if len(levels) < 2:
        raise StatsInputError("preparation", "needs the standard and at least one test preparation")
    labels = np.asarray(preparations)
    for level in levels:
        if np.unique(doses[(labels == level) & (doses > 0)]).size < 2:
            raise StatsInputError("dose", f"preparation {level!r} needs at least two different doses")
    return [standard] + [p for p in levels if p != standard]


def parallel_line(
    preparations: Sequence[str],
    doses: Array,
    responses: Array,
    *,
    standard: str,
    blocks: Sequence[Sequence[str]] = (),
    block_names: Sequence[str] = (),
    transform_name: str = "none",
    confidence: float = 0.95,
) -> ParallelLine:
    """Return the potency of each test preparation against the standard by the parallel-line model."""
    levels = check_design(preparations, doses, standard)
    y = transform(np.asarray(responses, dtype=np.float64), transform_name)
    x = np.log(doses)
    n = len(y)
    prep = _dummies(preparations, levels, drop_first=False)
    treatments = [f"{p}\x00{d!r}" for p, d in zip(preparations, doses.tolist(), strict=True)]
    treat = _dummies(treatments, list(dict.fromkeys(treatments)), drop_first=False)
    block_parts = [_dummies(b, list(dict.fromkeys(b)), drop_first=True) for b in blocks]
    names = list(block_names) or [f"block {i + 1}" for i in range(len(blocks))]
    sequence = [
        ("preparations", prep),
        ("regression", np.column_stack([prep, x])),
        ("non-parallelism", np.column_stack([prep, prep * x[:, None]])),
        ("non-linearity", treat),
    ]
    for i, name in enumerate(names):
        sequence.append((name, np.column_stack([treat, *block_parts[: i + 1]])))
    fits = [_fit(np.ones((n, 1)), y)] + [_fit(design, y) for _, design in sequence]
    rss_full, rank_full = fits[-1][1], fits[-1][2]
    df_res = n - rank_full
    if df_res < 1:
        raise StatsInputError("file", "has no residual degrees of freedom: replicate at least one treatment")
    s2 = rss_full / df_res
    if rss_full <= 1e-20 * float(y @ y):  # zero up to rounding
        raise StatsInputError(
            "response", "has no residual variation (replicates agree exactly): no error to test against"
        )
    anova = _anova(sequence, fits, s2, df_res)
    model = np.column_stack([prep, x, *block_parts])
    coef, _, _ = _fit(model, y)
    cov = np.linalg.pinv(model.T @ model)
    k = len(levels)
    beta = float(coef[k])
    if beta == 0 or not math.isfinite(beta):
        raise StatsInputError("response", "the common slope is exactly 0: the responses do not change with dose")
    t = float(stats.t.ppf(0.5 + confidence / 2, df_res))
    ratios = [_fieller(levels[j], coef, cov, j, k, s2, t) for j in range(1, k)]
    return ParallelLine(
        ratios=ratios,
        slope=beta,
        residual_df=df_res,
        residual_ms=s2,
        anova=anova,
        confidence=confidence,
        validity=_validity(anova),
        n=n,
    )


def _anova(
    sequence: list[tuple[str, Array]], fits: list[tuple[Array, float, int]], s2: float, df_res: int
) -> list[AnovaRow]:
    rows = []
    for i, (name, _) in enumerate(sequence):
        df = fits[i + 1][2] - fits[i][2]
        if df == 0:
            continue  # two doses per preparation: no test of linearity; no blocks: no block line
        ss = max(fits[i][1] - fits[i + 1][1], 0.0)
        ms = ss / df
        f = ms / s2 if s2 > 0 else math.inf
        rows.append(AnovaRow(name, df, ss, ms, f, float(stats.f.sf(f, df, df_res))))
    rows.append(AnovaRow("residual error", df_res, s2 * df_res, s2, None, None))
    return rows


def _fieller(name: str, coef: Array, cov: Array, j: int, k: int, s2: float, t: float) -> Ratio:
    """Return exp(M) and Fieller's limits for M = (α_j − α_0)/β (Ph. Eur. 5.3 §3.2.5, general form)."""
    beta = float(coef[k])
    a = float(coef[j] - coef[0])
    v11 = float(cov[j, j] + cov[0, 0] - 2 * cov[j, 0])
    v12 = float(cov[j, k] - cov[0, k])
    v22 = float(cov[k, k])
    m = a / beta
    g = t * t * s2 * v22 / (beta * beta)
    if g >= 1:
        return Ratio(name, math.exp(m), None, None, m, g)
    centre = m - g * v12 / v22
    half = (t * math.sqrt(s2) / abs(beta)) * math.sqrt(
        max(v11 - 2 * m * v12 + m * m * v22 - g * (v11 - v12 * v12 / v22), 0.0)
    )
    lower, upper = (centre - half) / (1 - g), (centre + half) / (1 - g)
    return Ratio(name, math.exp(m), math.exp(lower), math.exp(upper), m, g)


def _validity(anova: list[AnovaRow]) -> dict[str, bool | None]:
    """Return the Ph. Eur. 5.3 §3.2.4 checks at 5 %: regression significant, no non-parallelism or non-linearity."""
    p = {row.source: row.p for row in anova}

    def passes(source: str, significant: bool) -> bool | None:
        value = p.get(source)
        if value is None:
            return None
        return value < VALIDITY_ALPHA if significant else value >= VALIDITY_ALPHA

    return {
        "regression_significant": passes("regression", True),
        "parallelism": passes("non-parallelism", False),
        "linearity": passes("non-linearity", False),
    }
