"""`tost` and `quality-range`: comparability of test and reference groups read from one CSV column pair."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from atmp.stats import equivalence, plotting
from atmp.stats.catalogue import Analysis, Outcome, Param
from atmp.stats.errors import StatsInputError
from atmp.stats.table import Table

LISTED = 10  # names or keys a message lists before "and N more"

GROUP = Param("group", "column", "the column that names each row's group", required=True)
VALUE = Param("value", "column", "the column of measured values", required=True)
TEST = Param("test", "text", "the test group's name in the group column", required=True, metavar="NAME")
REFERENCE = Param("reference", "text", "the reference group's name in the group column", required=True, metavar="NAME")


@dataclass(frozen=True)
class Groups:
    """The test and reference rows of a table (positions in file order), their values and file lines."""

    test: NDArray[np.float64]
    reference: NDArray[np.float64]
    test_rows: NDArray[np.intp]
    reference_rows: NDArray[np.intp]
    test_lines: NDArray[np.int64]
    reference_lines: NDArray[np.int64]
    test_name: str
    reference_name: str


def read_groups(table: Table, options: dict[str, Any], *, log: bool = False) -> Groups:
    """Return the values of the test and reference groups, refusing unknown or identical group names."""
    column = options["group"]
    labels = np.asarray(table.labels(column, option="group"))
    values = table.numbers(options["value"], option="value")
    lines = np.asarray(table.lines, dtype=np.int64)
    test_name, reference_name = options["test"], options["reference"]
    if test_name == reference_name:
        raise StatsInputError("reference", f"is the test group {test_name!r} too: name two different groups")
    rows = {}
    for role, name in (("test", test_name), ("reference", reference_name)):
        found = np.flatnonzero(labels == name)
        if found.size == 0:
            found_groups = np.unique(labels)
            known = _listing([repr(str(g)) for g in found_groups[:LISTED]], found_groups.size)
            raise StatsInputError(role, f"no group {name!r} in column {column!r} (its groups: {known})")
        rows[role] = found
    test, reference = values[rows["test"]], values[rows["reference"]]
    if log:
        # Only the two groups' rows: other groups may hold values a logarithm is not defined for.
        _check_positive(table, options["value"], values, np.concatenate((rows["test"], rows["reference"])))
        test, reference = np.log(test), np.log(reference)
    return Groups(
        test=test,
        reference=reference,
        test_rows=rows["test"],
        reference_rows=rows["reference"],
        test_lines=lines[rows["test"]],
        reference_lines=lines[rows["reference"]],
        test_name=test_name,
        reference_name=reference_name,
    )


def pair_up(table: Table, options: dict[str, Any], groups: Groups) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the test and reference values ordered so that position i of each is one pair of the pair column."""
    keys = np.asarray(table.labels(options["pair"], option="pair"))
    test_keys, reference_keys = keys[groups.test_rows], keys[groups.reference_rows]
    for role, name, group_keys, lines in (
        ("test", groups.test_name, test_keys, groups.test_lines),
        ("reference", groups.reference_name, reference_keys, groups.reference_lines),
    ):
        unique, counts = np.unique(group_keys, return_counts=True)
        twice = unique[counts > 1]
        if twice.size:
            where = _listing(
                [f"{str(k)!r} (lines {', '.join(str(x) for x in lines[group_keys == k])})" for k in twice[:LISTED]],
                twice.size,
            )
            raise StatsInputError(
                "pair",
                f"{role} group {name!r} has pair key {where} more than once; each key pairs one test row "
                "with one reference row",
            )
    lonely = []
    for name, mine, lines, other in (
        (groups.test_name, test_keys, groups.test_lines, reference_keys),
        (groups.reference_name, reference_keys, groups.reference_lines, test_keys),
    ):
        alone = ~np.isin(mine, other)
        if alone.any():
            pairs = zip(mine[alone][:LISTED], lines[alone][:LISTED], strict=True)
            listed = _listing([f"{str(k)!r} (line {line})" for k, line in pairs], int(np.count_nonzero(alone)))
            lonely.append(f"group {name!r} has {listed} without a partner")
    if lonely:
        raise StatsInputError(
            "pair", "; ".join(lonely) + ": paired TOST needs every key once in the test and once in the reference group"
        )
    test_order = np.argsort(test_keys, kind="stable")
    reference_order = np.argsort(reference_keys, kind="stable")
    return groups.test[test_order], groups.reference[reference_order]


