"""Reads of batches: the live entries of a step, what a step still lacks, and review by exception.

`exceptions(batch)` is what QA reads before the disposition (EU GMP Part IV ch. 6, 'records/reports', and
ch. 11; review by exception): deviations, values outside the normal operating or proven acceptable range (or a
control's limits), corrections, late entries, acknowledged warnings, and EM results at alert or
action level taken in the batch's rooms while it was made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from atmp.environment import limits
from atmp.environment.models import Result
from atmp.ledger import clock
from atmp.ledger.models import Signature
from atmp.manufacturing.models import Batch, BatchEntry, BatchStep, EntryFlag, MbrMaterial, MbrParameter, MbrStep
from atmp.trace.units import convert, display, plain

VERIFIED = "verified"


ENTRY_RELATED = ("parameter", "control", "material__material", "deviation", "lot__material", "created_by")


def batch_parts(record_id: str) -> list[tuple[str, str]]:
    """Return the records a batch record is made of: its steps and entries, voided ones too (ledger.parts)."""
    if not record_id.isdecimal():
        return []
    steps = BatchStep._base_manager.filter(batch_id=record_id).values_list("pk", flat=True)
    entries = BatchEntry._base_manager.filter(step__batch_id=record_id).values_list("pk", flat=True)
    step_type, entry_type = BatchStep.record_type(), BatchEntry.record_type()
    return [*((step_type, str(pk)) for pk in steps), *((entry_type, str(pk)) for pk in entries)]


def entries_of(step: BatchStep) -> list[BatchEntry]:
    """Return every entry of the step, superseded ones and voided ones included, in the order recorded."""
    return list(step.entries.select_related(*ENTRY_RELATED).order_by("at", "pk"))


def entries_by_step(batch: Batch) -> dict[int, list[BatchEntry]]:
    """Return every entry of the batch by its step's id, as entries_of orders them, in one query for all steps."""
    grouped: dict[int, list[BatchEntry]] = {}
    for e in BatchEntry.objects.filter(step__batch=batch).select_related(*ENTRY_RELATED).order_by("at", "pk"):
        grouped.setdefault(e.step_id, []).append(e)
    return grouped


def steps_of(batch: Batch) -> list[BatchStep]:
    """Return every step of the batch, voided ones too, with its master step, room and operator, by number."""
    return list(batch.steps.select_related("mbr_step", "room", "operator").order_by("number", "pk"))


def live_entries(step: BatchStep, every: list[BatchEntry] | None = None) -> list[BatchEntry]:
    """Return the step's entries that stand: not voided and not superseded by a live correction.

    `every` is the step's entries (entries_of) when the caller read them already (the step page shows them all).
    """
    rows = [e for e in (entries_of(step) if every is None else every) if not e.voided]
    superseded = {e.supersedes_id for e in rows if e.supersedes_id is not None}
    return [e for e in rows if e.pk not in superseded]


def verified_ids(entries: list[BatchEntry]) -> set[int]:
    """Return the ids of the entries whose current version is signed 'verified' by a second person (one query)."""
    if not entries:
        return set()
    versions = {e.pk: e.version for e in entries}
    signed = Signature.objects.filter(
        record_type=entries[0].record_type(), record_id__in=[str(pk) for pk in versions], meaning=VERIFIED
    ).values_list("record_id", "record_version")
    return {int(pk) for pk, version in signed if versions.get(int(pk)) == version}


def is_verified(entry: BatchEntry) -> bool:
    """Return True when the entry's current version carries a second person's 'verified' signature."""
    return entry.pk in verified_ids([entry])


def needs_verification(entry: BatchEntry, mbr_step: MbrStep) -> bool:
    """Return True when the master record asks a second person to verify the entry."""
    return bool(mbr_step.verification or (entry.material is not None and entry.material.verification))


def line_bounds(line: MbrMaterial) -> tuple[Decimal, Decimal]:
    """Return the least and the most of a bill-of-materials line the step may take (its tolerance)."""
    margin = line.quantity * line.tolerance_percent / Decimal(100)
    return line.quantity - margin, line.quantity + margin


def added(step: BatchStep, line: MbrMaterial, live: list[BatchEntry] | None = None) -> Decimal:
    """Return how much of the line the step's live additions took, in the line's unit (lots may be split)."""
    rows = live if live is not None else live_entries(step)
    return sum(
        (convert(e.amount, e.unit, line.unit) for e in rows if e.material_id == line.pk and e.amount is not None),
        Decimal(0),
    )


