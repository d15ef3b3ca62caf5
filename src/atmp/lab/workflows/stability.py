"""The life of a stability study: the protocol drafted, approved by QA (signed), the study running with
its batches placed, then its report signed by QA, which freezes the shelf-life estimate (ADR 0029).

ICH Q1A(R2) §2.2.1 and Q1E: the protocol (conditions, time points, attributes) is fixed before the
data; EU GMP Chapter 4 §4.3: documents are approved, signed and dated by authorised people; Chapter 6
§6.28: an ongoing stability programme with a written protocol and a report.
"""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow

DECIDE = "quality.decide"


def has_protocol(study: Any) -> str | None:
    """Refuse a protocol without a condition or an attribute."""
    from atmp.lab.services.stability.protocol import protocol_refusal

    return protocol_refusal(study)


def has_batches(study: Any) -> str | None:
    """Refuse starting a study with no batch placed on it."""
    if not study.batches.filter(voided=False).exists():
        return "no batch placed: place at least one batch on study before it starts"
    return None


def has_estimate(study: Any) -> str | None:
    """Refuse signing the report while a pull is still in testing or no shelf life can be estimated."""
    from atmp.lab.services.stability.estimate import report_refusal

    return report_refusal(study)


def _freeze(study: Any, actor: Any) -> None:
    """Store the estimate and its SHA-256 on the study, in the version the report's signature binds."""
    from atmp.lab.services.stability.estimate import compute_estimate, estimate_hash

    study.estimate = compute_estimate(study)
    study.estimate_hash = estimate_hash(study.estimate)


STABILITY_WORKFLOW = Workflow(
    states=(
        State("draft", "Protocol draft"),
        State("approved", "Protocol approved"),
        State("running", "Running"),
        State("reported", "Report signed", final=True),
        State("withdrawn", "Withdrawn", final=True),
    ),
    initial="draft",
    transitions=(
        Transition(
            "approve",
            "Approve the protocol",
            ("draft",),
            "approved",
            permission=DECIDE,
            preconditions=(has_protocol,),
            meaning="approved",
            help="QA approves the protocol (signed 'approved'; not by its author); it is then frozen.",
        ),
        Transition(
            "start",
            "Start the study",
            ("approved",),
            "running",
            preconditions=(has_batches,),
            help="The study runs once its batches are placed; their pulls are scheduled.",
        ),
        Transition(
            "sign_report",
            "Sign the report",
            ("running",),
            "reported",
            permission=DECIDE,
            preconditions=(has_estimate,),
            meaning="approved",
            computes=(_freeze,),
            help="QA signs the study report (signed 'approved'); the shelf-life estimate is frozen into the "
            "signed version with its SHA-256.",
        ),
        Transition("withdraw", "Withdraw", ("draft", "approved", "running"), "withdrawn", permission=DECIDE),
    ),
)
