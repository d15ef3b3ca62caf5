"""Control-chart rules: the eight Nelson (1984) tests for special causes on an individuals chart.

Nelson, L. S. (1984). The Shewhart control chart — tests for special causes. J Qual Technol 16(4):237–239.
The rules and atmp's conventions are stated in /work/shared/REGULATORY.md ("Trend rules for monitoring
data") and explained for users in docs/statistics/control-charts.md. In short, with z = (x − centre)/σ:

1. one point beyond 3σ: |z| > 3;
2. nine points in a row on one side of the centre (z > 0, or z < 0; a point on the centre breaks the run);
3. six points in a row steadily increasing or decreasing: five strict steps (JMP/Minitab/SAS count six
   points); an equal consecutive value breaks the trend;
4. fourteen points in a row alternating up and down: thirteen non-zero steps, each of the opposite sign
   to the one before;
5. two of three points in a row beyond 2σ on the same side; the point that completes the pattern is itself
   beyond 2σ on that side;
6. four of five points in a row beyond 1σ on the same side; the completing point is itself beyond 1σ;
7. fifteen points in a row within 1σ (|z| < 1, either side);
8. eight points in a row beyond 1σ (|z| > 1) with points on both sides of the centre among them.

"Beyond" and "within" are strict. A rule fires at the 0-based index of every point at which its pattern is
complete, so a run that goes on fires at each further point. The chart's centre is the mean of the values
and σ is estimated from the average moving range, σ̂ = MR̄/d2 with d2 = 2/√π, unless either is given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from atmp.stats.errors import StatsInputError

# d2 for moving ranges of two points is the mean range of two independent standard normal values:
# E|Z1 − Z2| = √2 · E|Z| = √2 · √(2/π) = 2/√π = 1.1283791671… Tables print it rounded to 1.128
# (Montgomery, Introduction to Statistical Quality Control, 7th ed. 2013, Appendix Table VI; ASTM E2587's
# table of control-chart constants). The exact value reproduces SAS/QC's published σ̂ for its Jets
# individuals chart (SHEWHART procedure, IRCHART "Saving Control Limits": 4.72032; 1.128 gives 4.72191).
D2_MOVING_RANGE = 2.0 / math.sqrt(math.pi)

# z is rounded before it is compared with a zone boundary, so that a value lying on a boundary in decimal
# arithmetic (centre 0.3, σ 0.1, value 0.6 is exactly 3σ above) is treated as on it, not as binary noise
# puts it (0.6 − 0.3 = 0.29999999999999999 in binary): a point on a boundary is not beyond it.
ZONE_DIGITS = 9

RULES: dict[int, str] = {
    1: "one point beyond 3σ",
    2: "nine points in a row on one side of the centre",
    3: "six points in a row steadily increasing or decreasing",
    4: "fourteen points in a row alternating up and down",
    5: "two of three points in a row beyond 2σ on the same side",
    6: "four of five points in a row beyond 1σ on the same side",
    7: "fifteen points in a row within 1σ",
    8: "eight points in a row beyond 1σ on both sides of the centre",
}
# The fewest points in which each rule's pattern can be complete (rules 5 and 6 count the completing
# point's neighbours that exist: the first two points of a series can make "two of three").
MINIMUM_POINTS: dict[int, int] = {1: 1, 2: 9, 3: 6, 4: 14, 5: 2, 6: 4, 7: 15, 8: 8}

RUN_SAME_SIDE = 9  # rule 2
TREND_STEPS = 5  # rule 3: six points, five steps
ALTERNATIONS = 12  # rule 4: fourteen points, thirteen steps, twelve changes of direction
RUN_WITHIN_ONE = 15  # rule 7
RUN_BEYOND_ONE = 8  # rule 8


@dataclass(frozen=True)
class Violation:
    """A rule whose pattern is complete at the point with this 0-based index."""

    rule: int
    index: int


@dataclass(frozen=True)
class IndividualsChart:
    """An individuals chart: the values, its centre and σ (each given or estimated) and the rule violations."""

    values: tuple[float, ...]
    centre: float
    sigma: float
    centre_estimated: bool
    sigma_estimated: bool
    violations: tuple[Violation, ...]

    @property
    def n(self) -> int:
        """Return the number of points."""
        return len(self.values)

    @property
    def lcl(self) -> float:
        """Return the lower control limit, centre − 3σ."""
        return self.centre - 3.0 * self.sigma

    @property
    def ucl(self) -> float:
        """Return the upper control limit, centre + 3σ."""
        return self.centre + 3.0 * self.sigma

    def rules_needing_more_points(self) -> list[int]:
        """Return the rules whose pattern needs more points than the chart has, so they cannot fire."""
        return [rule for rule, points in MINIMUM_POINTS.items() if points > self.n]


def average_moving_range(values: ArrayLike) -> float:
    """Return MR̄ = Σ|x_i − x_{i−1}| / (n − 1), the mean of the n − 1 moving ranges of two points."""
    x = np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.mean(np.abs(np.diff(x))))


def estimate_sigma(values: ArrayLike, *, field: str = "values") -> float:
    """Return σ̂ = MR̄ / d2 with d2 = 2/√π, refusing fewer than 2 values and values that never change.

    Montgomery (2013) §6.4, the individuals chart: σ from the average moving range of span 2.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.size < 2:
        raise StatsInputError(
            field,
            f"has {x.size} value; estimating σ from the average moving range needs at least 2 values (or give --sigma)",
        )
    mr_bar = average_moving_range(x)
    if not math.isfinite(mr_bar):
        raise StatsInputError(field, "the values differ by more than a floating-point number can hold")
    if mr_bar == 0.0:
        raise StatsInputError(
            field,
            f"all {x.size} values are equal (every moving range is 0), so σ cannot be estimated; "
            "a control chart needs values that vary (or give --sigma)",
        )
    return mr_bar / D2_MOVING_RANGE


