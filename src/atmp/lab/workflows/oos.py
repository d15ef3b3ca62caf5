"""The life of an OOS investigation (FDA Guidance for Industry "Investigating Out-of-Specification (OOS)
Test Results for Pharmaceutical Production", 2006, rev. 2022; EU GMP Part I Chapter 6 §6.35).

Phase I, the laboratory investigation, looks for an assignable laboratory error (calculation,
instrument, sample preparation). Found: the original result is invalidated, and a retest result
supersedes it (the investigation closes 'invalidated'). Not found: phase II, the full investigation
(manufacturing and laboratory), which closes either invalidated (a cause found after all) or
confirmed OOS, whereupon a deviation is opened for the batch in the same change. Closing is QA's
decision, signed 'approved'.
"""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow

DECIDE = "quality.decide"


def retested(oos: Any) -> str | None:
    """Refuse invalidating while the OOS result still stands (no retest supersedes it)."""
    from atmp.lab.services.results import superseded

    if not superseded(oos.result):
        return (
            "no retest: an invalidated result is superseded by a retest result (correct it with the reason) "
            "before the investigation closes invalidated"
        )
    return None


def _invalidated(oos: Any, actor: Any) -> None:
    oos.conclusion = "invalidated"


def _confirmed(oos: Any, actor: Any) -> None:
    oos.conclusion = "confirmed"


def _open_deviation(ch: Any, oos: Any, actor: Any) -> None:
    """Open the deviation a confirmed OOS result is, linked to the investigation (same change)."""
    from atmp.lab.services.oos import open_confirmed_deviation

    open_confirmed_deviation(actor=actor, oos=oos, reason=ch.reason)


OOS_WORKFLOW = Workflow(
    states=(
        State("phase_1", "Phase I: laboratory investigation"),
        State("phase_2", "Phase II: full investigation"),
        State("closed", "Closed", final=True),
    ),
    initial="phase_1",
    transitions=(
        Transition(
            "escalate",
            "No laboratory error: start phase II",
            ("phase_1",),
            "phase_2",
            required=("phase_1_finding",),
            help="Phase I found no assignable laboratory error: the full investigation starts (FDA OOS guidance §IV).",
        ),
        Transition(
            "invalidate",
            "Close: invalidated (laboratory error)",
            ("phase_1", "phase_2"),
            "closed",
            permission=DECIDE,
            required=("phase_1_finding",),
            preconditions=(retested,),
            meaning="approved",
            computes=(_invalidated,),
            help="An assignable laboratory error invalidates the result; the retest supersedes it. QA signs.",
        ),
        Transition(
            "confirm",
            "Close: confirmed OOS",
            ("phase_2",),
            "closed",
            permission=DECIDE,
            required=("phase_2_finding",),
            meaning="approved",
            computes=(_confirmed,),
            effects=(_open_deviation,),
            help="The full investigation confirms the result out of specification; a deviation is opened "
            "for the batch. QA signs.",
        ),
    ),
)
