"""The life of a piece of equipment: commissioned, qualified (IQ/OQ/PQ, signed by QA), out of service, retired.

EU GMP Annex 15 §3-§5 and Part IV ch. 5 (Equipment) and ch. 10 (Qualification and validation): equipment is used
only once qualified, with the IQ, OQ and PQ documented; equipment that fails calibration or breaks down is taken
out of service and returned only when QA approves (signed), with its calibration and maintenance in date.
"""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow

DECIDE = "quality.decide"
STAGES = ("iq", "oq", "pq")


def qualification_complete(equipment: Any) -> str | None:
    """Refuse qualifying equipment without its IQ, OQ and PQ dated, in that order, each with its report."""
    missing = [s.upper() for s in STAGES if getattr(equipment, f"{s}_date") is None]
    if missing:
        return f"qualification: {equipment.code} has no {', '.join(missing)} recorded: qualify it after IQ, OQ and PQ"
    reports = [s.upper() for s in STAGES if getattr(equipment, f"{s}_report_id") is None]
    if reports:
        return f"qualification: {equipment.code} has no {', '.join(reports)} report stored: add each stage's report"
    if not equipment.iq_date <= equipment.oq_date <= equipment.pq_date:
        return f"qualification: {equipment.code}'s IQ, OQ and PQ dates are out of order (IQ ≤ OQ ≤ PQ)"
    return None


def periodic_work_in_date(equipment: Any) -> str | None:
    """Refuse returning equipment to service while its calibration or maintenance is overdue."""
    from atmp.manufacturing.services.equipment import overdue_rule
    from atmp.workflow.engine import today

    return overdue_rule(equipment, today())


EQUIPMENT_WORKFLOW = Workflow(
    states=(
        State("commissioning", "Commissioning"),
        State("qualified", "Qualified"),
        State("out_of_service", "Out of service"),
        State("retired", "Retired", final=True),
    ),
    initial="commissioning",
    transitions=(
        Transition(
            "qualify",
            "Approve qualification",
            ("commissioning",),
            "qualified",
            permission=DECIDE,
            preconditions=(qualification_complete,),
            meaning="approved",
            help="QA approves the IQ, OQ and PQ (signed 'approved'): the equipment may be used.",
        ),
        Transition(
            "take_out_of_service",
            "Take out of service",
            ("commissioning", "qualified"),
            "out_of_service",
            help="The equipment must not be used (a breakdown, a failed calibration, a suspected fault).",
        ),
        Transition(
            "return_to_service",
            "Return to service",
            ("out_of_service",),
            "qualified",
            permission=DECIDE,
            preconditions=(qualification_complete, periodic_work_in_date),
            meaning="approved",
            help=(
                "QA returns the equipment to use (signed 'approved'); "
                "refused while calibration or maintenance is overdue."
            ),
        ),
        Transition(
            "retire",
            "Retire",
            ("commissioning", "qualified", "out_of_service"),
            "retired",
            permission=DECIDE,
            help="The equipment is withdrawn for good; its records are kept.",
        ),
    ),
)
