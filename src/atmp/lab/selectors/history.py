"""The batch data behind a product's specification history: per attribute, every result that stands
(reviewed or not, said which) beside each phase's criterion, with a normal tolerance interval from
atmp.stats on the numeric values and a chart. Read in a fixed number of queries whatever the number of
batches (the history page is benchmarked with ten years of one product's results, docs/performance.md).

The interval is x̄ ± k·s with the exact factor (atmp.stats.tolerance: one-sided from the non-central t,
two-sided by Odeh & Owen's integral), covering 99 % of the population with 95 % confidence: two-sided
where the newest criterion is a range, one-sided on the limited side where it is a single limit.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from atmp.lab import charts, criteria
from atmp.lab.models import Phase, Result, Specification
from atmp.ledger.models import Signature
from atmp.manufacturing.models import Product

COVERAGE = 0.99
CONFIDENCE = 0.95
MIN_POINTS = 3  # below three values a tolerance interval's k is too wide to say anything (k > 30 at n = 2)


def history_data(product: Product) -> list[dict[str, Any]]:
    """Return per attribute name the product's results (live, reviewed or not) beside each phase's criterion.

    Two queries whatever the number of batches: the results with their sample, batch, attribute and
    specification, and the reviewers' signatures. Read as plain values, not model instances: a product's
    ten years are a thousand results, and building five model objects for each took most of the time.
    """
    rows = list(
        Result.objects.filter(specification__product=product, voided=False, sample__voided=False)
        .order_by("tested_on", "pk")
        .values_list(
            "pk",
            "number",
            "reported",
            "amount",
            "conforms",
            "tested_on",
            "supersedes_id",
            "attribute__name",
            "attribute__unit",
            "sample__number",
            "sample__batch__number",
            "specification__phase",
            "specification__number",
        )
    )
    replaced = {r[6] for r in rows if r[6]}
    standing = [r for r in rows if r[0] not in replaced]  # what atmp.lab.selectors.coa.live keeps
    reviewed = {int(s) for s in Signature.objects.filter(
        record_type=Result.record_type(), record_id__in=[str(r[0]) for r in standing], meaning="reviewed"
    ).values_list("record_id", flat=True)} if standing else set()  # fmt: skip
    labels = dict(Phase.choices)
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    units: dict[str, str] = {}
    for pk, number, reported, amount, conforms, tested_on, _, name, unit, sample, batch, phase, version in standing:
        units.setdefault(name, unit)
        by_name[name].append(
            {
                "batch": batch or "",
                "sample": sample,
                "result": pk,
                "reported": reported,
                "value": _number(amount or number),
                "conforms": conforms,
                "reviewed": pk in reviewed,
                "phase": labels.get(phase, phase),
                "version": version,
                "tested_on": tested_on.isoformat(),
            }
        )
    return [{"name": name, "unit": units[name], "points": points} for name, points in by_name.items()]


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


def chart(row: dict[str, Any], limits: list[tuple[str, str, str]]) -> SafeString | None:
    """Return the SVG of the attribute's values in test order by phase, with each (phase, label, criterion)'s
    limits and the interval's bounds; None without a numeric value.

    Written by hand (atmp.lab.charts), a millisecond a chart: matplotlib took 0.1–0.35 s, so the charts were
    cached per process; none is now (docs/performance.md, bench/lab.py).
    """
    points = [(p["phase"], p["value"]) for p in row["points"] if p["value"] is not None]
    if not points:
        return None
    interval = row.get("interval") or {}
    drawn = [
        charts.Limit(phase, label, side, value)
        for phase, label, text in limits
        for side, value in zip(("lower", "upper"), _limits(text), strict=True)
        if value is not None
    ]
    svg = charts.history_chart(row["name"], row["unit"], points, drawn, (interval.get("lower"), interval.get("upper")))
    return mark_safe(svg)  # noqa: S308 - built by atmp.lab.charts, every text escaped


def batch_data(
    product: Product, specifications: list[Specification], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Return per attribute the results, each phase's criterion, the tolerance interval and the chart."""
    criteria_of = {r["name"]: r["criteria"] for r in rows}
    phases = [s.get_phase_display() for s in specifications]
    labels = [f"{phase} v{s.number}" for phase, s in zip(phases, specifications, strict=True)]
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
        limits = [(phase, label, text) for phase, label, text in zip(phases, labels, texts, strict=False) if text]
        row["chart"] = chart(row, limits)
        out.append(row)
    return out
