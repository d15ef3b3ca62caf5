"""The state machine of self-inspections (EU GMP Part I Ch. 9 and ICH Q10; Part IV has no chapter on them)."""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow


def _findings_addressed(inspection: Any) -> str | None:
    from atmp.quality.findings import closing_rule

    return closing_rule(inspection.findings.all())


INSPECTION_WORKFLOW = Workflow(
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
        Transition("report", "Write the report", ("in_progress",), "reporting"),
        Transition(
            "close",
            "Close",
            ("reporting",),
            "closed",
            permission="quality.decide",
            required=("report_summary",),
            preconditions=(_findings_addressed,),
            meaning="approved",
            help="QA closes the self-inspection once critical and major findings have a CAPA (signed).",
        ),
        Transition("cancel", "Cancel", ("planned", "in_progress"), "cancelled", permission="quality.decide"),
    ),
)
