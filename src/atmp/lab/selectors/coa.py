"""What a batch's certificate of analysis shows: per attribute of its specification the result that stands."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from atmp.lab.models import (
    BatchSpecification,
    Result,
    Specification,
    SpecificationAttribute,
)
from atmp.ledger.models import Signature
from atmp.manufacturing.models import Batch


def spec_of(batch: Batch) -> Specification | None:
    """Return the specification the batch is pinned to, else the one it would be pinned to now (read only)."""
    from atmp.lab.services.phases import current
    from atmp.lab.services.specifications import in_force

    pinned = BatchSpecification.objects.filter(batch=batch, voided=False).select_related("specification").first()
    if pinned is not None:
        return pinned.specification
    phase = current(batch.product)
    return in_force(batch.product, phase) if phase else None


def _reviewers(results: list[Result]) -> dict[int, list[str]]:
    """Return each result's 'reviewed' signers, read in one query."""
    found: dict[int, list[str]] = defaultdict(list)
    if not results:
        return found
    rows = Signature.objects.filter(
        record_type=Result.record_type(), record_id__in=[str(r.pk) for r in results], meaning="reviewed"
    ).order_by("pk")
    for s in rows:
        found[int(s.record_id)].append(s.signer_name)
    return found


def live(rows: list[Result]) -> list[Result]:
    """Return the results no other result of the list supersedes."""
    replaced = {r.supersedes_id for r in rows if r.supersedes_id}
    return [r for r in rows if r.pk not in replaced]


def coa_document(batch: Batch) -> dict[str, Any]:
    """Return the batch's certificate of analysis: per attribute its method, criterion, result, analyst, reviewer."""
    spec = spec_of(batch)
    attributes = (
        list(
            SpecificationAttribute.objects.filter(specification=spec, voided=False)
            .select_related("method")
            .order_by("position")
        )
        if spec is not None
        else []
    )
    rows = list(
        Result.objects.filter(sample__batch=batch, sample__voided=False, voided=False)
        .select_related("sample", "instrument")
        .order_by("tested_on", "pk")
    )
    standing = live(rows)
    reviewers = _reviewers(standing)
    latest: dict[int, Result] = {}
    for row in standing:  # oldest first: the newest standing result of an attribute is the one reported
        latest[row.attribute_id] = row
    lines: list[dict[str, Any]] = []
    for a in attributes:
        r = latest.get(a.pk)
        lines.append(
            {
                "position": a.position,
                "attribute": a.name,
                "method": f"{a.method.code} {a.method.title}",
                "method_code": a.method.code,
                "criterion": a.criterion,
                "unit": a.unit,
                "pending": r is None,
                "result": None if r is None else r.pk,
                "sample": None if r is None else r.sample.number,
                "reported": None if r is None else r.reported,
                "conforms": None if r is None else r.conforms,
                "conformity": "pending"
                if r is None
                else {True: "conforms", False: "does not conform", None: "reported"}[r.conforms],
                "analyst": None if r is None else r.analyst,
                "tested_on": None if r is None else r.tested_on.isoformat(),
                "reviewed_by": [] if r is None else reviewers.get(r.pk, []),
            }
        )
    pending: list[str] = [x["attribute"] for x in lines if x["pending"]]
    failing: list[str] = [x["attribute"] for x in lines if x["conforms"] is False]
    unreviewed = [x["attribute"] for x in lines if not x["pending"] and not x["reviewed_by"]]
    if spec is None:
        statement = f"No specification: {batch.product.code} has no approved specification for its current phase."
    elif failing:
        statement = "The batch does NOT comply with the specification: " + ", ".join(failing) + " out of specification."
    elif pending:
        statement = "Results pending: " + ", ".join(pending) + ". No statement of compliance yet."
    else:
        statement = "The batch complies with the specification: every attribute's result conforms or is reported."
    return {
        "batch": batch.number,
        "product": f"{batch.product.code} {batch.product.name}",
        "site": batch.site.code,
        "specification": None
        if spec is None
        else {"id": spec.pk, "title": str(spec), "version": spec.number, "phase": spec.get_phase_display()},
        "attributes": lines,
        "pending": pending,
        "failing": failing,
        "unreviewed": unreviewed,
        "complies": spec is not None and not failing and not pending,
        "statement": statement,
        "members": [spec] if spec is not None else [],
        "results": [latest[a.pk] for a in attributes if a.pk in latest],
    }