def compute_tost(table: Table | None, options: dict[str, Any]) -> Outcome:
    """Run TOST on the test and reference groups of the file."""
    assert table is not None  # the catalogue requires the file
    margin, margin_sigma = options["margin"], options["margin_sigma"]
    if margin is None and margin_sigma is None:
        raise StatsInputError(
            "margin", "is required: give --margin D (in the value's units) or --margin-sigma K (K reference SDs)"
        )
    if margin is not None and margin_sigma is not None:
        raise StatsInputError("margin_sigma", "give either --margin or --margin-sigma, not both")
    if options["welch"] and options["pair"] is not None:
        raise StatsInputError(
            "welch", "--welch compares independent groups and --pair makes the comparison paired: give one of them"
        )
    log = bool(options["log"])
    groups = read_groups(table, options, log=log)
    if margin_sigma is not None:
        margin = equivalence.margin_from_sigma(groups.reference, margin_sigma)
    names = (groups.test_name, groups.reference_name)
    if options["pair"] is not None:
        test, reference = pair_up(table, options, groups)
        result = equivalence.tost(test, reference, margin=margin, alpha=options["alpha"], variant="paired", names=names)
    else:
        variant: equivalence.Variant = "welch" if options["welch"] else "pooled"
        result = equivalence.tost(
            groups.test, groups.reference, margin=margin, alpha=options["alpha"], variant=variant, names=names
        )
    document = {
        "difference": result.difference,
        "se": result.se,
        "df": result.df,
        "ci_low": result.ci_low,
        "ci_high": result.ci_high,
        "margin": result.margin,
        "p_value": result.p_value,
        "equivalent": result.equivalent,
        "variant": result.variant,
        "p_lower": result.p_lower,
        "p_upper": result.p_upper,
        "n_test": result.n_test,
        "n_reference": result.n_reference,
    }
    scale = ", natural logarithms" if log else ""
    return Outcome(
        document=document,
        method="TOST, two one-sided t tests (Schuirmann 1987)",
        variant=f"{result.variant}{scale}",
        n=groups.test.size + groups.reference.size,
        draw=lambda: draw_tost(result, names=names, log=log),
    )


def compute_quality_range(table: Table | None, options: dict[str, Any]) -> Outcome:
    """Compute the reference group's quality range and count the test values inside it."""
    assert table is not None  # the catalogue requires the file
    groups = read_groups(table, options)
    result = equivalence.quality_range(
        groups.test,
        groups.reference,
        k=options["k"],
        min_share=options["min_share"],
        names=(groups.test_name, groups.reference_name),
    )
    document = {
        "low": result.low,
        "high": result.high,
        "inside": result.inside,
        "total": result.total,
        "share": result.share,
        "passes": result.passes,
        "reference_mean": result.reference_mean,
        "reference_sd": result.reference_sd,
        "n_reference": result.n_reference,
        "outside": [{"line": int(groups.test_lines[i]), "value": float(groups.test[i])} for i in result.outside],
    }
    return Outcome(
        document=document,
        method="quality range x̄_R ± K·s_R (tier 2)",
        variant=f"K = {result.k:g}, at least {result.min_share:.0%} of test values inside",
        n=groups.test.size + groups.reference.size,
        draw=lambda: draw_quality_range(result, groups, value=options["value"]),
    )


def draw_tost(result: equivalence.Tost, *, names: tuple[str, str], log: bool) -> str:
    """Return the (1 − 2α) interval of the difference as a horizontal bar against the margins ±δ."""
    with plotting.figure(height=2.2) as fig:
        ax = fig.add_subplot()
        m = result.margin
        ax.axvspan(-m, m, color=plotting.colour(2), alpha=0.12, linewidth=0)
        for bound in (-m, m):
            ax.axvline(bound, color=plotting.LIMIT, linestyle="--", linewidth=1)
        ax.axvline(0.0, color=plotting.BOUND, linewidth=0.8)
        ax.errorbar(
            [result.difference],
            [0.0],
            xerr=[[result.difference - result.ci_low], [result.ci_high - result.difference]],
            fmt="o",
            color=plotting.colour(0),
            capsize=8,
            linewidth=2,
        )
        span = max(m, abs(result.ci_low), abs(result.ci_high))
        ax.set_xlim(-1.15 * span, 1.15 * span)
        ax.set_ylim(-1.0, 1.0)
        ax.set_yticks([])
        ax.grid(axis="y", visible=False)
        scale = " (natural logarithms)" if log else ""
        ax.set_xlabel(f"difference of means, {names[0]} − {names[1]}{scale}; dashed: margins ±{m:.4g}")
        verdict = "equivalent" if result.equivalent else "equivalence not shown"
        level = 100.0 * (1.0 - 2.0 * result.alpha)
        ax.set_title(
            f"TOST ({result.variant}): {level:g} % CI {result.ci_low:.4g} to {result.ci_high:.4g}, "
            f"p = {result.p_value:.3g}: {verdict}"
        )
        return plotting.svg(fig)


