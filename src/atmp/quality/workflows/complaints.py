"""The state machines of complaints and recalls (EU GMP Part IV ch. 14; Part I Ch. 8).

Part IV ch. 14 is Quality defects and product recalls.
"""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow

DECIDE = "quality.decide"

COMPLAINT_WORKFLOW = Workflow(
    states=(
        State("received", "Received"),
        State("investigation", "Under investigation"),
        State("closed", "Closed", final=True),
        State("cancelled", "Cancelled", final=True),
    ),
    initial="received",
    transitions=(
        Transition("investigate", "Start the investigation", ("received",), "investigation"),
        Transition(
            "close",
            "Close",
            ("investigation",),
            "closed",
            permission=DECIDE,
            required=("investigation", "conclusion"),
            meaning="approved",
            help="QA closes the complaint on its conclusion (signed).",
        ),
        Transition("cancel", "Cancel", ("received", "investigation"), "cancelled", permission=DECIDE),
    ),
)


def _has_scope(recall: Any) -> str | None:
    if not recall.scope.filter(voided=False).exists():
        return "a recall needs at least one batch or lot in its scope before it starts"
    return None


def _reconciled(recall: Any) -> str | None:
    from atmp.quality.selectors.recalls import reconciliation

    return reconciliation(recall).broken_rule


RECALL_WORKFLOW = Workflow(
    states=(
        State("initiated", "Initiated"),
        State("in_progress", "In progress"),
        State("reconciliation", "Reconciliation"),
        State("closed", "Closed", final=True),
        State("cancelled", "Cancelled", final=True),
    ),
    initial="initiated",
    transitions=(
        Transition(
            "start",
            "Start the recall",
            ("initiated",),
            "in_progress",
            permission=DECIDE,
            required=("recall_reason", "decision_date"),
            preconditions=(_has_scope,),
        ),
        Transition("reconcile", "Reconcile", ("in_progress",), "reconciliation"),
        Transition("resume", "Back to in progress", ("reconciliation",), "in_progress"),
        Transition(
            "close",
            "Close",
            ("reconciliation",),
            "closed",
            permission=DECIDE,
            preconditions=(_reconciled,),
            meaning="approved",
            help="Every recipient notified, and the quantities add up or the difference is explained (signed).",
        ),
        Transition("cancel", "Cancel", ("initiated",), "cancelled", permission=DECIDE),
    ),
)
