"""The state machines of supplier approvals, quality agreements and supplier audits."""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow

DECIDE = "quality.decide"

APPROVAL_WORKFLOW = Workflow(
    states=(
        State("pending", "Pending qualification"),
        State("approved", "Approved"),
        State("conditional", "Conditionally approved"),
        State("disqualified", "Disqualified"),
        State("withdrawn", "Withdrawn", final=True),
    ),
    initial="pending",
    transitions=(
        Transition(
            "approve",
            "Approve",
            ("pending", "conditional"),
            "approved",
            permission=DECIDE,
            meaning="approved",
            help="QA approves the supplier for this material or service (signed).",
        ),
        Transition(
            "approve_conditionally",
            "Approve with conditions",
            ("pending",),
            "conditional",
            permission=DECIDE,
            required=("conditions",),
            meaning="approved",
            help="Receipt allowed with the extra controls the conditions state (signed).",
        ),
        Transition(
            "disqualify",
            "Disqualify",
            ("pending", "approved", "conditional"),
            "disqualified",
            permission=DECIDE,
            help="No receipt from this supplier for this material or service.",
        ),
        Transition(
            "requalify",
            "Re-open the qualification",
            ("approved", "conditional", "disqualified"),
            "pending",
            permission=DECIDE,
            help="Back to pending: the scope, conditions and validity can be edited, then decided again.",
        ),
        Transition(
            "withdraw",
            "Withdraw",
            ("pending", "approved", "conditional", "disqualified"),
            "withdrawn",
            permission=DECIDE,
            help="The material or service is no longer bought from this supplier.",
        ),
    ),
)


def _dates_in_order(agreement: Any) -> str | None:
    if agreement.effective_date and agreement.expiry_date and agreement.expiry_date <= agreement.effective_date:
        return "the expiry date must come after the effective date"
    return None


AGREEMENT_WORKFLOW = Workflow(
    states=(
        State("draft", "Draft"),
        State("in_review", "In review"),
        State("approved", "Approved"),
        State("terminated", "Terminated", final=True),
        State("cancelled", "Cancelled", final=True),
    ),
    initial="draft",
    transitions=(
        Transition(
            "submit",
            "Submit for approval",
            ("draft",),
            "in_review",
            required=("effective_date", "expiry_date"),
            preconditions=(_dates_in_order,),
        ),
        Transition("return", "Send back to draft", ("in_review",), "draft", permission=DECIDE),
        Transition(
            "approve",
            "Approve",
            ("in_review",),
            "approved",
            permission=DECIDE,
            required=("effective_date", "expiry_date"),
            preconditions=(_dates_in_order,),
            meaning="approved",
            help="QA Approver signs the agreement; it is in force from its effective date to its expiry.",
        ),
        Transition("terminate", "Terminate", ("approved",), "terminated", permission=DECIDE),
        Transition("cancel", "Cancel", ("draft", "in_review"), "cancelled"),
    ),
)


def _findings_addressed(audit: Any) -> str | None:
    from atmp.quality.findings import closing_rule

    return closing_rule(audit.findings.all())


AUDIT_WORKFLOW = Workflow(
    states=(
        State("planned", "Planned"),
        State("in_progress", "In progress"),
        State("reporting", "Reporting"),
        State("closed", "Closed", final=True),
        State("cancelled", "Cancelled", final=True),
    ),
    initial="planned",
    transitions=(
        Transition("start", "Start", ("planned",), "in_progress"),
        Transition("report", "Report", ("in_progress",), "reporting", required=("outcome",)),
        Transition(
            "close",
            "Close",
            ("reporting",),
            "closed",
            permission=DECIDE,
            required=("outcome", "summary"),
            preconditions=(_findings_addressed,),
            meaning="approved",
        ),
        Transition("cancel", "Cancel", ("planned", "in_progress"), "cancelled", permission=DECIDE),
    ),
)
