"""`potency` and `potency-combine`: relative potency of a bioassay, and the combination of independent runs."""

from __future__ import annotations

from typing import Any

import numpy as np

from atmp.stats import potency as rp
from atmp.stats.catalogue import Analysis, Outcome, Param
from atmp.stats.errors import StatsInputError
from atmp.stats.potency_logistic import Curves
from atmp.stats.potency_pla import TRANSFORMS, check_design, transform
from atmp.stats.table import Table

MODELS = ("parallel_line", "four_pl", "three_pl")
PARAMS = (
    Param("preparation", "column", "the column naming each response's preparation (standard or test)", required=True),
    Param("dose", "column", "the column of doses (or dilutions, or concentrations), all above 0", required=True),
    Param("response", "column", "the column of responses", required=True),
    Param("standard", "text", "the label of the standard preparation in the preparation column", required=True),
    Param("block", "column", "the column of blocks (randomised block design)"),
    Param("row", "column", "the column of rows (Latin square: give --column too)"),
    Param("column", "column", "the column of columns (Latin square: give --row too)"),
    Param(
        "transform",
        "choice",
        "transformation of the response (Ph. Eur. 5.3 §3.1.3)",
        default="none",
        choices=TRANSFORMS,
    ),
    Param(
        "model",
        "choice",
        "parallel lines on ln dose, or parallel 4- or 3-parameter log-logistic curves",
        default="parallel_line",
        choices=MODELS,
    ),
    Param("lower_asymptote", "float", "three_pl: the fixed lower asymptote c", default=0.0),
    Param(
        "slope_ratio_low",
        "float",
        "four_pl/three_pl: lower equivalence margin of the slope ratio",
        low=0,
        open_low=True,
    ),
    Param(
        "slope_ratio_high",
        "float",
        "four_pl/three_pl: upper equivalence margin of the slope ratio",
        low=0,
        open_low=True,
    ),
    Param(
        "asymptote_margin",
        "float",
        "four_pl/three_pl: equivalence margin of the asymptote differences (±)",
        low=0,
        open_low=True,
    ),
)


def _blocks(table: Table, options: dict[str, Any]) -> tuple[list[list[str]], list[str]]:
    if options["block"] and (options["row"] or options["column"]):
        raise StatsInputError("block", "give either --block or --row with --column, not both")
    if bool(options["row"]) != bool(options["column"]):
        raise StatsInputError("row" if options["column"] else "column", "a Latin square needs both --row and --column")
    names = [options[n] for n in ("block", "row", "column") if options[n]]
    return [table.labels(n, option=k) for n, k in zip(names, ("block", "row", "column"), strict=False)], names


def compute(table: Table | None, options: dict[str, Any]) -> Outcome:
    """Read preparation, dose and response (and blocks) and estimate each test preparation's potency ratio."""
    assert table is not None  # the catalogue requires the file
    preparations = table.labels(options["preparation"], option="preparation")
    doses = table.numbers(options["dose"], option="dose")
    responses = table.numbers(options["response"], option="response")
    if options["model"] == "parallel_line":
        blocks, names = _blocks(table, options)
        result = rp.parallel_line(
            preparations,
            doses,
            responses,
            standard=options["standard"],
            blocks=blocks,
            block_names=names,
            transform_name=options["transform"],
        )
        return Outcome(
            document=_pla_document(result),
            method="Parallel-line assay (Ph. Eur. 5.3 §3.2)",
            variant=f"transform {options['transform']}; Fieller 95 % limits; ANOVA residual error",
            n=result.n,
        )
    if options["block"] or options["row"] or options["column"]:
        raise StatsInputError("model", f"{options['model']} takes no blocks (use parallel_line for a blocked design)")
    check_design(preparations, doses, options["standard"], zero=True)
    low, high = options["slope_ratio_low"], options["slope_ratio_high"]
    if (low is None) != (high is None):
        raise StatsInputError("slope_ratio_low", "give both slope-ratio margins or neither")
    logistic = rp.relative_potency(
        preparations,
        doses,
        transform(responses, options["transform"]),
        standard=options["standard"],
        fixed_c=options["lower_asymptote"] if options["model"] == "three_pl" else None,
        slope_ratio_margin=None if low is None else (low, high),
        asymptote_margin=options["asymptote_margin"],
    )
    return Outcome(
        document=_logistic_document(logistic, options["standard"]),
        method="Parallel log-logistic curves (USP <1034>, Ph. Eur. 5.3 §3.4)",
        variant=f"{logistic.model}; 95 % Wald limits on ln potency (delta method)",
        n=len(responses),
    )