def missing_entries(step: BatchStep) -> list[str]:
    """Return what the step lacks before it may be completed, in words (empty when nothing)."""
    mbr_step = step.mbr_step
    live = live_entries(step)
    have = {(e.kind, e.parameter_id or e.control_id or e.material_id) for e in live}
    missing: list[str] = []
    for p in mbr_step.parameters.filter(voided=False).order_by("position"):
        if ("parameter", p.pk) not in have:
            missing.append(f"parameter {p.name}")
    for c in mbr_step.controls.filter(voided=False).order_by("position"):
        if ("control", c.pk) not in have:
            missing.append(f"control {c.name}")
    for m in mbr_step.materials.filter(voided=False).select_related("material").order_by("position"):
        if ("material", m.pk) not in have:
            missing.append(f"material {m.material.code}")
            continue
        low, high = line_bounds(m)
        taken = added(step, m, live)
        if taken < low:
            missing.append(f"material {m.material.code} ({plain(taken)} of {plain(low)}–{plain(high)} {m.unit} added)")
    verified = verified_ids(live)
    for e in live:
        if e.flag == EntryFlag.WARNING and not e.acknowledged:
            missing.append(f"the acknowledgement of {e.record_key}")
        if e.flag == EntryFlag.BEYOND_CELL_AGE:
            # Cells beyond the bank's validated limit are not used for production (ICH Q5D §2.3.3): the
            # step waits for QA's decision in the deviation, or a correction of a mistyped value.
            missing.append(f"a cell age within the bank's limit ({e.record_key} is beyond it)")
        if needs_verification(e, mbr_step) and e.pk not in verified:
            missing.append(f"a second person's verification of {e.record_key}")
    return missing


@dataclass(frozen=True)
class BatchException:
    """One thing QA looks at: its kind, what happened, the record it is about, and when."""

    kind: str  # deviation, out_of_range, correction, late, acknowledged_warning, em_excursion
    text: str
    record_key: str
    at: dt.datetime


def _period(live_steps: list[BatchStep]) -> tuple[dt.datetime, dt.datetime] | None:
    steps = [s for s in live_steps if s.started_at is not None]
    if not steps:
        return None
    start = min(s.started_at for s in steps if s.started_at is not None)
    ends = [s.ended_at for s in steps]
    end = clock.now() if any(e is None for e in ends) else max(e for e in ends if e is not None)
    return start, end


def exceptions(
    batch: Batch, *, steps: list[BatchStep] | None = None, by_step: dict[int, list[BatchEntry]] | None = None
) -> list[BatchException]:
    """Return the batch's exceptions for review, in time order (what is not listed went as instructed).

    `steps` (steps_of) and `by_step` (entries_by_step) are the batch's steps and entries when the caller
    read them already (the batch page shows them too): the batch is then not read again.
    """
    found: list[BatchException] = []
    # Every step, voided ones too: an entry names its step by number whatever the step became.
    every_step = steps if steps is not None else list(batch.steps.all())
    number = {s.pk: s.number for s in every_step}
    live_steps = sorted((s for s in every_step if not s.voided), key=lambda s: s.number)
    if by_step is None:
        entries: Any = BatchEntry.objects.filter(step__batch=batch, voided=False).select_related(
            "parameter", "control", "material__material", "deviation", "lot"
        )
    else:
        entries = [e for rows in by_step.values() for e in rows if not e.voided]
    for e in entries:
        where = f"step {number[e.step_id]}"
        what = e.parameter.name if e.parameter else e.control.name if e.control else (e.lot.number if e.lot else "")
        if e.flag != EntryFlag.OK:
            found.append(
                BatchException(
                    "out_of_range",
                    f"{where}: {what} {e.value} {display(e.unit)}: {e.get_flag_display().lower()}",
                    e.record_key,
                    e.at,
                )
            )
        if e.flag == EntryFlag.WARNING and e.acknowledged:
            found.append(
                BatchException(
                    "acknowledged_warning",
                    f"{where}: {what} {e.value} {display(e.unit)}: warning acknowledged",
                    e.record_key,
                    e.at,
                )
            )
        if e.supersedes_id is not None:
            found.append(
                BatchException(
                    "correction",
                    f"{where}: {what} corrected to {e.value} {display(e.unit)}: {e.correction_reason}",
                    e.record_key,
                    e.at,
                )
            )
        if e.late:
            found.append(
                BatchException(
                    "late",
                    f"{where}: {what} observed {e.observed_at.isoformat(timespec='minutes')}, "
                    f"recorded {e.at.isoformat(timespec='minutes')}",
                    e.record_key,
                    e.at,
                )
            )
    found.extend(_deviations(batch, live_steps))
    found.extend(_em(live_steps))
    return sorted(found, key=lambda x: (x.at, x.kind, x.record_key))


