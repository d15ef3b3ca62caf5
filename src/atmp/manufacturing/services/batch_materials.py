"""Material additions by scan: the lot checked against the bill-of-materials line, then consumed into the
batch's output lot through trace's genealogy (one edge per addition), in one change.

Rules, in the order checked, each refusal naming its own (EU GMP Part IV ch. 6, 'traceability data'; ch. 7,
Starting and raw materials):

- `wrong material`: the scanned lot is of another material than the line's.
- trace's `usable_on`: a voided, recalled, unreleased (quarantined, rejected…) or expired lot is
  refused ("lot X is quarantine: only a released lot is used").
- `mix-up`: for an autologous batch, a lot made for (donated by) another patient (trace's
  `genealogy.mix_up`, the chain of identity's rule).
- `quantity out of tolerance`: the quantity, converted to the line's unit, does not bring what the
  line took (lots may be split) above the line's tolerance; the step completes once the total
  reaches the tolerance's least; what is left of the lot is trace's rule (record_use).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.ledger import clock, writer
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.manufacturing.models import BatchEntry, BatchEntryKind, BatchStep, MbrMaterial
from atmp.manufacturing.selectors.batches import added, line_bounds
from atmp.manufacturing.services.batch_entries import check_step, is_late
from atmp.quality.services import edits
from atmp.trace.services import checks, genealogy
from atmp.trace.services.lots import find_lot
from atmp.trace.units import plain


def tolerance_rule(line: MbrMaterial, amount: Decimal, *, already: Decimal = Decimal(0)) -> str | None:
    """Return the tolerance rule that adding the amount (in the line's unit) to what was added breaks, or None.

    A line may be filled from several lots (a bottle and part of another): each addition is
    refused only when it brings the line above its tolerance; the step completes once the total
    reaches the least the tolerance allows (selectors.batches.missing_entries).
    """
    low, high = line_bounds(line)
    total = already + amount
    if total <= high:
        return None
    what = f"{plain(amount)} {line.unit} of {line.material.code}"
    if already:
        what = f"{plain(amount)} {line.unit} more of {line.material.code} (to {plain(total)} {line.unit})"
    return (
        f"quantity out of tolerance: {what} is above {plain(line.quantity)} {line.unit} "
        f"± {plain(line.tolerance_percent)} % ({plain(low)}–{plain(high)} {line.unit})"
    )


def add_material(
    *,
    actor: User,
    step: BatchStep,
    line: MbrMaterial,
    lot: str,
    quantity: Any,
    unit: Any = None,
    observed_at: Any = None,
    note: str = "",
    reason: str = "",
) -> BatchEntry:
    """Record the addition of a scanned lot for a bill-of-materials line: checked, then written to the genealogy."""
    check_step(actor, step, correction=False)
    if line.step_id != step.mbr_step_id or line.voided:
        raise InvalidInput("line", f"that bill-of-materials line is not one of step {step.number}")
    return _record(
        actor=actor, step=step, line=line, lot=lot, quantity=quantity, unit=unit, observed_at=observed_at, note=note,
        reason=reason or f"{str(lot).strip()} added in step {step.number} of {step.batch.number}",
    )  # fmt: skip


def correct_material(
    *,
    actor: User,
    entry: BatchEntry,
    lot: str,
    quantity: Any,
    reason: str,
    unit: Any = None,
    observed_at: Any = None,
    note: str = "",
) -> BatchEntry:
    """Correct a material addition: void its genealogy use and record the right lot and quantity, in one change.

    The new entry supersedes the original, which stays visible with its (voided) use; what the
    original took of its lot counts as given back, for the tolerance and for what is left.
    """
    from atmp.manufacturing.selectors.batches import live_entries

    why = edits.text(reason, "reason", required=True, limit=500)
    if entry.material is None:
        raise RuleViolation(f"correction: {entry.record_key} is not a material addition; correct its value instead")
    step = entry.step
    check_step(actor, step, correction=True)
    if entry.voided or entry.pk not in {e.pk for e in live_entries(step)}:
        raise Conflict(f"{entry.record_key} is superseded or voided already: correct the entry that stands")
    return _record(
        actor=actor, step=step, line=entry.material, lot=lot, quantity=quantity, unit=unit,
        observed_at=observed_at if observed_at is not None else entry.observed_at, note=note,
        reason=f"correction of {entry.record_key}: {why}", supersedes=entry, correction_reason=why,
    )  # fmt: skip


def _record(
    *,
    actor: User,
    step: BatchStep,
    line: MbrMaterial,
    lot: str,
    quantity: Any,
    unit: Any,
    observed_at: Any,
    note: str,
    reason: str,
    supersedes: BatchEntry | None = None,
    correction_reason: str = "",
) -> BatchEntry:
    """Check the scanned lot and quantity for the line; write the entry and its use (voiding the superseded one's)."""
    from atmp.trace.models import Use
    from atmp.trace.services.void import void_record

    batch = step.batch
    scanned = find_lot(edits.text(lot, "lot", required=True, limit=60), user=actor)
    amount = checks.quantity(quantity)
    given_unit = checks.unit(unit or line.unit)
    in_line_unit = checks.convert(amount, given_unit, line.unit)  # mg for a line in mL: refused, naming the unit
    now = clock.now()
    if scanned.material_id != line.material_id:
        raise RuleViolation(
            f"wrong material: lot {scanned.number} is {scanned.material.code}, "
            f"step {step.number} needs {line.material.code}"
        )
    broken = genealogy.usable_on(scanned, now.date(), what="used")
    if broken:
        raise RuleViolation(broken)
    if batch.patient is not None:
        mixed = genealogy.mix_up(scanned, batch.patient)
        if mixed:
            raise RuleViolation(mixed)
    entry = BatchEntry(
        step=step,
        kind=BatchEntryKind.MATERIAL,
        material=line,
        value=scanned.number,
        unit=given_unit,
        amount=amount,
        lot=scanned,
        observed_at=checks.moment(observed_at, "observed_at", skew=dt.timedelta(minutes=2)),
        at=now,
        note=edits.text(note, "note"),
        supersedes=supersedes,
        correction_reason=correction_reason,
    )
    entry.late = is_late(step, entry.observed_at, now)
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()  # what the line took so far is read under the lock: two scans at once cannot both pass
        already = added(step, line)
        if supersedes is not None:
            already -= checks.convert(supersedes.amount or Decimal(0), supersedes.unit, line.unit)
        broken = tolerance_rule(line, in_line_unit, already=already)
        if broken:
            raise RuleViolation(broken)
        if supersedes is not None and supersedes.use_id is not None:
            void_record(
                actor=actor, record=Use.objects.get(pk=supersedes.use_id), reason=reason,
                owner=f"manufacturing.batchstep:{step.pk}",
            )  # fmt: skip
        entry.use = genealogy.record_use(
            actor=actor,
            input=scanned,
            output=batch.output_lot,
            quantity=amount,
            unit=given_unit,
            at=now,
            made_by=f"manufacturing.batchstep:{step.pk}",
        )
        ch.save(entry)
    return entry
