"""The life of a viral clearance study: drafted, submitted for review, approved by QA (signed), then
superseded by a later study or withdrawn.

ICH Q5A(R2) §6: the study's report is the evidence of the clearance claim; EU GMP Chapter 4 §4.3:
documents are approved, signed and dated by authorised people. Approval needs the final report
(stored, hashed) and at least one counted step per virus; the signature freezes the computed claim
into the study (ADR 0025), so later code cannot change a signed claim.
"""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow

DECIDE = "quality.decide"


def has_steps(study: Any) -> str | None:
    """Refuse a study without steps, or whose steps break a counting rule (services.viral.claims)."""
    from atmp.lab.services.viral import claims_refusal

    return claims_refusal(study)


def has_report(study: Any) -> str | None:
    """Refuse approving a study without its final report."""
    if study.report_id is None:
        return "no final report: attach the testing laboratory's final report before approval"
    return None


def _freeze(study: Any, actor: Any) -> None:
    """Store the computed results on the study, in the version the 'approved' signature binds."""
    from atmp.lab.services.viral import compute_results

    study.results = compute_results(study)


VIRAL_WORKFLOW = Workflow(
    states=(
        State("draft", "Draft"),
        State("in_review", "In review"),
        State("approved", "Approved"),
        State("superseded", "Superseded", final=True),
        State("withdrawn", "Withdrawn", final=True),
    ),
    initial="draft",
    transitions=(
        Transition(
            "submit",
            "Submit for review",
            ("draft",),
            "in_review",
            preconditions=(has_steps,),
            help="The author submits the study and its steps for QA's review.",
        ),
        Transition("return", "Return to draft", ("in_review",), "draft", permission=DECIDE),
        Transition(
            "approve",
            "Approve",
            ("in_review",),
            "approved",
            permission=DECIDE,
            preconditions=(has_steps, has_report),
            meaning="approved",
            computes=(_freeze,),
            help="QA approves the study (signed 'approved'; not by its author); the computed claim is frozen "
            "into the signed version.",
        ),
        Transition("supersede", "Supersede", ("approved",), "superseded", permission=DECIDE),
        Transition("withdraw", "Withdraw", ("draft", "in_review"), "withdrawn", permission=DECIDE),
    ),
)
