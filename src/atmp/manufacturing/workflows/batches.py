"""A batch's life: planned, in progress (its steps executed in order), executed, reviewed by QA (then QC's).

EU GMP Chapter 4 §4.20 and Part IV ch. 6 (Documentation), 'records/reports': the batch processing record is made
from the approved master record and completed as each action is taken; QA reviews it (by exception) before the
batch goes to QC and the Qualified Person for disposition (the QC and release module adds certification). A
batch becomes executed only when every one of its steps is done (a step is done only with all its entries and
verifications: atmp.manufacturing.services.batch_steps), so no transition skips a step.
"""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow

DECIDE = "quality.decide"


def all_steps_done(batch: Any) -> str | None:
    """Refuse a batch with a step not done."""
    from atmp.manufacturing.models.batches import StepProgress

    waiting = batch.steps.filter(voided=False).exclude(progress=StepProgress.DONE).order_by("number")
    first = waiting.first()
    if first is not None:
        return (
            f"steps not done: step {first.number} of batch {batch.number} is {first.get_progress_display().lower()}; "
            "a batch is executed when every step is done"
        )
    return None


def no_step_running(batch: Any) -> str | None:
    """Refuse to cancel a batch while one of its steps is in progress (complete or record it first)."""
    from atmp.manufacturing.models.batches import StepProgress

    running = batch.steps.filter(voided=False, progress=StepProgress.IN_PROGRESS).order_by("number").first()
    if running is not None:
        return f"step in progress: step {running.number} of batch {batch.number} runs; complete it before cancelling"
    return None


def end_room_uses(ch: Any, batch: Any, actor: Any) -> None:
    """End the batch's room uses still open: its rooms need cleaning or clearance before the next use."""
    from atmp.manufacturing.services.batches import open_uses
    from atmp.manufacturing.services.rooms import end_use

    for use in open_uses(batch):
        end_use(actor=actor, room=use.room, reason=f"batch {batch.number} executed")


BATCH_WORKFLOW = Workflow(
    states=(
        State("planned", "Planned"),
        State("in_progress", "In progress"),
        State("executed", "Executed"),
        State("reviewed", "Reviewed, with QC for disposition", final=True),
        State("cancelled", "Cancelled", final=True),
    ),
    initial="planned",
    transitions=(
        Transition(
            "start",
            "Start execution",
            ("planned",),
            "in_progress",
            help="The batch record is issued to the floor (taken too when its first step starts).",
        ),
        Transition(
            "complete",
            "Complete execution",
            ("in_progress",),
            "executed",
            preconditions=(all_steps_done,),
            effects=(end_room_uses,),
            help="Every step is done, with its entries and verifications; the batch's rooms are released.",
        ),
        Transition(
            "review",
            "Review by exception",
            ("executed",),
            "reviewed",
            permission=DECIDE,
            meaning="reviewed",
            help="QA reviewed the batch record by exception (signed 'reviewed'); QC and the QP take the disposition.",
        ),
        Transition(
            "cancel",
            "Cancel",
            ("planned", "in_progress"),
            "cancelled",
            permission=DECIDE,
            preconditions=(no_step_running,),
            help="The batch will not be made (or not finished): QA cancels it, saying why.",
        ),
    ),
)
