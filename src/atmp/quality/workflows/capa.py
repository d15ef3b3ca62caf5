"""The CAPA and CAPA-action workflows (ICH Q10 §3.2.2; EU GMP Chapter 1 §1.4(xiv))."""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow

OPEN_ACTION_STATES = ("open",)


def actions_done(capa: Any) -> str | None:
    """A CAPA is implemented only when it has actions and every one is done (or cancelled with a reason)."""
    from atmp.quality.models.capa import CapaAction

    actions = CapaAction.objects.filter(capa=capa, voided=False)
    if not actions.exists():
        return "a CAPA needs at least one action"
    pending = actions.filter(status__in=OPEN_ACTION_STATES).count()
    if pending:
        return f"{pending} action(s) are not done: every action must be done before the effectiveness check"
    return None


def found_effective(capa: Any) -> str | None:
    """A CAPA closes as effective only when its effectiveness check found it effective."""
    if capa.effectiveness_outcome != "effective":
        return "record the effectiveness check's outcome as effective (with its evidence) to close"
    return None


def found_ineffective(capa: Any) -> str | None:
    """Reopening or following up is for a CAPA whose effectiveness check found it not effective."""
    if capa.effectiveness_outcome != "not_effective":
        return "only a CAPA found not effective is reopened or followed up by a new CAPA"
    return None


def spawn_follow_up(ch: Any, capa: Any, actor: Any) -> None:
    """Open a new CAPA that follows up the ineffective one, linked to it, in the same change."""
    from atmp.quality.services.capa import open_follow_up

    open_follow_up(ch, capa=capa, actor=actor)


CAPA_WORKFLOW = Workflow(
    states=(
        State("open", "Open: actions in progress"),
        State("effectiveness_check", "Effectiveness check"),
        State("closed", "Closed", final=True),
        State("cancelled", "Cancelled", final=True),
    ),
    initial="open",
    transitions=(
        Transition(
            "implemented",
            "Actions done: check effectiveness",
            ("open",),
            "effectiveness_check",
            required=("effectiveness_criteria", "effectiveness_due"),
            preconditions=(actions_done,),
            help="The effectiveness check is a later, separate step with its own due date and criteria.",
        ),
        Transition(
            "close",
            "Close as effective",
            ("effectiveness_check",),
            "closed",
            permission="quality.decide",
            required=("effectiveness_outcome", "effectiveness_evidence"),
            preconditions=(actions_done, found_effective),
            meaning="approved",
        ),
        Transition(
            "reopen",
            "Reopen: not effective",
            ("effectiveness_check",),
            "open",
            permission="quality.decide",
            preconditions=(found_ineffective,),
            help="New actions are added to this CAPA.",
        ),
        Transition(
            "close_with_follow_up",
            "Close and open a follow-up CAPA",
            ("effectiveness_check",),
            "closed",
            permission="quality.decide",
            required=("effectiveness_outcome", "effectiveness_evidence"),
            preconditions=(found_ineffective,),
            meaning="approved",
            effects=(spawn_follow_up,),
        ),
        Transition("cancel", "Cancel", ("open",), "cancelled", permission="quality.decide"),
    ),
)


CAPA_ACTION_WORKFLOW = Workflow(
    states=(
        State("open", "Open"),
        State("done", "Done", final=True),
        State("cancelled", "Cancelled", final=True),
    ),
    initial="open",
    transitions=(
        Transition("complete", "Mark done", ("open",), "done", required=("evidence",)),
        Transition("cancel", "Cancel", ("open",), "cancelled", permission="quality.decide"),
    ),
)
