"""`shelf-life`: the ICH Q1E shelf life of stability data, read from a CSV of batch, time and value."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from atmp.stats import plotting
from atmp.stats import shelf_life as q1e
from atmp.stats.catalogue import Analysis, Outcome, Param
from atmp.stats.report import number_or_word
from atmp.stats.table import Table

PARAMS = (
    Param("batch", "column", "the column naming each result's batch", required=True),
    Param(
        "time",
        "column",
        "the column of times since the start of the study, in any unit (months, typically); "
        "shelf lives are given in the same unit",
        required=True,
    ),
    Param("value", "column", "the column of the attribute measured (potency, an impurity, moisture…)", required=True),
    Param("lower", "float", "the lower acceptance criterion, taken as written (95 means 95.000)", metavar="L"),
    Param("upper", "float", "the upper acceptance criterion, taken as written", metavar="U"),
    Param(
        "alpha",
        "float",
        "1 − the confidence of the bound: 0.05 gives a one-sided 95 % bound (two-sided with both limits)",
        default=0.05,
        low=0,
        high=0.5,
        open_low=True,
        open_high=True,
    ),
    Param(
        "pool_alpha",
        "float",
        "the significance level of the poolability tests (ICH Q1E: 0.25)",
        default=0.25,
        low=0,
        high=1,
        open_low=True,
        open_high=True,
    ),
)
LEGEND_BATCHES = 12  # more batches than this are drawn but not named in the legend, which would swamp the plot


def compute(table: Table | None, options: dict[str, Any]) -> Outcome:
    """Read the batch, time and value columns and estimate the shelf life."""
    assert table is not None  # the catalogue requires the file
    batches = table.labels(options["batch"], option="batch")
    times = table.numbers(options["time"], option="time")
    values = table.numbers(options["value"], option="value")
    result = q1e.shelf_life(
        batches,
        times,
        values,
        lower=options["lower"],
        upper=options["upper"],
        alpha=options["alpha"],
        pool_alpha=options["pool_alpha"],
    )
    ancova = result.ancova
    pooled = result.shelf_life_pooled_mse
    document = {
        "model": result.model,
        "shelf_life": number_or_word(result.shelf_life),
        "governing_batch": result.governing_batch,
        "shelf_life_pooled_mse": None if pooled is None else number_or_word(pooled),
        "limits": {"lower": result.limits["lower"], "upper": result.limits["upper"]},
        "p_slopes": None if ancova is None else ancova.p_slopes,
        "p_intercepts": None if ancova is None else ancova.p_intercepts,
        "f_slopes": None if ancova is None else ancova.f_slopes,
        "f_intercepts": None if ancova is None else ancova.f_intercepts,
        "batches": {
            b.batch: {"intercept": b.line.intercept, "slope": b.line.slope, "n": b.n, "shelf_life": b.shelf_life}
            for b in result.batches
        },
    }
    sides = "two-sided" if result.two_sided else "one-sided"
    variant = f"{result.model}; {sides} {100 * (1 - result.alpha):g} % confidence bound of the mean"
    return Outcome(
        document=document,
        method="ICH Q1E shelf life: linear regression, ANCOVA poolability, confidence bound crossing",
        variant=variant,
        n=len(values),
        draw=lambda: draw(result, times, values, batches, time_name=options["time"], value_name=options["value"]),
    )


def draw(
    result: q1e.ShelfLife,
    times: NDArray[np.float64],
    values: NDArray[np.float64],
    batches: list[str],
    *,
    time_name: str,
    value_name: str,
) -> str:
    """Return the data by batch, each batch's fitted line, the governing bound, the limits and the shelf life."""
    labels = np.asarray(batches)
    t_max = float(times.max())
    finite = math.isfinite(result.shelf_life)
    # Show the crossing, but not so far out that the data shrink to a corner: 4× the study at most.
    reach = min(result.shelf_life, 4 * t_max) if finite else 1.5 * t_max
    x_end = max(t_max, reach) * 1.08 or 1.0
    grid = np.linspace(0.0, x_end, 400)
    governing = _governing(result)
    with plotting.figure(width=7.5, height=4.6) as fig:
        ax = fig.add_subplot()
        for i, b in enumerate(result.batches):
            colour = plotting.colour(i)
            label = b.batch if i < LEGEND_BATCHES else None
            mine = labels == b.batch
            ax.scatter(times[mine], values[mine], s=16, color=colour, label=label, zorder=3)
            if result.model != "cics":
                ax.plot(grid, b.line.fitted(grid), color=colour, linewidth=1.2)
        if result.model == "cics":
            ax.plot(grid, governing.line.fitted(grid), color="#000000", linewidth=1.4, label="pooled fit")
        sided = "two-sided" if result.two_sided else "one-sided"
        confidence = f"{100 * (1 - result.alpha):g} %"
        if result.model == "cics" or result.governing_batch is not None:
            shown, whose = (
                [(governing, plotting.BOUND)],
                "pooled fit" if result.model == "cics" else f"batch {governing.batch}",
            )
        else:  # no limit reached: no batch governs, so every batch's bound is drawn in its colour
            shown, whose = [(b, plotting.colour(i)) for i, b in enumerate(result.batches)], "each batch"
        one_side = "lower" if result.upper is None else "upper"
        bounds = f"{confidence} {sided} {'bounds' if result.two_sided else one_side + ' bound'} ({whose})"
        for side, limit in (("lower", result.lower), ("upper", result.upper)):
            if limit is None:
                continue
            for j, (b, colour) in enumerate(shown):
                first = j == 0 and (side == "lower" or result.lower is None)
                ax.plot(
                    grid,
                    b.line.bound(grid, side, result.quantiles[b.batch]),  # type: ignore[arg-type]
                    color=colour,
                    linestyle="--",
                    linewidth=1.2,
                    label=bounds if first else None,
                )
            ax.axhline(limit, color=plotting.LIMIT, linestyle="-", linewidth=1.2, label=f"{side} limit {limit:g}")
        if finite:
            ax.axvline(
                result.shelf_life,
                color="#000000",
                linestyle=":",
                linewidth=1.4,
                label=f"shelf life {result.shelf_life:.4g}",
            )
        ax.set_xlim(0.0, x_end)
        ax.set_xlabel(f"{time_name} (the file's time unit)")
        ax.set_ylabel(value_name)
        ax.set_title(_title(result))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        return plotting.svg(fig)


