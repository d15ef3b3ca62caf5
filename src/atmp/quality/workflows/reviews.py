"""The management review workflow (ICH Q10 §4.1; EU GMP Chapter 1 §1.6): KPIs frozen as it is approved."""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow


def freeze_kpis(review: Any, actor: Any) -> None:
    """Compute the KPIs as of the period's end, for the review's site, into the version QA signs.

    Signed on the period's last day, the review's KPIs are as of the signature (`until`): the day
    has not ended, and an instant under the ledger's lock is as final as a past day's end.
    """
    from atmp.ledger import writer
    from atmp.quality.selectors.kpis import kpis
    from atmp.workflow.engine import today

    until = None
    if review.period_end >= today():
        with writer.change(actor=actor) as ch:  # the approval's own change: the lock is held until it commits
            until = ch.cut_off()
    review.kpis = kpis(day=review.period_end, site=review.site, until=until)


def period_over(review: Any) -> str | None:
    """A review of a period is approved on the period's last day or after it (its KPIs are then final)."""
    from atmp.workflow.engine import today

    if review.period_end is not None and review.period_end > today():
        return f"the period runs until {review.period_end}: approve the review on its last day or after it"
    return None


MANAGEMENT_REVIEW_WORKFLOW = Workflow(
    states=(
        State("draft", "Draft"),
        State("in_review", "In review"),
        State("approved", "Approved", final=True),
        State("cancelled", "Cancelled", final=True),
    ),
    initial="draft",
    transitions=(
        Transition("submit", "Submit for approval", ("draft",), "in_review", required=("summary", "decisions")),
        Transition("return", "Return to draft", ("in_review",), "draft", permission="quality.decide"),
        Transition(
            "approve",
            "Approve (freezes the KPIs)",
            ("in_review",),
            "approved",
            permission="quality.decide",
            required=("summary", "decisions"),
            preconditions=(period_over,),
            meaning="approved",
            computes=(freeze_kpis,),
            help=(
                "The KPIs are computed from the records as of the period's end (signed on its last day: as of "
                "the signature) and frozen into the version you sign."
            ),
        ),
        Transition("cancel", "Cancel", ("draft", "in_review"), "cancelled", permission="quality.decide"),
    ),
)
