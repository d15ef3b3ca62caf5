"""Stability studies: the shelf-life estimate (ICH Q1E) and the signed report (ADR 0029)."""

from __future__ import annotations

import hashlib
import json
import math
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

from atmp.accounts.models import User
from atmp.lab.models import (
    ConditionKind,
    PullState,
    Result,
    StabilityAttribute,
    StabilityCondition,
    StabilityStudy,
    StorageCondition,
)
from atmp.lab.services.stability.protocol import limits_of
from atmp.lab.services.stability.records import attributes, conditions, number, pulls
from atmp.stats import report
from atmp.stats import shelf_life as q1e
from atmp.stats.errors import StatsInputError
from atmp.workflow import engine

METHOD = "ICH Q1E shelf life"
SOURCE = "ICH Q1E (2003) Appendix B; atmp.stats.shelf_life"
RULE = "ANCOVA poolability at 0.25; one-sided 95 % confidence bound of the mean (two-sided with both limits)"
POOL_ALPHA = 0.25  # ICH Q1E Appendix B.2.2.1
ALPHA = 0.05  # ICH Q1E Appendix B.1: a 95 % confidence bound


# Extrapolation beyond the long-term data (ICH Q1E Appendix A, decision tree; /work/shared/REGULATORY.md):
# (factor, most months beyond X); frozen products: none.
EXTRAPOLATION = {
    StorageCondition.FROZEN_65: (1.0, 0),
    StorageCondition.FROZEN_20: (1.0, 0),
    StorageCondition.REFRIGERATED: (1.5, 6),
    StorageCondition.ROOM_60: (2.0, 12),
    StorageCondition.INTERMEDIATE: (2.0, 12),
    StorageCondition.ACCELERATED: (1.0, 0),
}


# --- the estimate -------------------------------------------------------------------------------


def _value(result: Result) -> float | None:
    """Return a result's value in the attribute's unit, or None when it is censored ('<0.5') or not a number."""
    try:
        amount = Decimal(result.amount)
    except (InvalidOperation, ValueError):
        return None
    return float(amount) if amount.is_finite() else None


def data_of(study: StabilityStudy) -> dict[tuple[int, int], list[tuple[str, int, float]]]:
    """Return (batch, months, value) rows per (condition id, attribute id) from the live results of the pulls."""
    rows = [p for p in pulls(study) if p.sample_id and p.state in (PullState.PULLED, PullState.TESTED)]
    by_sample = {p.sample_id: p for p in rows}
    results = list(
        Result.objects.filter(sample_id__in=list(by_sample), voided=False).select_related("attribute").order_by("pk")
    )
    replaced = {r.supersedes_id for r in results if r.supersedes_id}
    names = {a.attribute.name.lower(): a for a in attributes(study)}
    out: dict[tuple[int, int], list[tuple[str, int, float]]] = {}
    for r in results:
        wanted = names.get(r.attribute.name.lower())
        value = _value(r)
        if r.pk in replaced or wanted is None or value is None:
            continue
        pull = by_sample[r.sample_id]
        out.setdefault((pull.condition_id, wanted.pk), []).append((pull.placement.batch.number, pull.months, value))
    return out


def _entry(
    condition: StabilityCondition, attribute: StabilityAttribute, rows: list[tuple[str, int, float]]
) -> dict[str, Any]:
    limit = attribute.shelf_life_limit()
    head: dict[str, Any] = {
        "condition": condition.condition,
        "condition_label": str(condition.get_condition_display()),
        "kind": condition.kind,
        "attribute": attribute.attribute.name,
        "unit": attribute.attribute.unit,
        "limit": limit,
        "n": len(rows),
        "data": [[b, m, number(v)] for b, m, v in sorted(rows)],
    }
    empty = {"model": None, "shelf_life": None, "shelf_life_text": "—", "governing_batch": None, "ancova": None}
    if not rows:
        return {**head, **empty, "refusal": "no results yet"}
    lower, upper = limits_of(limit)
    try:
        found = fit(rows, lower=lower, upper=upper)
    except StatsInputError as exc:
        return {**head, **empty, "refusal": str(exc)}
    life = found.shelf_life
    ancova = found.ancova
    return {
        **head,
        "model": found.model,
        "shelf_life": number(life) if math.isfinite(life) else None,
        "shelf_life_text": f"{life:.1f} months" if math.isfinite(life) else "not reached (the bound meets no limit)",
        "governing_batch": found.governing_batch,
        "ancova": None
        if ancova is None
        else {"p_slopes": number(ancova.p_slopes), "p_intercepts": number(ancova.p_intercepts)},
        "refusal": "",
    }


