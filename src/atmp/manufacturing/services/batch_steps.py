"""Batch steps: start one (in order; the operator trained, the room ready, the equipment usable), complete it.

Starting a step checks, and refuses with the rule's name, in this order:

- `batch not in progress`: a step starts only in a planned (then started with it) or running batch.
- `step order`: the steps before it are done, except those of its parallel group (the master
  record allows those to run side by side).
- `training missing`: the operator signed read-and-understood on the effective version of every
  SOP the step relies on (EU GMP Part IV ch. 3 (Personnel), 'training'; atmp.quality.is_trained).
- the room's rules (atmp.manufacturing.services.rooms.room_ready: out of service, wrong grade,
  changeover missing, line clearance missing); a room already in use for this batch is kept.
- the equipment's rules for each class the step needs (services.equipment.usable: wrong class, not
  qualified, calibration or maintenance due, not clean, changeover missing); `equipment missing`
  when no equipment of a needed class is given. Each use is written to the equipment's logbook
  with the batch: the batch's later steps use it again without a cleaning in between.

Completing a step needs every parameter, control and material line entered (a live entry each),
every warning acknowledged, and every verification the master record asks for signed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from atmp.accounts.models import User
from atmp.environment.models import Room
from atmp.ledger import clock, writer
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.manufacturing.models import Batch, BatchStep, Equipment, RoomUse, StepProgress
from atmp.manufacturing.selectors.batches import missing_entries
from atmp.manufacturing.services import logbook, rooms
from atmp.manufacturing.services.equipment import usable
from atmp.quality.selectors.documents import is_trained
from atmp.quality.services import edits
from atmp.workflow import engine


def order_rule(step: BatchStep) -> str | None:
    """Return the step-order rule the step breaks by starting now, or None."""
    before = (
        BatchStep.objects.filter(batch_id=step.batch_id, voided=False, parallel_group__lt=step.parallel_group)
        .exclude(progress=StepProgress.DONE)
        .order_by("number")
        .first()
    )
    if before is None:
        return None
    return (
        f"step order: step {step.number} starts only after step {before.number} is done "
        f"(it is {before.get_progress_display().lower()})"
    )


def training_rule(operator: User, step: BatchStep, on: dt.datetime) -> str | None:
    """Return the training rule the operator breaks for the step, or None."""
    for row in step.mbr_step.sops.filter(voided=False).select_related("document").order_by("position"):
        if not is_trained(operator, row.document, on):
            return (
                f"training missing: {operator.ledger_name()} is not trained on the effective "
                f"version of {row.document.number}, which step {step.number} relies on"
            )
    return None


def _room_use(actor: User, step: BatchStep, room: Room | None, on: dt.datetime) -> RoomUse | None:
    """Return the batch's use of the room (started now when the room is ready), or refuse naming the rule."""
    grade = step.mbr_step.room_grade or None
    if room is None:
        if grade:
            raise RuleViolation(f"room missing: step {step.number} needs a room of grade {grade}; scan the room")
        return None
    batch = step.batch
    current = rooms.last_use(room, on=on)
    if current is not None and current.ended_at is None and current.batch == batch.number:
        if grade and not rooms.grade_satisfies(room.grade, grade):
            raise RuleViolation(
                f"wrong grade: room {room.code} is grade {room.grade}, the step needs grade {grade} (or cleaner)"
            )
        return current  # the batch is in the room already (a previous step)
    return rooms.start_use(
        actor=actor, room=room, product=batch.product, batch=batch.number, at=on, grade_required=grade
    )


def _equipment(actor: User, step: BatchStep, equipment: Sequence[Equipment], on: dt.datetime) -> list[str]:
    """Check each piece for the class it serves and log its use; refuse a class with none given."""
    batch = step.batch
    used: list[str] = []
    for needed in step.mbr_step.equipment_classes:
        pieces = [e for e in equipment if e.equipment_class == needed]
        if not pieces:
            raise RuleViolation(f"equipment missing: step {step.number} needs a {needed}; scan the {needed} you use")
        for piece in pieces:
            refused = usable(piece, on=on, equipment_class=needed, product=batch.product, batch=batch.number)
            if refused:
                raise RuleViolation(refused)
    for piece in equipment:
        if piece.equipment_class not in step.mbr_step.equipment_classes:
            raise RuleViolation(
                f"wrong class: {piece.code} is a {piece.equipment_class}, step {step.number} needs "
                f"{', '.join(step.mbr_step.equipment_classes) or 'no equipment'}"
            )
        logbook.record_use(
            actor=actor,
            equipment=piece,
            purpose=f"batch {batch.number} step {step.number}",
            at=on,
            equipment_class=piece.equipment_class,
            product=batch.product,
            batch=batch.number,
        )
        used.append(piece.code)
    return used


def start_step(
    *,
    actor: User,
    step: BatchStep,
    room: Room | None = None,
    equipment: Sequence[Equipment] = (),
    reason: str = "",
) -> BatchStep:
    """Start the step as its operator, refused with the rule's name (order, training, room, equipment)."""
    batch = step.batch
    edits.check_writer(actor, BatchStep, site=batch.site)
    if step.voided or step.progress != StepProgress.PENDING:
        raise Conflict(f"step {step.number} of batch {batch.number} is {step.get_progress_display().lower()} already")
    if batch.status not in ("planned", "in_progress"):
        raise RuleViolation(
            f"batch not in progress: batch {batch.number} is {batch.state_label().lower()}; its steps do not start"
        )
    now = clock.now()  # one instant: the checks, the room use, the logbook and the step
    broken = order_rule(step) or training_rule(actor, step, now)
    if broken:
        raise RuleViolation(broken)
    why = reason or f"step {step.number} of batch {batch.number} started"
    with writer.change(actor=actor, reason=why) as ch:
        ch.hold()  # two operators starting the same step: the second reads it started, and is refused
        if BatchStep.objects.filter(pk=step.pk).exclude(progress=StepProgress.PENDING).exists():
            raise Conflict(f"step {step.number} of batch {batch.number} was started meanwhile")
        if batch.status == "planned":
            engine.transition(actor, batch, "start", reason=why)
        step.room_use = _room_use(actor, step, room, now)
        step.room = room
        step.equipment = _equipment(actor, step, equipment, now)
        step.operator = actor
        step.started_at = now
        step.progress = StepProgress.IN_PROGRESS
        ch.save(step)
    return step


def complete_step(*, actor: User, step: BatchStep, reason: str = "") -> BatchStep:
    """Complete the step: refused while an entry, an acknowledgement or a verification is missing."""
    batch: Batch = step.batch
    edits.check_writer(actor, BatchStep, site=batch.site)
    if step.voided or step.progress != StepProgress.IN_PROGRESS:
        raise Conflict(
            f"step {step.number} of batch {batch.number} is {step.get_progress_display().lower()}: "
            "only a step in progress is completed"
        )
    with writer.change(actor=actor, reason=reason or f"step {step.number} of batch {batch.number} done") as ch:
        ch.hold()  # an entry or a correction being recorded meanwhile is counted (or waits)
        missing = missing_entries(step)
        if missing:
            raise RuleViolation(
                f"entries missing: step {step.number} of batch {batch.number} lacks {'; '.join(missing)}"
            )
        step.ended_at = clock.now()
        step.progress = StepProgress.DONE
        ch.save(step)
    return step
