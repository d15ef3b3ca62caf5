"""Lay out a statistics result document for a page: a summary list and a table per list of rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from atmp.stats.report import shown

MAX_ROWS = 200  # a page shows this many rows of a table; the JSON download has them all


# The page's words for the keys of the result documents (the JSON keeps the keys); {time} is the
# unit of the study's time column (its name: "month" → months), {per} one of it.
LABELS: dict[str, str] = {
    # shelf life (ICH Q1E)
    "model": "Model (poolability, ICH Q1E)",
    "shelf_life": "Shelf life ({time})",
    "governing_batch": "Governing batch",
    "shelf_life_pooled_mse": "Shelf life with the pooled error ({time})",
    "limits": "Acceptance criteria (lower, upper)",
    "p_slopes": "p-value, equal slopes",
    "p_intercepts": "p-value, equal intercepts",
    "f_slopes": "F statistic, slopes",
    "f_intercepts": "F statistic, intercepts",
    "intercept": "Intercept",
    "slope": "Slope (per {per})",
    "batches": "Batches",
    # equivalence (TOST)
    "difference": "Mean difference (test − reference)",
    "se": "Standard error",
    "df": "Degrees of freedom",
    "ci_low": "Confidence interval, lower end",
    "ci_high": "Confidence interval, upper end",
    "margin": "Equivalence margin (±)",
    "p_value": "p-value (two one-sided tests)",
    "equivalent": "Equivalent",
    "variant": "Variant",
    "p_lower": "p-value, lower test",
    "p_upper": "p-value, upper test",
    "n_test": "Test results",
    "n_reference": "Reference results",
    # quality range, tolerance factor, control chart
    "low": "Range, lower end",
    "high": "Range, upper end",
    "inside": "Test results inside the range",
    "total": "Test results",
    "share": "Share inside the range",
    "passes": "Passes",
    "reference_mean": "Reference mean",
    "reference_sd": "Reference standard deviation",
    "k": "Tolerance factor k",
    "method": "Method",
    "coverage": "Coverage (share of the population)",
    "confidence": "Confidence",
    "sided": "Sides",
    "n": "Observations",
    "mean": "Mean",
    "sd": "Standard deviation",
    "interval": "Tolerance interval",
    "centre": "Centre line",
    "sigma": "Sigma",
    "centre_estimated": "Centre estimated from the data",
    "sigma_estimated": "Sigma estimated from the data",
    "rules_needing_more_points": "Rules that need more points",
    "violations": "Rule violations",
    "rule": "Rule",
    "index": "Point (from 0)",
    "outside": "Results outside the range",
    "line": "Line of the file",
    "value": "Value",
    # viral clearance
    "claim": "Claimed clearance (log10 reduction)",
    "claim_greater_equal": "Claim is a lower bound (≥)",
    "steps": "Steps",
    "step": "Step",
    "mechanism": "Mechanism",
    "lrv": "Log10 reduction value",
    "greater_equal": "Lower bound (≥)",
    "counted": "Counted in the claim",
    "reason": "Why",
    # pharmacovigilance
    "expected": "Expected count",
    "prr": "PRR (proportional reporting ratio)",
    "prr_ci": "PRR 95 % confidence interval",
    "ror": "ROR (reporting odds ratio)",
    "ror_ci": "ROR 95 % confidence interval",
    "chi2": "Chi-squared",
    "chi2_yates": "Chi-squared (Yates)",
    "ic": "Information component (IC)",
    "ic025": "IC, lower 2.5 % bound",
    "ic975": "IC, upper 97.5 % bound",
    "evans_signal": "Signal (Evans criteria)",
    "qn": "Posterior weight Qn",
    "ebgm": "EBGM",
    "eb05": "EB05 (lower 5 %)",
    "eb95": "EB95 (upper 95 %)",
    "reports": "Reports",
    "prior": "Prior (gamma mixture)",
    "pairs": "Product–event pairs",
    "product": "Product",
    "event": "Event",
    "e": "Expected",
    "rr": "Relative reporting ratio",
    "name": "Name",
    # relative potency (Ph. Eur. 5.3)
    "preparations": "Test preparations",
    "potency_ratio": "Potency ratio to the standard (equipotent doses, the file's dose units)",
    "lower": "Lower 95 % limit",
    "upper": "Upper 95 % limit",
    "log_ratio": "ln potency ratio (M)",
    "g": "Fieller's g",
    "residual_df": "Residual degrees of freedom",
    "residual_ms": "Residual mean square (error)",
    "anova": "Analysis of variance",
    "source": "Source",
    "ss": "Sum of squares",
    "ms": "Mean square",
    "f": "F",
    "p": "p-value",
    "validity": "Validity (Ph. Eur. 5.3, 5 % level)",
    "valid": "Valid",
    "parallelism": "Parallelism (F test, equivalence)",
    "curves": "Fitted curves",
}
TIME_UNITS = {"month": "months", "week": "weeks", "day": "days", "year": "years", "hour": "hours"}


def label(key: str, *, time: str | None = None) -> str:
    """Return the page's words for a result key, with the study's time unit where one applies."""
    unit = (time or "").strip().lower().rstrip("s")
    plural = TIME_UNITS.get(unit, f"time units of '{time}'" if time else "time units")
    one = unit if unit in TIME_UNITS else (f"unit of '{time}'" if time else "time unit")
    text = LABELS.get(key)
    if text is None:
        return key.replace("_", " ").capitalize()
    if time is None and key == "slope":
        return "Slope"  # a dose-response slope (potency) has no time unit
    return text.format(time=plural, per=one)


@dataclass
class Table:
    """A list of rows of the document, shown as a table."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    total: int
    key: str = ""
    headings: list[str] = field(default_factory=list)


@dataclass
class Sections:
    """The document as a page shows it: (key, label, value) rows and tables."""

    summary: list[tuple[str, str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def sections(document: dict[str, Any], *, time: str | None = None) -> Sections:
    """Return the document's scalars as a summary and its lists of records as tables (provenance apart)."""
    out = Sections()
    for key, value in document.items():
        if key in ("provenance", "plot"):
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.tables.append(_table(key, value, time=time))
        elif isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            rows = [{"name": name, **row} for name, row in value.items()]
            out.tables.append(_table(key, rows, time=time))
        else:
            out.summary.append((key, label(key, time=time), shown(value)))
    return out


def _table(title: str, rows: list[dict[str, Any]], *, time: str | None = None) -> Table:
    columns: list[str] = []
    for row in rows[:MAX_ROWS]:
        columns.extend(k for k in row if k not in columns)
    body = [[shown(row.get(c)) for c in columns] for row in rows[:MAX_ROWS]]
    return Table(
        title=label(title, time=time),
        columns=columns,
        rows=body,
        total=len(rows),
        key=title,
        headings=[label(c, time=time) for c in columns],
    )