def individuals_chart(
    values: Sequence[float] | NDArray[np.float64],
    *,
    centre: float | None = None,
    sigma: float | None = None,
    field: str = "values",
) -> IndividualsChart:
    """Return the individuals chart of the values (in time order) and every Nelson rule violation.

    centre = x̄ = Σx_i / n unless given; σ = MR̄ / d2 (d2 = 2/√π) unless given (Montgomery 2013 §6.4);
    the rules are Nelson's (1984) with the conventions of the module docstring.
    `field` names the option that carried the values, for messages.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise StatsInputError(field, "has no values; a control chart needs at least one value in time order")
    if not bool(np.isfinite(x).all()):
        raise StatsInputError(field, "contains a value that is not a finite number")
    if sigma is not None and not (math.isfinite(sigma) and sigma > 0):
        raise StatsInputError("sigma", f"must be a finite number above 0, not {sigma:g}")
    if centre is not None and not math.isfinite(centre):
        raise StatsInputError("centre", f"must be a finite number, not {centre:g}")
    centre_estimated = centre is None
    sigma_estimated = sigma is None
    if centre is None:
        with np.errstate(over="ignore"):
            centre = float(np.mean(x))
        if not math.isfinite(centre):
            raise StatsInputError(field, "the values are too large for their mean to be a floating-point number")
    if sigma is None:
        sigma = estimate_sigma(x, field=field)
    if not (math.isfinite(centre - 3.0 * sigma) and math.isfinite(centre + 3.0 * sigma)):
        raise StatsInputError("sigma", "the control limits centre ± 3σ are too large for a floating-point number")
    found = violations(x, centre=centre, sigma=sigma, field=field)
    return IndividualsChart(
        values=tuple(float(v) for v in x),
        centre=centre,
        sigma=sigma,
        centre_estimated=centre_estimated,
        sigma_estimated=sigma_estimated,
        violations=found,
    )


def zone_scores(values: ArrayLike, *, centre: float, sigma: float) -> NDArray[np.float64]:
    """Return z = (x − centre)/σ, rounded to ZONE_DIGITS decimals, the distance from the centre in σ."""
    x = np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        z = (x - centre) / sigma
    # Only the boundaries at 0, ±1, ±2 and ±3 matter, and rounding a huge z would overflow.
    near = np.abs(z) < 4
    z[near] = np.round(z[near], ZONE_DIGITS)
    return z


def rule_flags(values: ArrayLike, *, centre: float, sigma: float) -> dict[int, NDArray[np.bool_]]:
    """Return, for each rule 1–8, a boolean array: True at every point where the rule's pattern is complete.

    The patterns are Nelson's (1984) with the conventions of the module docstring; each is computed over
    the whole series at once from run lengths and window counts.
    """
    x = np.asarray(values, dtype=np.float64)
    return _flags(x, zone_scores(x, centre=centre, sigma=sigma))


def _flags(x: NDArray[np.float64], z: NDArray[np.float64]) -> dict[int, NDArray[np.bool_]]:
    n = x.size
    # The direction of each step into point i (i ≥ 1): +1 up, −1 down, 0 level. sign() never underflows,
    # where a product of two tiny steps could round to 0.
    step = np.zeros(n, dtype=np.int8)
    if n > 1:
        with np.errstate(over="ignore"):  # a step too large for a float is still a step up or down
            step[1:] = np.sign(np.diff(x)).astype(np.int8)
    above, below = z > 0, z < 0
    up1, down1 = z > 1, z < -1
    up2, down2 = z > 2, z < -2
    flags: dict[int, NDArray[np.bool_]] = {}
    # Rule 1 (Nelson 1984, test 1): beyond the 3σ limits, strictly.
    flags[1] = np.abs(z) > 3
    # Rule 2 (test 2): the run on one side ending here has at least nine points.
    flags[2] = (_runs(above) >= RUN_SAME_SIDE) | (_runs(below) >= RUN_SAME_SIDE)
    # Rule 3 (test 3): five strict steps in one direction end here; a level step breaks the trend.
    flags[3] = (_runs(step > 0) >= TREND_STEPS) | (_runs(step < 0) >= TREND_STEPS)
    # Rule 4 (test 4): the step into this point is non-zero and opposite to the step before, twelve
    # times in a row (thirteen alternating steps, fourteen points).
    turns = np.zeros(n, dtype=bool)
    if n > 2:
        turns[2:] = (step[2:] * step[1:-1]) == -1
    flags[4] = _runs(turns) >= ALTERNATIONS
    # Rules 5 and 6 (tests 5, 6): this point is beyond kσ on one side and enough of the points just
    # before it (those that exist) are beyond kσ on the same side.
    flags[5] = (up2 & (_before(up2, 2) >= 1)) | (down2 & (_before(down2, 2) >= 1))
    flags[6] = (up1 & (_before(up1, 4) >= 3)) | (down1 & (_before(down1, 4) >= 3))
    # Rule 7 (test 7): fifteen in a row strictly within 1σ.
    flags[7] = _runs(np.abs(z) < 1) >= RUN_WITHIN_ONE
    # Rule 8 (test 8): at least eight in a row beyond 1σ, and that run holds points on both sides.
    outside = np.abs(z) > 1
    run = _runs(outside)
    start = np.arange(n) - run + 1
    ups = _count_between(up1, start)
    downs = _count_between(down1, start)
    flags[8] = (run >= RUN_BEYOND_ONE) & (ups >= 1) & (downs >= 1)
    return flags


def violations(values: ArrayLike, *, centre: float, sigma: float, field: str = "values") -> tuple[Violation, ...]:
    """Return every (rule, index) at which a Nelson rule's pattern is complete, by index then rule."""
    x = np.asarray(values, dtype=np.float64)
    z = zone_scores(x, centre=centre, sigma=sigma)
    if not bool(np.isfinite(z).all()):
        raise StatsInputError(field, "a value is too far from the centre, in σ, for a floating-point number")
    flags = _flags(x, z)
    table = np.stack([flags[rule] for rule in sorted(flags)], axis=1)  # one row per point, one column per rule
    points, columns = np.nonzero(table)  # row-major: by index, then by rule
    return tuple(Violation(rule=int(c) + 1, index=int(i)) for i, c in zip(points, columns, strict=True))


def _runs(flags: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Return, at each position, how many consecutive True values end there (0 where False)."""
    index = np.arange(flags.size)
    last_false = np.maximum.accumulate(np.where(flags, -1, index))
    return index - last_false


def _before(flags: NDArray[np.bool_], k: int) -> NDArray[np.int64]:
    """Return, at each position i, how many of the k positions before it (those that exist) are True."""
    totals = np.concatenate(([0], np.cumsum(flags, dtype=np.int64)))
    index = np.arange(flags.size)
    return totals[index] - totals[np.maximum(index - k, 0)]


def _count_between(flags: NDArray[np.bool_], start: NDArray[np.int64]) -> NDArray[np.int64]:
    """Return, at each position i, how many positions start[i]…i are True."""
    totals = np.concatenate(([0], np.cumsum(flags, dtype=np.int64)))
    index = np.arange(flags.size)
    return totals[index + 1] - totals[start]
