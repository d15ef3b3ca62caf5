"""`trend`: the eight Nelson rules on an individuals chart, from a CSV column or a list of values."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from atmp.stats import control_rules, plotting
from atmp.stats.catalogue import Analysis, Outcome, Param
from atmp.stats.control_rules import IndividualsChart
from atmp.stats.errors import StatsInputError
from atmp.stats.table import Table

SERIES = "trend needs one series in time order: a FILE with --value COL, or --values V1,V2,…"
LABELLED_POINTS = 80  # beyond this many flagged points, rule numbers are shown by colour and shape only
SERIES_COLOUR = "#777777"
# A colour (Okabe & Ito 2008, plotting.PALETTE) and a shape for each rule, so that rules stay apart in
# print and for colour-vision deficiencies; a point is drawn with its lowest-numbered rule, as Minitab does.
RULE_STYLE: dict[int, tuple[str, str]] = {
    1: (plotting.PALETTE[5], "o"),
    2: (plotting.PALETTE[0], "s"),
    3: (plotting.PALETTE[2], "^"),
    4: (plotting.PALETTE[3], "D"),
    5: (plotting.PALETTE[1], "v"),
    6: (plotting.PALETTE[4], "P"),
    7: (plotting.PALETTE[7], "X"),
    8: (plotting.PALETTE[6], "*"),
}


def read_series(table: Table | None, options: dict[str, Any]) -> tuple[NDArray[np.float64], str]:
    """Return the values in time order and the option that carried them; exactly one source is allowed."""
    column, listed = options.get("value"), options.get("values")
    if table is not None and listed is not None:
        raise StatsInputError("values", f"was given with a FILE; {SERIES}, not both")
    if table is None and listed is None:
        if column is not None:
            raise StatsInputError("value", f"names a column, but no FILE was given; {SERIES}")
        raise StatsInputError("values", f"no values were given; {SERIES}")
    if table is not None:
        if column is None:
            known = ", ".join(repr(c) for c in table.columns)
            raise StatsInputError("value", f"is required with a FILE: name the column of values (its columns: {known})")
        return table.numbers(column, option="value"), "value"
    if column is not None:
        raise StatsInputError("value", f"names a column of a FILE, but --values was given; {SERIES}")
    return np.asarray(listed, dtype=np.float64), "values"


def compute(table: Table | None, options: dict[str, Any]) -> Outcome:
    """Draw the individuals chart and apply the eight Nelson rules."""
    values, field = read_series(table, options)
    chart = control_rules.individuals_chart(values, centre=options["centre"], sigma=options["sigma"], field=field)
    document = {
        "centre": chart.centre,
        "sigma": chart.sigma,
        "violations": [{"rule": v.rule, "index": v.index} for v in chart.violations],
        "n": chart.n,
        "centre_estimated": chart.centre_estimated,
        "sigma_estimated": chart.sigma_estimated,
        "limits": {"lcl": chart.lcl, "ucl": chart.ucl},
        "rules_needing_more_points": chart.rules_needing_more_points(),
    }
    centre = "mean of the values" if chart.centre_estimated else "given"
    sigma = "average moving range / d2, d2 = 2/√π" if chart.sigma_estimated else "given"
    return Outcome(
        document=document,
        method="Nelson (1984) tests for special causes, individuals chart",
        variant=f"centre: {centre}; sigma: {sigma}",
        n=chart.n,
        draw=lambda: draw(chart),
    )


def draw(chart: IndividualsChart) -> str:
    """Return the individuals chart: zones A/B/C shaded, centre and 3σ limits, violations marked by rule."""
    n = chart.n
    x = np.arange(n)
    y = np.asarray(chart.values)
    flagged: dict[int, list[int]] = {}
    for v in chart.violations:
        flagged.setdefault(v.index, []).append(v.rule)
    c, s = chart.centre, chart.sigma
    with plotting.figure(width=min(7.0 + n / 60, 16.0), height=4.6) as fig:
        ax = fig.add_subplot()
        # Zones (Nelson 1984, after Western Electric 1956): C within 1σ, B 1–2σ, A 2–3σ, on each side.
        for k, zone, colour in (
            (1, "C", plotting.colour(2)),
            (2, "B", plotting.colour(6)),
            (3, "A", plotting.colour(1)),
        ):
            for sign in (1, -1):
                ax.axhspan(c + sign * (k - 1) * s, c + sign * k * s, color=colour, alpha=0.14, linewidth=0)
                ax.text(
                    1.005, c + sign * (k - 0.5) * s, zone, transform=ax.get_yaxis_transform(), va="center", fontsize=7
                )
        ax.axhline(c, color=plotting.BOUND, linewidth=1)
        for limit in (chart.lcl, chart.ucl):
            ax.axhline(limit, color=plotting.LIMIT, linestyle="--", linewidth=1)
        for label, level in (("UCL", chart.ucl), ("CL", c), ("LCL", chart.lcl)):
            ax.text(1.005, level, f"{label} {level:.4g}", transform=ax.get_yaxis_transform(), va="center", fontsize=7)
        marker = "o" if n <= 400 else None
        ax.plot(x, y, color=SERIES_COLOUR, linewidth=0.8, marker=marker, markersize=3 if n <= 100 else 1.8)
        if flagged:
            first_rule = {i: min(rules) for i, rules in flagged.items()}
            for rule in sorted(set(first_rule.values())):
                points = [i for i, r in first_rule.items() if r == rule]
                colour, shape = RULE_STYLE[rule]
                ax.scatter(
                    points,
                    y[points],
                    s=36,
                    marker=shape,
                    color=colour,
                    edgecolors="#222222",
                    linewidths=0.6,
                    zorder=3,
                    label=f"rule {rule}: {control_rules.RULES[rule]}",
                )
            if len(flagged) <= LABELLED_POINTS:
                for i, rules in flagged.items():
                    above = y[i] >= c
                    ax.annotate(
                        ",".join(str(r) for r in rules),
                        (i, y[i]),
                        xytext=(0, 6 if above else -6),
                        textcoords="offset points",
                        ha="center",
                        va="bottom" if above else "top",
                        fontsize=7,
                        color="#222222",
                    )
            ax.legend(loc="upper left", bbox_to_anchor=(0, -0.14), ncol=2, fontsize=7, frameon=False)
        ax.set_xlim(-0.5 - n * 0.01, n - 0.5 + n * 0.01)
        from matplotlib.ticker import MaxNLocator  # matplotlib loads only when a plot is drawn

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("point (0-based index, in time order)")
        ax.set_ylabel("value")
        count, marked = len(chart.violations), len(flagged)
        estimated = " (estimated)" if chart.sigma_estimated else ""
        ax.set_title(
            f"Individuals chart: centre {c:.6g}, σ {s:.4g}{estimated}; "
            f"{count} rule violation{'' if count == 1 else 's'} at {marked} point{'' if marked == 1 else 's'}"
        )
        return plotting.svg(fig)


ANALYSES = (
    Analysis(
        name="trend",
        title="Control-chart rules (Nelson)",
        summary="Individuals chart with the eight Nelson rules: the points where a special-cause pattern is complete.",
        source=(
            "Nelson (1984) J Qual Technol 16:237–239; σ = average moving range / d2, d2 = 2/√π "
            "(Montgomery 2013 §6.4 and Appendix VI)"
        ),
        params=(
            Param("value", "column", "the column of values, in time order (with FILE)"),
            Param("values", "floats", "the values in time order, instead of a FILE", metavar="V1,V2,…"),
            Param("centre", "float", "the centre line; the mean of the values when not given", metavar="C"),
            Param(
                "sigma",
                "float",
                "the process standard deviation; the average moving range / d2 (2/√π ≈ 1.128) when not given",
                low=0,
                open_low=True,
                metavar="S",
            ),
        ),
        compute=compute,
        file="optional",
        plots=True,
        example="trend-gap-width.csv",
        example_options={"value": "mean", "centre": "259.6667", "sigma": "5.8596"},
    ),
)
