"""Material additions by scan: the lot checked against the bill-of-materials line, then consumed into the
batch's output lot through trace's genealogy (one edge per addition), in one change.

Rules, in the order checked, each refusal naming its own (EU GMP Part IV §6.20-6.25, §7.2):

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
from atmp.ledger.errors import RuleViolation
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
    )
    entry.late = is_late(step, entry.observed_at, now)
    with writer.change(
        actor=actor, reason=reason or f"{scanned.number} added in step {step.number} of {batch.number}"
    ) as ch:
        ch.hold()  # what the line took so far is read under the lock: two scans at once cannot both pass
        broken = tolerance_rule(line, in_line_unit, already=added(step, line))
        if broken:
            raise RuleViolation(broken)
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
