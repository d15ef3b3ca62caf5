"""What the batch page, the step page and the batch's print show of a step and of review by exception:
the step's entries as rows (superseded ones marked, never hidden), its ranges in words, the exceptions
with their labels. One place, so the print shows what the pages show (atmp.manufacturing.printed)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from atmp.ledger import signatures
from atmp.manufacturing.models import Batch, BatchEntry, BatchStep
from atmp.manufacturing.selectors.batches import entries_of, needs_verification, verified_ids
from atmp.manufacturing.views.batch_forms import entry_name
from atmp.trace.units import display as shown

KINDS = {
    "deviation": "Deviation",
    "out_of_range": "Out of range",
    "correction": "Correction",
    "late": "Late entry",
    "acknowledged_warning": "Warning acknowledged",
    "em_excursion": "EM excursion",
}


def exception_links(batch: Batch, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the exceptions, each with its label and the URL of its record (an entry: its row on its step's page)."""
    entry_type = BatchEntry.record_type()
    ids = [int(x["record"].partition(":")[2]) for x in found if x["record"].startswith(entry_type + ":")]
    steps = dict(BatchEntry.objects.filter(pk__in=ids).values_list("pk", "step__number"))
    for x in found:
        x["label"] = KINDS.get(x["kind"], x["kind"])
        record_type, _, record_id = x["record"].partition(":")
        if record_type == entry_type and int(record_id) in steps:
            url = reverse("manufacturing:batch_step", args=[batch.pk, steps[int(record_id)]])
            x["url"] = f"{url}#entry-{record_id}"
        else:
            x["url"] = reverse("web:record", args=[record_type, record_id])
    return found


def step_rows(step: BatchStep, *, with_signatures: bool = False) -> list[dict[str, Any]]:
    """Return the step's entries as the pages show them: every one, superseded ones marked, with their deviation.

    with_signatures adds each entry's signatures (the print's manifestations: name, time, meaning).
    """
    entries = entries_of(step)
    verified = verified_ids(entries)
    superseded = {e.supersedes_id for e in entries if e.supersedes_id is not None and not e.voided} | {
        e.pk for e in entries if e.voided
    }
    return [
        {
            "entry": e,
            "name": entry_name(e),
            "superseded": e.pk in superseded,
            "verified": e.pk in verified,
            # A superseded entry needs no verification any more: the correction that stands does.
            "needs_verification": e.pk not in superseded and needs_verification(e, step.mbr_step),
            "deviation_url": reverse("web:record", args=[e.deviation.record_type(), e.deviation.pk])
            if e.deviation
            else None,
            "signatures": signatures.for_record(e) if with_signatures else [],
        }
        for e in entries
    ]


def _number(value: Any) -> str:
    return "…" if value is None else f"{value.normalize():f}"


def step_ranges(step: BatchStep) -> list[str]:
    """Return the step's parameters with their ranges, controls with their limits, and bill of materials, in words."""
    mbr_step = step.mbr_step
    lines = [
        f"{p.name}: normal {_number(p.nor_low)}–{_number(p.nor_high)} {shown(p.unit)}, "
        f"acceptable {_number(p.par_low)}–{_number(p.par_high)} {shown(p.unit)}"
        for p in mbr_step.parameters.filter(voided=False).order_by("position")
    ]
    lines += [
        f"{c.name}: limits {_number(c.low)}–{_number(c.high)} {shown(c.unit)}"
        for c in mbr_step.controls.filter(voided=False).order_by("position")
    ]
    lines += [
        f"{m.material.code} {m.material.name}: {_number(m.quantity)} {shown(m.unit)} ± {_number(m.tolerance_percent)} %"
        + (" (verified by a second person)" if m.verification else "")
        for m in mbr_step.materials.filter(voided=False).select_related("material").order_by("position")
    ]
    return lines