def _pla_document(result: rp.ParallelLine) -> dict[str, Any]:
    return {
        "preparations": {
            r.preparation: {
                "potency_ratio": r.potency_ratio,
                "lower": r.lower,
                "upper": r.upper,
                "log_ratio": r.log_ratio,
                "g": r.g,
            }
            for r in result.ratios
        },
        "residual_df": result.residual_df,
        "residual_ms": result.residual_ms,
        "slope": result.slope,
        "anova": [{"source": a.source, "df": a.df, "ss": a.ss, "ms": a.ms, "f": a.f, "p": a.p} for a in result.anova],
        "validity": result.validity,
        "valid": all(v is not False for v in result.validity.values()),
    }


def _curves(curves: Curves) -> dict[str, Any]:
    return {
        p: {"b": float(curves.b[k]), "c": float(curves.c[k]), "d": float(curves.d[k]), "ed50": float(curves.e[k])}
        for k, p in enumerate(curves.preparations)
    }


def _logistic_document(result: rp.Logistic, standard: str) -> dict[str, Any]:
    common = result.constrained
    return {
        "preparations": {p: {"potency_ratio": r[0], "lower": r[1], "upper": r[2]} for p, r in result.ratios.items()},
        "residual_df": common.df,
        "residual_ms": common.s2,
        "slope": float(common.b[0]),
        "parallelism": {"f": result.f, "df": list(result.f_df), "p": result.p, "equivalence": result.equivalence},
        "curves": {"parallel": _curves(common), "separate": _curves(result.unconstrained)},
        "validity": {"parallelism_f_test": result.p >= 0.05},
        "valid": result.p >= 0.05 and all(e["equivalent"] is not False for e in result.equivalence.values()),
    }


COMBINE = (
    Param("run", "column", "the column naming each run", default="run"),
    Param("potency", "column", "the column of each run's potency estimate", default="potency"),
    Param("lower", "column", "the column of each run's lower 95 % limit", default="lower"),
    Param("upper", "column", "the column of each run's upper 95 % limit", default="upper"),
    Param("df", "column", "the column of each run's residual degrees of freedom (normal quantile if not given)"),
)


def combine(table: Table | None, options: dict[str, Any]) -> Outcome:
    """Combine the runs' potencies into a weighted (or semi-weighted) geometric mean."""
    assert table is not None
    runs = table.labels(options["run"], option="run")
    values = {k: table.numbers(options[k], option=k) for k in ("potency", "lower", "upper")}
    dfs = None if options["df"] is None else table.numbers(options["df"], option="df")
    if dfs is not None and bool((dfs < 1).any()):
        raise StatsInputError("df", "every run's degrees of freedom must be at least 1")
    result = rp.combine_runs(values["potency"], values["lower"], values["upper"], dfs=dfs)
    document = {
        "potency": result.potency,
        "lower": result.lower,
        "upper": result.upper,
        "method": result.method,
        "homogeneity": {"chi_square": result.chi_square, "df": result.chi_square_df, "p": result.p_homogeneity},
        "weights": dict(zip(runs, result.weights, strict=True)),
    }
    return Outcome(
        document=document,
        method="Combination of assays (Ph. Eur. 5.3 §6.2)",
        variant=f"{result.method} geometric mean, weights 1/var(ln potency)",
        n=int(np.size(runs)),
    )


ANALYSES = (
    Analysis(
        name="potency",
        title="Relative potency (Ph. Eur. 5.3)",
        summary=(
            "Potency ratio of each test preparation to the standard, with 95 % limits, by parallel lines "
            "(ANOVA with tests of parallelism and linearity, Fieller limits) or parallel 4PL/3PL curves."
        ),
        source="Ph. Eur. 5.3 §3.2, §3.4; USP <1032>/<1034>; EDQM CombiStats",
        params=PARAMS,
        compute=compute,
        example="pheur_5_1_3_antibiotic_turbidimetric_rbd.csv",
        example_options={
            "preparation": "preparation",
            "dose": "dose",
            "response": "response",
            "standard": "S",
            "block": "block",
        },
    ),
    Analysis(
        name="potency-combine",
        title="Combination of potency runs (Ph. Eur. 5.3 §6)",
        summary="Weighted geometric mean of independent potency estimates, with the test of homogeneity.",
        source="Ph. Eur. 5.3 §6.2",
        params=COMBINE,
        compute=combine,
        # Illustrative, not published: run 1 is Ph. Eur. 5.3 example 5.1.3, runs 2 and 3 are invented.
        example="potency-combine-illustrative.csv",
        example_options={"df": "df"},
    ),
)
