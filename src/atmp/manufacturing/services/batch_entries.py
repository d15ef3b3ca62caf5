"""Batch entries: parameter values and in-process control results, recorded as they happen; corrections;
a second person's verification (an e-signature 'verified').

Rules, each refusal naming its own (issue 14, "Bad input"; DESIGN principle 7):

- `value format`: a value is a plain decimal number with at most the parameter's decimals.
- `unit mismatch`: a value in another unit than the master record's is refused unless converted
  explicitly (`convert=True`, by atmp.manufacturing.units' table, rounded to the stated decimals),
  never silently.
- `warning not acknowledged`: a value outside the normal operating range is recorded only once the
  operator acknowledges it; outside the proven acceptable range, or a control's result outside its
  limits, the entry is flagged and a deviation concerning the step is opened in the same change
  (EU GMP Part IV ch. 11, 'handling of unplanned deviations'; Part I Chapter 1 §1.4(xiv)). Ranges and limits are
  inclusive.
- `step not in progress`: a new entry goes to a running step; a correction may follow its end (late).
- `correction`: supersedes a live entry of the same kind, with a reason; the original stays.
- `cell age`: a parameter counted in passages or population doublings ({passage}, {PDL}) is the
  in-vitro cell age of the step's cells, counted from the thaw of the bank they came from (the
  nearest cell bank or seed stock the batch's output lot was made from, trace's genealogy). A whole
  number, in the bank's unit; refused when the batch's cells come from no bank. Beyond the bank's
  validated limit (ICH Q5D §2.3.3) it is recorded, as a fact must be (Chapter 4 §4.8), flagged
  `beyond_cell_age` with a deviation opened in the same change, and the step cannot be completed
  while it stands (selectors.batches.missing_entries): cells beyond the limit are not used for
  production (docs/adr/0024).
- Late: recorded more than 15 minutes after it was observed, or after its step ended.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from atmp.accounts import signing
from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.ledger import clock, writer
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.ledger.models import Signature
from atmp.manufacturing import units as mu
from atmp.manufacturing.models import BatchEntry, BatchStep, EntryFlag, MbrControl, MbrParameter, StepProgress
from atmp.manufacturing.selectors.batches import live_entries
from atmp.quality.services import edits
from atmp.quality.services.deviations import open_deviation
from atmp.trace.services import checks
from atmp.trace.units import display

LATE_AFTER = dt.timedelta(minutes=15)
NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def parse_value(value: Any, decimals: int, *, field: str = "value") -> Decimal:
    """Return the value as a Decimal of at most `decimals` places, or refuse it naming the field."""
    text = (
        str(value if value is not None else "").strip().replace(",", ".")
        if not isinstance(value, Decimal)
        else str(value)
    )
    if not NUMBER.match(text):
        raise InvalidInput(field, f"value format: {value!r} is not a number like 37.2")
    places = len(text.partition(".")[2])
    if places > decimals:
        raise InvalidInput(field, f"value format: {text} has {places} decimals; the master record allows {decimals}")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise InvalidInput(field, f"value format: {value!r} is not a number") from None


def in_unit(amount: Decimal, given: Any, expected: str, *, convert: bool, decimals: int) -> tuple[Decimal, str, bool]:
    """Return the amount in the expected unit, the unit given (its code) and whether it was converted."""
    try:
        target = mu.unit(expected)
        source = mu.unit(given) if given not in (None, "") else target
    except mu.UnitRefused as exc:
        raise InvalidInput("unit", f"unit mismatch: {exc}") from None
    if source.code == target.code:
        return amount, source.code, False
    if not convert:
        raise InvalidInput(
            "unit",
            f"unit mismatch: the value is in {source.symbol}, the master record's in {target.symbol}; "
            f"enter it in {target.symbol} or convert it explicitly",
        )
    try:
        converted = mu.convert(amount, source.code, target.code)
    except mu.UnitRefused as exc:
        raise InvalidInput("unit", f"unit mismatch: {exc}") from None
    # Rounded to the stated decimals, half up (USP General Notices 7.20, the pharmacopoeial convention).
    return converted.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP), source.code, True


def _outside(amount: Decimal, low: Decimal | None, high: Decimal | None) -> bool:
    return (low is not None and amount < low) or (high is not None and amount > high)


def _range(low: Decimal | None, high: Decimal | None, unit: str) -> str:
    show = display(unit)
    lo = "" if low is None else f"{low.normalize():f}"
    hi = "" if high is None else f"{high.normalize():f}"
    return f"{lo or '…'}–{hi or '…'} {show}"


def is_late(step: BatchStep, observed: dt.datetime, now: dt.datetime) -> bool:
    return now - observed > LATE_AFTER or (step.ended_at is not None and now - step.ended_at > LATE_AFTER)


def check_step(actor: User, step: BatchStep, *, correction: bool) -> None:
    edits.check_writer(actor, BatchEntry, site=step.batch.site)
    if step.batch.status != "in_progress":
        raise RuleViolation(
            f"batch not in progress: batch {step.batch.number} is {step.batch.state_label().lower()}; "
            "its record takes no entries"
        )
    allowed = (StepProgress.IN_PROGRESS, StepProgress.DONE) if correction else (StepProgress.IN_PROGRESS,)
    if step.voided or step.progress not in allowed:
        raise RuleViolation(
            f"step not in progress: step {step.number} of batch {step.batch.number} is "
            f"{step.get_progress_display().lower()}; start it first"
        )


def _deviation(actor: User, step: BatchStep, entry: BatchEntry, rng: str, reason: str) -> Any:
    batch = step.batch
    if entry.parameter is not None:
        name, outside = entry.parameter.name, "outside its proven acceptable range"
        bound = f"the proven acceptable range {rng}"
    else:
        name, outside = (entry.control.name if entry.control else ""), "outside its limits"
        bound = f"the limits {rng}"
    return open_deviation(
        actor=actor,
        site=batch.site,
        title=f"{name} {outside} in batch {batch.number}"[:200],
        description=(
            f"Batch {batch.number}, step {step.number} ({step.mbr_step.title}): {name} was {entry.value} "
            f"{display(entry.unit)}, outside {bound} of {batch.mbr}. Recorded by atmp as it was entered."
        ),
        occurred_at=min(entry.observed_at, entry.at),
        area=step.room.code if step.room else "",
        immediate_actions="Opened by atmp when the value was entered; QA assesses the impact on the batch.",
        source=step,
        reason=reason,
    )


def cell_age_rule(step: BatchStep, row: MbrParameter | MbrControl, amount: Decimal) -> str | None:
    """Return the rule a cell age beyond its bank's limit breaks, None within it; refuse a cell age with no bank.

    Not a cell age (a parameter in another unit, or a control): None.
    """
    from atmp.manufacturing.selectors.batches import cell_banks
    from atmp.trace import bank_panel

    age_unit = mu.CELL_AGE_UNITS.get(row.unit)
    if age_unit is None or not isinstance(row, MbrParameter):
        return None
    if amount != amount.to_integral_value() or amount < 0:
        raise InvalidInput("value", f"cell age: {amount:f} is not a whole number of {bank_panel.AGE_UNITS[age_unit]}")
    banks = cell_banks(step.batch)
    if not banks:
        raise RuleViolation(
            f"cell age: batch {step.batch.number} was made from no cell bank or seed stock; add the bank's vial "
            "(a material addition) before recording its cells' age"
        )
    for bank in banks:
        if bank.age_unit != age_unit:
            raise InvalidInput(
                "unit",
                f"cell age: {bank.label} counts cell age in {bank_panel.AGE_UNITS[bank.age_unit]}, "
                f"the master record in {bank_panel.AGE_UNITS[age_unit]}",
            )
        broken = bank_panel.age_rule(int(amount), bank.age_unit, bank.age_limit, bank.label)
        if broken:
            return broken
    return None


def _cell_age_deviation(actor: User, step: BatchStep, entry: BatchEntry, rule: str, reason: str) -> Any:
    batch = step.batch
    return open_deviation(
        actor=actor,
        site=batch.site,
        title=f"Cell age beyond the bank's limit in batch {batch.number}"[:200],
        description=(
            f"Batch {batch.number}, step {step.number} ({step.mbr_step.title}): {rule}. Cells beyond the "
            "validated limit are not used for production; the step is not completed until QA decides. "
            "Recorded by atmp as it was entered."
        ),
        occurred_at=min(entry.observed_at, entry.at),
        area=step.room.code if step.room else "",
        immediate_actions="Opened by atmp when the cell age was entered; the step is held.",
        source=step,
        reason=reason,
    )


def record_value(
    *,
    actor: User,
    step: BatchStep,
    row: MbrParameter | MbrControl,
    value: Any,
    unit: Any,
    convert: bool,
    acknowledged: bool,
    observed_at: Any,
    note: str,
    reason: str,
    supersedes: BatchEntry | None = None,
    correction_reason: str = "",
    source: str = "",
    raw: str = "",
) -> BatchEntry:
    """Record a parameter value or a control result (typed, or captured with its source), checked and flagged."""
    check_step(actor, step, correction=supersedes is not None)
    is_parameter = isinstance(row, MbrParameter)
    decimals = row.decimals if isinstance(row, MbrParameter) else 6
    entered = parse_value(value, decimals)
    amount, given_unit, converted = in_unit(entered, unit, row.unit, convert=convert, decimals=decimals)
    now = clock.now()
    entry = BatchEntry(
        step=step,
        kind="parameter" if is_parameter else "control",
        parameter=row if isinstance(row, MbrParameter) else None,
        control=row if isinstance(row, MbrControl) else None,
        value=f"{entered:f}",
        unit=given_unit,
        converted=converted,
        amount=amount,
        observed_at=checks.moment(observed_at, "observed_at", skew=dt.timedelta(minutes=2)),
        at=now,
        supersedes=supersedes,
        correction_reason=correction_reason,
        source=source,
        note=edits.text(note, "note"),
    )
    if raw:  # a captured value is kept as the instrument gave it; `amount` holds it rounded
        entry.value = raw[:60]
    entry.late = is_late(step, entry.observed_at, now)
    # Limits are inclusive: a value on a bound is within it (ICH Q8(R2) ranges, a control's low and high).
    beyond = cell_age_rule(step, row, amount)
    if beyond:
        entry.flag = EntryFlag.BEYOND_CELL_AGE
        bound, nor = "", ""
    elif isinstance(row, MbrParameter):
        bound, nor = _range(row.par_low, row.par_high, row.unit), _range(row.nor_low, row.nor_high, row.unit)
        if _outside(amount, row.par_low, row.par_high):
            entry.flag = EntryFlag.OUT_OF_PAR
        elif _outside(amount, row.nor_low, row.nor_high):
            entry.flag = EntryFlag.WARNING
    else:
        bound, nor = _range(row.low, row.high, row.unit), ""
        if _outside(amount, row.low, row.high):
            entry.flag = EntryFlag.OUT_OF_LIMITS
    if entry.flag == EntryFlag.WARNING:
        if not acknowledged:
            raise RuleViolation(
                f"warning not acknowledged: {row.name} {entry.value} {display(entry.unit)} is outside the normal "
                f"operating range {nor}; acknowledge the warning to record it"
            )
        entry.acknowledged = True
    what = f"{row.name} of step {step.number} of batch {step.batch.number}"
    with writer.change(actor=actor, reason=reason or (f"correction of {what}" if supersedes else what)) as ch:
        if beyond:
            entry.deviation = _cell_age_deviation(actor, step, entry, beyond, ch.reason)
        elif entry.flag in (EntryFlag.OUT_OF_PAR, EntryFlag.OUT_OF_LIMITS):
            entry.deviation = _deviation(actor, step, entry, bound, ch.reason)
        ch.save(entry)
    return entry


def record_parameter(
    *,
    actor: User,
    step: BatchStep,
    parameter: MbrParameter,
    value: Any,
    unit: Any = None,
    convert: bool = False,
    acknowledged: bool = False,
    observed_at: Any = None,
    note: str = "",
    reason: str = "",
) -> BatchEntry:
    """Record a critical process parameter's value (warned outside NOR, a deviation outside PAR)."""
    if parameter.step_id != step.mbr_step_id or parameter.voided:
        raise InvalidInput("parameter", f"{parameter.name!r} is not a parameter of step {step.number}")
    return record_value(
        actor=actor, step=step, row=parameter, value=value, unit=unit, convert=convert,
        acknowledged=acknowledged, observed_at=observed_at, note=note, reason=reason,
    )  # fmt: skip