def draw_quality_range(result: equivalence.QualityRange, groups: Groups, *, value: str) -> str:
    """Return the reference and test values as dots over the quality range band; outside test values marked."""
    with plotting.figure() as fig:
        ax = fig.add_subplot()
        ax.axhspan(result.low, result.high, color=plotting.colour(0), alpha=0.12, linewidth=0)
        for bound in (result.low, result.high):
            ax.axhline(bound, color=plotting.colour(0), linestyle="--", linewidth=1)
        ax.axhline(result.reference_mean, color=plotting.BOUND, linewidth=0.8)
        ax.scatter(_spread(groups.reference.size), groups.reference, color=plotting.colour(0), s=18, zorder=3)
        inside = np.ones(groups.test.size, dtype=bool)
        inside[list(result.outside)] = False
        colours = np.where(inside, plotting.colour(1), plotting.LIMIT)
        ax.scatter(1.0 + _spread(groups.test.size), groups.test, c=list(colours), s=18, zorder=3)
        ax.set_xticks(
            [0, 1],
            [
                f"reference {groups.reference_name} (n = {groups.reference.size})",
                f"test {groups.test_name} (n = {groups.test.size})",
            ],
        )
        ax.set_xlim(-0.6, 1.6)
        ax.set_ylabel(value)
        verdict = "passes" if result.passes else "fails"
        ax.set_title(
            f"Quality range x̄_R ± {result.k:g}·s_R = {result.low:.4g} to {result.high:.4g}\n"
            f"{result.inside} of {result.total} test values inside ({result.share:.0%}), {verdict} "
            f"(≥ {result.min_share:.0%})"
        )
        return plotting.svg(fig)


def _spread(count: int) -> NDArray[np.float64]:
    # Deterministic horizontal spread (no random jitter: the same data must give the same SVG bytes).
    return np.linspace(-0.25, 0.25, count) if count > 1 else np.zeros(count)


def _check_positive(table: Table, column: str, values: NDArray[np.float64], rows: NDArray[np.intp]) -> None:
    bad = rows[values[rows] <= 0.0]
    if bad.size:
        first = int(bad.min())
        cell = table.columns[column][first]
        raise StatsInputError(
            "value",
            f"column {column!r}, line {table.lines[first]}: {cell} is not above 0; --log analyses natural "
            "logarithms, which need values above 0",
        )


def _listing(first: list[str], total: int) -> str:
    head = ", ".join(first)
    return head if total <= len(first) else f"{head} and {total - len(first)} more"


ANALYSES = (
    Analysis(
        name="tost",
        title="Equivalence by two one-sided tests (TOST)",
        summary="Difference of means test − reference, its (1 − 2α) interval and both one-sided p-values "
        "against the margins ±δ (pooled, Welch or paired; optionally on natural logarithms).",
        source="Schuirmann (1987) J Pharmacokinet Biopharm 15:657; EMA/CHMP/138502/2017",
        params=(
            GROUP,
            VALUE,
            TEST,
            REFERENCE,
            Param(
                "margin",
                "float",
                "the equivalence margin δ, in the value's units (on the log scale with --log); or give --margin-sigma",
                low=0.0,
                open_low=True,
                metavar="D",
            ),
            Param(
                "margin_sigma",
                "float",
                "the margin as K times the reference group's sample SD (tier 1 uses 1.5); or give --margin",
                low=0.0,
                open_low=True,
                metavar="K",
            ),
            Param("welch", "flag", "use Welch's unequal-variance t test instead of the pooled variance"),
            Param(
                "pair",
                "column",
                "pair test and reference rows that have the same value in this column (paired t test)",
            ),
            Param("log", "flag", "analyse natural logarithms of the values (the margin is then on the log scale)"),
            Param(
                "alpha",
                "float",
                "the level of each one-sided test; the interval is 1 − 2α",
                default=0.05,
                low=0.0,
                high=0.5,
                open_low=True,
                open_high=True,
            ),
        ),
        compute=compute_tost,
        plots=True,
        example="comparability-auc.csv",
        example_options={
            "group": "product",
            "value": "auc",
            "test": "test",
            "reference": "reference",
            "pair": "subject",
            "log": "yes",
            "margin": "0.22314355131420976",
        },
    ),
    Analysis(
        name="quality-range",
        title="Quality range (tier 2)",
        summary="The reference range x̄_R ± K·s_R and the share of test values inside it, against a minimum share.",
        source="EMA/CHMP/138502/2017 (tiered approach to comparability: K = 3, 90 %)",
        params=(
            GROUP,
            VALUE,
            TEST,
            REFERENCE,
            Param("k", "float", "the range's half-width in reference SDs", default=3.0, low=0.0, open_low=True),
            Param(
                "min_share",
                "float",
                "the share of test values that must lie inside for the comparison to pass",
                default=0.9,
                low=0.0,
                high=1.0,
                open_low=True,
            ),
        ),
        compute=compute_quality_range,
        plots=True,
        example="comparability-clinic.csv",
        example_options={"group": "fact", "value": "var1", "test": "1", "reference": "2"},
    ),
)
