"""The life of a potency assay run: drafted with its plate, evaluated (computed and judged against
the method's run validity criteria, frozen), reviewed by a second person (signed 'reviewed'), or
withdrawn.

EU GMP Chapter 6 §6.17: test results are recorded and checked; USP <1032> §4 and Ph. Eur. 5.3 §1.2:
an assay is used only when its validity criteria are met. Evaluating freezes the computed outcome
and the verdicts into the run (ADR 0027); the reviewer may not be the analyst (ADR 0005).
"""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow


def can_compute(run: Any) -> str | None:
    """Refuse evaluating a run whose lots are no longer fit or whose plate cannot be computed."""
    from atmp.lab.services.potency import evaluation_refusal

    return evaluation_refusal(run)


def not_the_analyst(run: Any, actor: Any) -> str | None:
    """Refuse the analyst reviewing their own run (segregation of duties, EU GMP Chapter 2 §2.1)."""
    if run.analyst_id == actor.pk:
        return "reviewer: the analyst who ran the assay does not review it; a second person does"
    return None


def _freeze(run: Any, actor: Any) -> None:
    """Store the computed outcome and the validity verdicts in the version the evaluation writes."""
    from atmp.lab.services.potency import evaluate_document

    results = evaluate_document(run)
    run.results = results
    run.valid = results["valid"]


POTENCY_RUN_WORKFLOW = Workflow(
    states=(
        State("draft", "Draft"),
        State("evaluated", "Evaluated"),
        State("reviewed", "Reviewed"),
        State("withdrawn", "Withdrawn", final=True),
    ),
    initial="draft",
    transitions=(
        Transition(
            "evaluate",
            "Evaluate",
            ("draft",),
            "evaluated",
            preconditions=(can_compute,),
            computes=(_freeze,),
            help="Compute the relative potency (atmp.stats) and judge the run against the method's validity "
            "criteria; the outcome is frozen into the run, valid or invalid.",
        ),
        Transition(
            "review",
            "Review",
            ("evaluated",),
            "reviewed",
            permission="records.sign",
            actor_rules=(not_the_analyst,),
            meaning="reviewed",
            help="A second person checks the run and signs it 'reviewed'; only then may a valid run's potency be used.",
        ),
        Transition("withdraw", "Withdraw", ("draft", "evaluated"), "withdrawn"),
    ),
)