def _deviations(batch: Batch, steps: list[BatchStep]) -> list[BatchException]:
    """Return the deviations that concern the batch or one of its steps (opened by an entry, or linked by QA).

    The links of the batch and of all its steps are read at once, and their deviations at once, so a
    batch of 300 steps costs what one of 3 does; the first place a deviation is met (the batch, then
    the steps in order, each's links in the order made) names it, as before.
    """
    from django.db.models import Q

    from atmp.quality.models.deviations import Deviation
    from atmp.workflow.models import Link

    places = [(batch.record_type(), str(batch.pk), f"batch {batch.number}")] + [
        (s.record_type(), str(s.pk), f"step {s.number}") for s in steps
    ]
    targets = Q(target_type=batch.record_type(), target_id=str(batch.pk))
    if steps:
        targets |= Q(target_type=steps[0].record_type(), target_id__in=[str(s.pk) for s in steps])
    links = Link.objects.filter(targets, voided=False, relation="concerns", source_type="quality.deviation")
    by_target: dict[tuple[str, str], list[str]] = {}
    for target_type, target_id, source_id in links.order_by("pk").values_list("target_type", "target_id", "source_id"):
        by_target.setdefault((target_type, target_id), []).append(source_id)
    wanted = {int(i) for ids in by_target.values() for i in ids if i.isdecimal()}
    deviations = {d.pk: d for d in Deviation._base_manager.filter(pk__in=wanted)} if wanted else {}
    seen: dict[int, tuple[Deviation, str]] = {}
    for target_type, target_id, where in places:
        for source_id in by_target.get((target_type, target_id), []):
            d = deviations.get(int(source_id)) if source_id.isdecimal() else None
            if d is not None and not d.voided:
                seen.setdefault(d.pk, (d, where))
    return [
        BatchException("deviation", f"{where}: deviation {d.number} ({d.title}), {d.state_label().lower()}",
                       d.record_key, d.occurred_at)
        for d, where in seen.values()
    ]  # fmt: skip


def _em(live_steps: list[BatchStep]) -> list[BatchException]:
    """Return the EM results at alert or action level in the batch's rooms while the batch was made."""
    period = _period(live_steps)
    room_ids = {s.room_id for s in live_steps if s.room_id is not None}
    if period is None or not room_ids:
        return []
    rows = Result.objects.filter(
        point__room_id__in=room_ids,
        voided=False,
        level__in=(limits.ALERT, limits.ACTION),
        taken_at__gte=period[0],
        taken_at__lte=period[1],
    ).select_related("point__room")
    return [
        BatchException(
            "em_excursion",
            f"EM {r.level} level: {r.point.get_type_display()} at {r.point.room.code}/{r.point.code}: "
            f"{r.value} {r.unit}",
            r.record_key,
            r.taken_at,
        )
        for r in rows
    ]


def cell_banks(batch: Batch) -> list[Any]:
    """Return the banks the batch's cells came from: the nearest banks (not EOPC) its output lot was made from.

    One backward trace of the output lot (trace's recursive selector): a bank's vial added in this
    batch is one level back; one added in a batch whose output this batch used is further, and counts
    the same. Only the nearest level counts: a WCB's own MCB is behind it, not a source of the cells.
    """
    from atmp.trace.models import CellBank
    from atmp.trace.selectors import genealogy

    reached = {lot.id: lot.level for lot in genealogy.backward(batch.output_lot).lots if lot.level > 0}
    found = list(
        CellBank.objects.filter(lot_id__in=list(reached), voided=False).exclude(kind="eopc").select_related("lot")
    )
    if not found:
        return []
    nearest = min(reached[b.lot_id] for b in found)
    return sorted((b for b in found if reached[b.lot_id] == nearest), key=lambda b: b.lot.number)


def cell_age_limits(step: BatchStep, parameters: list[MbrParameter] | None = None) -> list[str]:
    """Return, for each cell age parameter of the step, the limit it is held to, in words (the step page).

    `parameters` is the master step's live parameters in order, when the caller read them already.
    """
    from atmp.manufacturing.units import CELL_AGE_UNITS
    from atmp.trace.bank_panel import AGE_UNITS

    rows = step.mbr_step.parameters.filter(voided=False) if parameters is None else parameters
    names = [p.name for p in rows if p.unit in CELL_AGE_UNITS]
    if not names:
        return []
    banks = cell_banks(step.batch)
    if not banks:
        return [
            f"{n}: no cell bank or seed stock added to this batch yet; its limit comes from the bank" for n in names
        ]
    limits = "; ".join(
        f"at most {b.age_limit} {AGE_UNITS[b.age_unit]} from the thaw of {b.label} (ICH Q5D §2.3.3)" for b in banks
    )
    return [f"{n}: {limits}" for n in names]
