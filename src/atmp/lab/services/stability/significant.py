"""Stability studies: 'significant change' at the accelerated condition, ICH Q1A(R2) §2.2.7 (flagged, not
decided: QA evaluates it).

Significant change (ICH Q1A(R2) §2.2.7.1) includes failure to meet the acceptance criteria for potency by
biological procedures, a degradation product beyond its criterion, and failure of appearance, physical
attributes, functionality, pH or dissolution: here, a live result of an accelerated pull within the first
6 months that does not conform to its specification. The 5 % change in assay from the initial value is not
computed (the ATMP's potency is a biological procedure, judged against its criterion).
"""

from __future__ import annotations

from typing import Any

from atmp.lab.models import ConditionKind, PullState, Result, StabilityStudy, StorageCondition
from atmp.lab.services.stability.records import conditions, pulls

WITHIN_MONTHS = 6  # ICH Q1A(R2) §2.2.7.1: "at any time during 6 months' testing at the accelerated condition"

CONSEQUENCE = {
    StorageCondition.ROOM_60: "additional testing at the intermediate condition (30 °C/65 % RH), evaluated against "
    "significant change (ICH Q1A(R2) §2.2.7.1)",
    StorageCondition.REFRIGERATED: "the shelf life rests on the long-term real-time data; a change within the first "
    "3 months calls for a discussion of short excursions outside the label (ICH Q1A(R2) §2.2.7.3)",
}
OTHER = "QA evaluates the change against the long-term data (ICH Q1A(R2) §2.2.7)"


def significant_change(study: StabilityStudy) -> dict[str, Any]:
    """Return the accelerated results that are a significant change, and what ICH Q1A(R2) asks then."""
    rows = [
        p
        for p in pulls(study)
        if p.condition.kind == ConditionKind.ACCELERATED
        and p.months <= WITHIN_MONTHS
        and p.sample_id
        and p.state in (PullState.PULLED, PullState.TESTED)
    ]
    by_sample = {p.sample_id: p for p in rows}
    results = list(
        Result.objects.filter(sample_id__in=list(by_sample), voided=False).select_related("attribute").order_by("pk")
    )
    replaced = {r.supersedes_id for r in results if r.supersedes_id}
    found = [
        {
            "condition": by_sample[r.sample_id].condition.condition,
            "batch": by_sample[r.sample_id].placement.batch.number,
            "months": by_sample[r.sample_id].months,
            "attribute": r.attribute.name,
            "reported": r.reported,
            "criterion": r.attribute.criterion,
        }
        for r in results
        if r.pk not in replaced and r.conforms is False
    ]
    if not found:
        return {"found": [], "consequence": "", "intermediate_in_protocol": None}
    kinds = {c.kind for c in conditions(study)}
    long_term = [c.condition for c in conditions(study) if c.kind == ConditionKind.LONG_TERM]
    consequence = CONSEQUENCE.get(StorageCondition(long_term[0]), OTHER) if long_term else OTHER
    return {
        "found": found,
        "consequence": consequence,
        "intermediate_in_protocol": ConditionKind.INTERMEDIATE in kinds,
    }