def _governing(result: q1e.ShelfLife) -> q1e.BatchResult:
    for b in result.batches:
        if b.batch == result.governing_batch:
            return b
    return result.batches[0]  # cics: every batch shows the common line


def _title(result: q1e.ShelfLife) -> str:
    names = {"cics": "common intercept and slope", "dics": "separate intercepts, common slope"}
    names |= {"dids": "separate lines", "single": "one batch"}
    model = f"{result.model} ({names[result.model]})"
    if not math.isfinite(result.shelf_life):
        return f"Shelf life (ICH Q1E), {model}: no limit reached by the bound"
    governed = f", governed by {result.governing_batch}" if result.governing_batch else ""
    pooled = result.shelf_life_pooled_mse
    if pooled is not None:
        governed += f" (with the pooled error: {pooled:.4g})" if math.isfinite(pooled) else ""
    return f"Shelf life (ICH Q1E) {result.shelf_life:.4g}, {model}{governed}"


ANALYSES = (
    Analysis(
        name="shelf-life",
        title="Shelf life (ICH Q1E)",
        summary=(
            "Time at which the confidence bound of the mean regression line meets the acceptance criterion, "
            "after testing whether batches pool; times in the file's unit."
        ),
        source="ICH Q1E (2003) Appendix B; LeBlond, Griffith & Aubuchon, J Valid Technol 17(3):47-68 (2011)",
        params=PARAMS,
        compute=compute,
        plots=True,
        example="shelf-life-leblond-2011-dics.csv",
        example_options={"batch": "batch", "time": "month", "value": "potency", "lower": "95"},
    ),
)