def record_control(
    *,
    actor: User,
    step: BatchStep,
    control: MbrControl,
    value: Any,
    unit: Any = None,
    convert: bool = False,
    observed_at: Any = None,
    note: str = "",
    reason: str = "",
) -> BatchEntry:
    """Record an in-process control's result (flagged, and a deviation opened, outside its limits)."""
    if control.step_id != step.mbr_step_id or control.voided:
        raise InvalidInput("control", f"{control.name!r} is not an in-process control of step {step.number}")
    return record_value(
        actor=actor, step=step, row=control, value=value, unit=unit, convert=convert,
        acknowledged=False, observed_at=observed_at, note=note, reason=reason,
    )  # fmt: skip


def correct_entry(
    *,
    actor: User,
    entry: BatchEntry,
    value: Any,
    reason: str,
    unit: Any = None,
    convert: bool = False,
    acknowledged: bool = False,
    observed_at: Any = None,
    note: str = "",
) -> BatchEntry:
    """Record a correction: a new entry superseding the live one, with the reason (the original stays)."""
    why = edits.text(reason, "reason", required=True, limit=500)
    if entry.voided or entry.pk not in {e.pk for e in live_entries(entry.step)}:
        raise Conflict(f"{entry.record_key} is superseded or voided already: correct the entry that stands")
    row = entry.parameter or entry.control
    if row is None:
        raise RuleViolation(
            f"correction: {entry.record_key} is a material addition: correct its lot and quantity (correct_material)"
        )
    return record_value(
        actor=actor, step=entry.step, row=row, value=value, unit=unit, convert=convert, acknowledged=acknowledged,
        observed_at=observed_at if observed_at is not None else entry.observed_at, note=note, reason=why,
        supersedes=entry, correction_reason=why,
    )  # fmt: skip


def verify_entry(*, actor: User, entry: BatchEntry, password: str, otp: str | None = None) -> Signature:
    """Sign the entry 'verified' as the second person (never the one who entered it)."""
    if entry.voided or entry.pk not in {e.pk for e in live_entries(entry.step)}:
        raise Conflict(f"{entry.record_key} is superseded or voided: verify the entry that stands")
    return signing.sign(signer=actor, record=entry, meaning="verified", password=password, otp=otp)


def find_entry(entry_id: Any, *, user: User | None = None) -> BatchEntry:
    """Return the entry of the id (one the user may see), or refuse naming the field."""
    from atmp.accounts.services import can_see

    try:
        pk = int(str(entry_id).strip())
    except ValueError:
        raise InvalidInput("entry", f"{entry_id!r} is not an entry's id") from None
    found = (
        BatchEntry.objects.select_related("step__batch__site", "parameter", "control", "material").filter(pk=pk).first()
    )
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput("entry", f"there is no batch entry {entry_id!r}")
    return found
