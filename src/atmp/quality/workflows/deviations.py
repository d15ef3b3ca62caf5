"""The deviation and planned-deviation workflows (EU GMP Part IV ch. 11; ICH Q10 §3.2.2).

EU GMP Part IV ch. 11 (Qualified person and batch release), 'handling of unplanned deviations'; Part I
Chapter 1 §1.4(xiv).
"""

from __future__ import annotations

from typing import Any

from atmp.ledger.clock import now
from atmp.workflow.machine import State, Transition, Workflow

NEEDS_CAPA = ("major", "critical")


def capa_linked(deviation: Any) -> str | None:
    """A major or critical deviation closes only with a CAPA raised against it (ICH Q10 §3.2.2)."""
    if deviation.classification not in NEEDS_CAPA:
        return None
    from atmp.workflow.links import linking

    if linking(deviation, source_type="quality.capa"):
        return None
    return f"a {deviation.classification} deviation needs a CAPA that originates from it (ICH Q10 §3.2.2)"


def classified(deviation: Any) -> str | None:
    """Investigation starts only once QA has classified the deviation from its risk scores."""
    if deviation.rpn is None:
        return "classify the deviation first: severity, occurrence and detectability (ICH Q9(R1))"
    return None


DEVIATION_WORKFLOW = Workflow(
    states=(
        State("open", "Open"),
        State("investigation", "Under investigation"),
        State("qa_review", "QA review"),
        State("closed", "Closed", final=True),
        State("cancelled", "Cancelled", final=True),
    ),
    initial="open",
    transitions=(
        Transition(
            "start_investigation",
            "Start the investigation",
            ("open",),
            "investigation",
            permission="quality.decide",
            required=("classification",),
            preconditions=(classified,),
            help="QA has classified the deviation; the owner investigates its root cause and impact.",
        ),
        Transition(
            "submit",
            "Submit for QA review",
            ("investigation",),
            "qa_review",
            required=("impact_assessment", "root_cause", "root_cause_method"),
            preconditions=(capa_linked,),
        ),
        Transition("return", "Return to investigation", ("qa_review",), "investigation", permission="quality.decide"),
        Transition(
            "close",
            "Approve and close",
            ("qa_review",),
            "closed",
            permission="quality.decide",
            required=("impact_assessment", "root_cause", "root_cause_method"),
            preconditions=(capa_linked,),
            meaning="approved",
            help="Your signature approves the investigation, the impact assessment and the CAPA decision.",
        ),
        Transition(
            "cancel",
            "Cancel (raised in error)",
            ("open", "investigation"),
            "cancelled",
            permission="quality.decide",
        ),
    ),
)


def before_the_event(planned: Any) -> str | None:
    """A planned deviation is approved before it takes effect (else it is unplanned: EU GMP Part IV ch. 11)."""
    if planned.planned_start is not None and planned.planned_start < now().date():
        return (
            f"the planned start {planned.planned_start} has passed: a planned deviation is approved "
            "before the event; record what happened as a deviation"
        )
    return None


def ended(planned: Any) -> str | None:
    """A planned deviation closes once its period is over, with its outcome."""
    if planned.planned_end is not None and planned.planned_end >= now().date():
        return f"the planned deviation runs until {planned.planned_end}: close it after its end"
    return None


PLANNED_DEVIATION_WORKFLOW = Workflow(
    states=(
        State("draft", "Draft"),
        State("pending_approval", "Pending approval"),
        State("approved", "Approved"),
        State("closed", "Closed", final=True),
        State("cancelled", "Cancelled", final=True),
    ),
    initial="draft",
    transitions=(
        Transition(
            "submit",
            "Submit for approval",
            ("draft",),
            "pending_approval",
            required=("scope", "justification", "planned_start", "planned_end", "risk_assessment"),
        ),
        Transition("return", "Return to draft", ("pending_approval",), "draft", permission="quality.decide"),
        Transition(
            "approve",
            "Approve",
            ("pending_approval",),
            "approved",
            permission="quality.decide",
            required=("scope", "justification", "planned_start", "planned_end", "risk_assessment"),
            preconditions=(before_the_event,),
            meaning="approved",
        ),
        Transition(
            "close",
            "Close with the outcome",
            ("approved",),
            "closed",
            permission="quality.decide",
            preconditions=(ended,),
            # The outcome is the transition's reason: an edit would supersede the approval of the plan.
            help="Say in the reason what happened during the planned deviation and its effect on the batches.",
        ),
        Transition(
            "cancel", "Cancel", ("draft", "pending_approval", "approved"), "cancelled", permission="quality.decide"
        ),
    ),
)
