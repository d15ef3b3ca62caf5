"""What the batch page, the step page and the batch's print show of a step and of review by exception:
the step's entries as rows (superseded ones marked, never hidden), its ranges in words, the exceptions
with their labels. One place, so the print shows what the pages show (atmp.manufacturing.printed)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from atmp.ledger import signatures
from atmp.manufacturing.models import Batch, BatchEntry, BatchStep, MbrControl, MbrMaterial, MbrParameter
from atmp.manufacturing.selectors.batches import entries_by_step, entries_of, needs_verification, verified_ids
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


def exception_links(
    batch: Batch, found: list[dict[str, Any]], *, steps: dict[int, int] | None = None
) -> list[dict[str, Any]]:
    """Return the exceptions, each with its label and the URL of its record (an entry: its row on its step's page).

    `steps` is the step number of each of the batch's entries, by entry id, when the caller read them already.
    """
    entry_type = BatchEntry.record_type()
    if steps is None:
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


def rows_by_step(
    batch: Batch, steps: list[BatchStep], *, with_signatures: bool = False
) -> dict[int, list[dict[str, Any]]]:
    """Return step_rows for each of the batch's steps given, by step id, in a fixed number of queries (the print's)."""
    by_step = entries_by_step(batch)
    every = [e for rows in by_step.values() for e in rows]
    verified = verified_ids(every)
    signed = signatures.for_records(every) if with_signatures else None
    return {s.pk: _rows(s, by_step.get(s.pk, []), verified, signed) for s in steps}


def step_rows(
    step: BatchStep, *, with_signatures: bool = False, entries: list[BatchEntry] | None = None
) -> list[dict[str, Any]]:
    """Return the step's entries as the pages show them: every one, superseded ones marked, with their deviation.

    with_signatures adds each entry's signatures (the print's manifestations: name, time, meaning);
    `entries` is the step's entries (entries_of) when the caller read them already.
    """
    entries = entries_of(step) if entries is None else entries
    return _rows(step, entries, verified_ids(entries), signatures.for_records(entries) if with_signatures else None)


def _rows(
    step: BatchStep,
    entries: list[BatchEntry],
    verified: set[int],
    signed: dict[int, list[signatures.ShownSignature]] | None,
) -> list[dict[str, Any]]:
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
            "signatures": signed.get(e.pk, []) if signed is not None else [],
        }
        for e in entries
    ]


def _number(value: Any) -> str:
    return "…" if value is None else f"{value.normalize():f}"


Lines = tuple[list[MbrParameter], list[MbrControl], list[MbrMaterial]]


def lines_by_step(steps: list[BatchStep]) -> dict[int, Lines]:
    """Return the parameters, controls and bill of materials of each step's master step, by its id (3 queries)."""
    ids = {s.mbr_step_id for s in steps}
    found: dict[int, Lines] = {pk: ([], [], []) for pk in ids}
    for p in MbrParameter.objects.filter(step_id__in=ids, voided=False).order_by("position", "pk"):
        found[p.step_id][0].append(p)
    for c in MbrControl.objects.filter(step_id__in=ids, voided=False).order_by("position", "pk"):
        found[c.step_id][1].append(c)
    materials = MbrMaterial.objects.filter(step_id__in=ids, voided=False).select_related("material")
    for m in materials.order_by("position", "pk"):
        found[m.step_id][2].append(m)
    return found


def step_ranges(step: BatchStep, lines: Lines | None = None) -> list[str]:
    """Return the step's parameters with their ranges, controls with their limits, and bill of materials, in words.

    `lines` is what lines_by_step read for the step, when the caller read it for many.
    """
    parameters, controls, materials = lines if lines is not None else lines_by_step([step])[step.mbr_step_id]
    words = [
        f"{p.name}: normal {_number(p.nor_low)}–{_number(p.nor_high)} {shown(p.unit)}, "
        f"acceptable {_number(p.par_low)}–{_number(p.par_high)} {shown(p.unit)}"
        for p in parameters
    ]
    words += [f"{c.name}: limits {_number(c.low)}–{_number(c.high)} {shown(c.unit)}" for c in controls]
    words += [
        f"{m.material.code} {m.material.name}: {_number(m.quantity)} {shown(m.unit)} ± {_number(m.tolerance_percent)} %"
        + (" (verified by a second person)" if m.verification else "")
        for m in materials
    ]
    return words