def fit(rows: list[tuple[str, int, float]], *, lower: float | None, upper: float | None) -> q1e.ShelfLife:
    """Return atmp.stats.shelf_life on (batch, months, value) rows at Q1E's alphas."""
    batches = [b for b, _m, _v in rows]
    times = np.asarray([float(m) for _b, m, _v in rows], dtype=np.float64)
    values = np.asarray([v for _b, _m, v in rows], dtype=np.float64)
    return q1e.shelf_life(batches, times, values, lower=lower, upper=upper, alpha=ALPHA, pool_alpha=POOL_ALPHA)


def _supported(condition: StabilityCondition, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the shelf life a condition supports: the shortest estimate, capped by Q1E Appendix A."""
    lives = [float(e["shelf_life"]) for e in entries if e["shelf_life"] is not None]
    fitted = [e for e in entries if e["model"] is not None]
    longest = max((m for e in fitted for _b, m, _v in e["data"]), default=0)
    factor, beyond = EXTRAPOLATION[StorageCondition(condition.condition)]
    cap = min(factor * longest, longest + beyond)
    if condition.kind != ConditionKind.LONG_TERM or not fitted:
        return {"condition": condition.condition, "months": None, "text": "—"}
    estimate = min(lives) if lives else math.inf
    months = math.floor(min(estimate, cap))  # a shelf life is stated in whole months, rounded down
    governing = min(
        (e for e in entries if e["shelf_life"] is not None), key=lambda e: float(e["shelf_life"]), default=None
    )
    why = (
        f"estimate {governing['attribute']} {float(governing['shelf_life']):.1f} months"
        if governing is not None
        else "no limit reached by the bound"
    )
    return {
        "condition": condition.condition,
        "months": months,
        "text": f"{months} months ({why}; extrapolation at most {cap:g} months, ICH Q1E Appendix A)",
    }


def compute_estimate(study: StabilityStudy) -> dict[str, Any]:
    """Return the shelf-life estimate per condition and attribute (atmp.stats.shelf_life), and per condition."""
    data = data_of(study)
    entries: list[dict[str, Any]] = []
    supported: list[dict[str, Any]] = []
    for condition in conditions(study):
        mine = [_entry(condition, a, data.get((condition.pk, a.pk), [])) for a in attributes(study)]
        entries += mine
        supported.append(_supported(condition, mine))
    digest = hashlib.sha256(json.dumps([e["data"] for e in entries], sort_keys=True).encode()).hexdigest()
    long_term = [s["months"] for s in supported if s["months"] is not None]
    return {
        "method": METHOD,
        "source": SOURCE,
        "rule": RULE,
        "entries": entries,
        "conditions": supported,
        "shelf_life_months": min(long_term) if long_term else None,
        "provenance": report.provenance(
            method=METHOD,
            variant=RULE,
            parameters={"alpha": f"{ALPHA:g}", "pool_alpha": f"{POOL_ALPHA:g}"},
            n=sum(e["n"] for e in entries),
            input_sha256=digest,
        ),
    }


def estimate_hash(estimate: dict[str, Any]) -> str:
    """Return the SHA-256 of the estimate's JSON (sorted keys), stored beside it and bound by the signature."""
    return hashlib.sha256(json.dumps(estimate, sort_keys=True).encode()).hexdigest()


def estimate_of(study: StabilityStudy) -> tuple[dict[str, Any], bool]:
    """Return (estimate, frozen): the signed snapshot once the report is signed, else computed now."""
    if study.estimate:
        return study.estimate, True
    return compute_estimate(study), False


def report_refusal(study: StabilityStudy) -> str | None:
    """Return why the report cannot be signed (a workflow precondition), or None."""
    waiting = [p for p in pulls(study) if p.state == PullState.PULLED]
    if waiting:
        return f"pulls in testing: {len(waiting)} pulled time point(s) lack results; finish them first"
    estimate = compute_estimate(study)
    if estimate["shelf_life_months"] is None:
        return "no shelf-life estimate: the long-term condition has no fitted attribute yet"
    return None


def sign_report(
    *, actor: User, study: StabilityStudy, password: str, reason: str, otp: str | None = None
) -> StabilityStudy:
    """Sign the study report (QA, 'approved'); the estimate and its SHA-256 are frozen into the study."""
    engine.transition(actor, study, "sign_report", reason=reason, password=password, otp=otp)
    return study
