"""`tolerance-factor`: the normal tolerance factor k for n, coverage and confidence; with a CSV, the interval too."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from atmp.stats import plotting, tolerance
from atmp.stats.catalogue import Analysis, Outcome, Param
from atmp.stats.errors import StatsInputError
from atmp.stats.table import Table

METHOD_NAMES = {
    ("one", "exact"): "one-sided exact factor, non-central t",
    ("one", "natrella"): "one-sided factor, Natrella's approximation",
    ("two", "exact"): "two-sided exact factor, Odeh & Owen integral",
    ("two", "howe"): "two-sided factor, Howe's approximation",
}


def compute(table: Table | None, options: dict[str, Any]) -> Outcome:
    """Return k for the options; with a file, also the sample's mean, SD and tolerance interval."""
    coverage, confidence = options["coverage"], options["confidence"]
    sided, method = options["sided"], options["method"]
    label = METHOD_NAMES.get((sided, method), method)
    if table is None:
        if options["value"] is not None:
            raise StatsInputError(
                "value", "names a column, but no file was given: give a CSV file, or leave --value out"
            )
        if options["n"] is None:
            raise StatsInputError("n", "is required without a file: the sample size the factor is for")
        n = options["n"]
        k = tolerance.factor(n, coverage, confidence, sided=sided, method=method)
        document = _factor_document(k, method, coverage, confidence, sided, n)
        # Without data there is nothing to draw: the CLI then says "--plot: this result has no plot".
        return Outcome(document=document, method=f"normal tolerance {label}", variant=f"{sided}-sided", n=n)
    column = options["value"]
    if column is None:
        raise StatsInputError("value", "is required with a file: the column of values the interval is for")
    values = table.numbers(column, option="value")
    if options["n"] is not None and options["n"] != values.size:
        raise StatsInputError(
            "n",
            f"is {options['n']}, but column {column!r} holds {values.size} values; with a file n is the "
            "file's count: leave --n out",
        )
    result = tolerance.interval(values, coverage, confidence, sided=sided, method=method)
    document = _factor_document(result.k, method, coverage, confidence, sided, result.n)
    document["mean"] = result.mean
    document["sd"] = result.sd
    if sided == "two":
        document["interval"] = {"low": result.lower, "high": result.upper}
    else:
        document["interval"] = {"lower_bound": result.lower, "upper_bound": result.upper}
    return Outcome(
        document=document,
        method=f"normal tolerance {label}",
        variant=f"{sided}-sided",
        n=result.n,
        draw=lambda: draw(result, values, column=column),
    )


def _factor_document(k: float, method: str, coverage: float, confidence: float, sided: str, n: int) -> dict[str, Any]:
    return {"k": k, "method": method, "coverage": coverage, "confidence": confidence, "sided": sided, "n": n}


def draw(result: tolerance.ToleranceInterval, values: NDArray[np.float64], *, column: str) -> str:
    """Return a histogram of the values with the tolerance interval (two-sided) or both one-sided bounds."""
    with plotting.figure() as fig:
        ax = fig.add_subplot()
        bins = int(np.clip(np.ceil(np.sqrt(values.size)), 5, 40))
        ax.hist(values, bins=bins, color=plotting.colour(0), alpha=0.55, edgecolor="white")
        ax.plot(values, np.zeros(values.size), "|", color=plotting.colour(0), markersize=12)
        if result.sided == "two":
            ax.axvspan(result.lower, result.upper, color=plotting.colour(2), alpha=0.12, linewidth=0)
            what = f"two-sided interval {result.lower:.4g} to {result.upper:.4g}"
        else:
            what = f"one-sided bounds: lower {result.lower:.4g}, upper {result.upper:.4g} (each a statement of its own)"
        for bound in (result.lower, result.upper):
            ax.axvline(bound, color=plotting.LIMIT, linestyle="--", linewidth=1.2)
        ax.axvline(result.mean, color=plotting.BOUND, linewidth=0.8)
        ax.set_xlabel(f"{column}; solid: mean {result.mean:.4g}, dashed: mean ∓ k·s with k = {result.k:.4f}")
        ax.set_ylabel("count")
        ax.set_title(
            f"Normal tolerance, {result.method} k, n = {result.n}: coverage {result.coverage:.6g}, "
            f"confidence {result.confidence:.6g}\n{what}"
        )
        return plotting.svg(fig)


ANALYSES = (
    Analysis(
        name="tolerance-factor",
        title="Normal tolerance factor and interval",
        summary="The factor k of a normal tolerance interval x̄ ± k·s for a coverage and a confidence "
        "(one-sided exact or Natrella; two-sided exact or Howe); with a CSV, the interval of its values.",
        source="Odeh & Owen (1980); Howe (1969); Natrella (1963); NIST/SEMATECH e-Handbook §7.2.6.3; ISO 16269-6:2014",
        params=(
            Param("value", "column", "the column of values to compute the interval for (with a file)"),
            Param(
                "n",
                "int",
                "the sample size; with a file it is the file's count and may be left out",
                low=tolerance.MIN_N,
                high=tolerance.MAX_N,
            ),
            Param(
                "coverage",
                "float",
                "the proportion P of the population the interval must contain",
                required=True,
                low=tolerance.LOWEST,
                high=tolerance.HIGHEST,
                metavar="P",
            ),
            Param(
                "confidence",
                "float",
                "the confidence γ that it does",
                required=True,
                low=tolerance.LOWEST,
                high=tolerance.HIGHEST,
                metavar="G",
            ),
            Param("sided", "choice", "one- or two-sided", required=True, choices=("one", "two")),
            Param(
                "method",
                "choice",
                "exact (default); howe approximates the two-sided, natrella the one-sided factor",
                default="exact",
                choices=tolerance.METHODS,
            ),
        ),
        compute=compute,
        file="optional",
        plots=True,
        example="tolerance-chrysene.csv",
        example_options={"value": "ln_chrysene_ppb", "coverage": "0.95", "confidence": "0.95", "sided": "one"},
    ),
)
