"""The batch data behind a product's specification history: per attribute, every result that stands
(reviewed or not, said which) beside each phase's criterion, with a normal tolerance interval from
atmp.stats on the numeric values and a chart. Read in a fixed number of queries whatever the number of
batches (the history page is benchmarked with ten years of one product's results, docs/performance.md).

The interval is x̄ ± k·s with the exact factor (atmp.stats.tolerance: one-sided from the non-central t,
two-sided by Odeh & Owen's integral), covering 99 % of the population with 95 % confidence: two-sided
where the newest criterion is a range, one-sided on the limited side where it is a single limit.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from atmp.lab import criteria
from atmp.lab.models import Result, Specification
from atmp.lab.selectors.coa import live
from atmp.ledger.models import Signature
from atmp.manufacturing.models import Product

COVERAGE = 0.99
CONFIDENCE = 0.95
MIN_POINTS = 3  # below three values a tolerance interval's k is too wide to say anything (k > 30 at n = 2)


def history_data(product: Product) -> list[dict[str, Any]]:
    """Return per attribute name the product's results (live, reviewed or not) beside each phase's criterion.

    Three queries whatever the number of batches: the results with their sample and batch, the
    reviewers' signatures, and the batches' pinned specifications.
    """
    rows = list(
        Result.objects.filter(specification__product=product, voided=False, sample__voided=False)
        .select_related("attribute", "sample__batch", "specification")
        .only(
            "pk",
            "number",
            "reported",
            "amount",
            "conforms",
            "tested_on",
            "supersedes_id",
            "attribute__name",
            "attribute__unit",
            "attribute__kind",
            "sample__number",
            "sample__batch__number",
            "specification__phase",
            "specification__number",
        )
        .order_by("tested_on", "pk")
    )
    standing = live(rows)
    reviewed = {int(s) for s in Signature.objects.filter(
        record_type=Result.record_type(), record_id__in=[str(r.pk) for r in standing], meaning="reviewed"
    ).values_list("record_id", flat=True)} if standing else set()  # fmt: skip
    by_name: dict[str, list[Result]] = defaultdict(list)
    for r in standing:
        by_name[r.attribute.name].append(r)
    out = []
    for name, results in by_name.items():
        points = []
        for r in results:
            value = _number(r.amount or r.number)
            points.append(
                {
                    "batch": r.sample.batch.number if r.sample.batch else "",
                    "sample": r.sample.number,
                    "result": r.pk,
                    "reported": r.reported,
                    "value": value,
                    "conforms": r.conforms,
                    "reviewed": r.pk in reviewed,
                    "phase": r.specification.get_phase_display(),
                    "version": r.specification.number,
                    "tested_on": r.tested_on.isoformat(),
                }
            )
        out.append({"name": name, "unit": results[0].attribute.unit, "points": points})
    return out


def _number(text: str) -> float | None:
    """Return the numeric value of a result's text (a censored '<0.5' is not a number here), or None."""
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None
    return float(value) if value.is_finite() else None


def _limits(text: str) -> tuple[float | None, float | None]:
    """Return a numeric criterion's (low, high) limits, None where open or not numeric."""
    try:
        parsed = criteria.parse(text)
    except criteria.CriterionError:
        return None, None
    low = None if parsed.low is None else float(parsed.low)
    high = None if parsed.high is None else float(parsed.high)
    return low, high


def tolerance(values: list[float], criterion: str) -> dict[str, Any] | None:
    """Return the tolerance interval of the values, sided as the criterion is, or why there is none."""
    from atmp.stats import tolerance as ti
    from atmp.stats.errors import StatsInputError

    low, high = _limits(criterion)
    sided: ti.Sided = "two" if (low is None) == (high is None) else "one"
    if len(values) < MIN_POINTS:
        return {"n": len(values), "refused": f"{len(values)} numeric value(s): at least {MIN_POINTS} are needed"}
    try:
        found = ti.interval(values, COVERAGE, CONFIDENCE, sided=sided, method="exact")
    except StatsInputError as exc:
        return {"n": len(values), "refused": str(exc)}
    side = "two-sided" if sided == "two" else ("one-sided, lower" if low is not None else "one-sided, upper")
    return {
        "n": found.n,
        "mean": found.mean,
        "sd": found.sd,
        "k": found.k,
        "lower": found.lower if sided == "two" or low is not None else None,
        "upper": found.upper if sided == "two" or high is not None else None,
        "method": f"normal tolerance interval, {side}, {COVERAGE:.0%} coverage with {CONFIDENCE:.0%} confidence, "
        "exact k (atmp.stats.tolerance)",
    }


def chart(row: dict[str, Any], limits: list[tuple[str, str]]) -> str | None:
    """Return a data: URL of the attribute's values in test order by phase, with the criteria and interval (SVG)."""
    from atmp.stats import plotting

    points = [p for p in row["points"] if p["value"] is not None]
    if not points:
        return None
    phases = list(dict.fromkeys(p["phase"] for p in points))
    with plotting.figure(width=7.0, height=3.4) as fig:
        ax = fig.add_subplot()
        for i, phase in enumerate(phases):
            mine = [(n, p) for n, p in enumerate(points) if p["phase"] == phase]
            ax.scatter([n for n, _ in mine], [p["value"] for _, p in mine], s=12, color=plotting.colour(i), label=phase)
        for j, (label, text) in enumerate(limits):
            for limit in _limits(text):
                if limit is not None:
                    ax.axhline(limit, color=plotting.colour(j), linestyle=":", linewidth=1)
            del label
        interval = row.get("interval") or {}
        for bound in (interval.get("lower"), interval.get("upper")):
            if bound is not None:
                ax.axhline(bound, color="black", linestyle="--", linewidth=1)
        ax.set_xlabel("result, in test order")
        ax.set_ylabel(f"{row['name']} ({row['unit']})" if row["unit"] else row["name"])
        ax.legend(fontsize="small")
        svg = plotting.svg(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def batch_data(
    product: Product, specifications: list[Specification], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Return per attribute the results, each phase's criterion, the tolerance interval and the chart."""
    criteria_of = {r["name"]: r["criteria"] for r in rows}
    labels = [f"{s.get_phase_display()} v{s.number}" for s in specifications]
    out = []
    for row in history_data(product):
        texts = criteria_of.get(row["name"], [])
        newest = next((t for t in reversed(texts) if t), "")
        values = [p["value"] for p in row["points"] if p["value"] is not None]
        row["criteria"] = [
            {"label": label, "criterion": text} for label, text in zip(labels, texts, strict=False) if text
        ]
        row["reviewed"] = sum(1 for p in row["points"] if p["reviewed"])
        row["interval"] = tolerance(values, newest) if values else None
        row["chart"] = chart(row, [(c["label"], c["criterion"]) for c in row["criteria"]])
        out.append(row)
    return out
