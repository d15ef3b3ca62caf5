"""The risk assessment's workflow: drafted, reviewed, approved by QA, then superseded or retired."""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow


def has_rows(assessment: Any) -> str | None:
    """Refuse an assessment without a scored failure mode."""
    if not assessment.rows.filter(voided=False).exists():
        return "an FMEA needs at least one scored failure mode before review"
    return None


def names_its_object(assessment: Any) -> str | None:
    """Refuse an assessment that says neither which product nor which process it is about."""
    if not (assessment.product.strip() or assessment.process.strip()):
        return (
            "say which product or process the assessment concerns (the risk register is kept per product and process)"
        )
    return None


def is_revised(assessment: Any) -> str | None:
    """Refuse superseding an assessment that no newer assessment revises."""
    from atmp.workflow.models import Link, Relation

    newer = Link.objects.filter(
        relation=Relation.REVISES,
        source_type=assessment.record_type(),
        target_type=assessment.record_type(),
        target_id=str(assessment.pk),
        voided=False,
    ).exists()
    if not newer:
        return "a superseded assessment is replaced by a newer one: link the newer assessment to it ('revises') first"
    return None


RISK_WORKFLOW = Workflow(
    states=(
        State("draft", "Draft"),
        State("in_review", "In review"),
        State("approved", "Approved"),
        State("superseded", "Superseded", final=True),
        State("retired", "Retired", final=True),
        State("cancelled", "Cancelled", final=True),
    ),
    initial="draft",
    transitions=(
        Transition(
            "submit",
            "Submit for review",
            ("draft",),
            "in_review",
            required=("conclusion",),
            preconditions=(names_its_object, has_rows),
        ),
        Transition("return", "Return to draft", ("in_review",), "draft", permission="quality.decide"),
        Transition(
            "approve",
            "Approve",
            ("in_review",),
            "approved",
            permission="quality.decide",
            meaning="approved",
            help="QA approves the assessment; the signature binds the approved version (ICH Q9(R1) §4.3).",
        ),
        Transition(
            "supersede",
            "Supersede",
            ("approved",),
            "superseded",
            permission="quality.decide",
            preconditions=(is_revised,),
        ),
        Transition("retire", "Retire", ("approved",), "retired", permission="quality.decide"),
        Transition("cancel", "Cancel", ("draft", "in_review"), "cancelled", permission="quality.decide"),
    ),
)
