"""A line clearance's life: done by one person, checked by a second (signed 'verified'), or withdrawn.

EU GMP Part I Chapter 5 §5.35 (for ATMPs, Part IV ch. 9, Production): before an operation starts,
the work area and equipment are checked clean and free of materials, products, residues, labels and
documents not needed for it. The check is vouched for by a second person: an e-signature 'verified',
which the person who did the clearance cannot give (segregation of duties, ADR 0005).
"""

from __future__ import annotations

from atmp.workflow.machine import State, Transition, Workflow

LINE_CLEARANCE_WORKFLOW = Workflow(
    states=(
        State("awaiting_check", "Awaiting check"),
        State("checked", "Checked", final=True),
        State("withdrawn", "Withdrawn", final=True),
    ),
    initial="awaiting_check",
    transitions=(
        Transition(
            "check",
            "Check the line clearance",
            ("awaiting_check",),
            "checked",
            meaning="verified",
            help="A second person checks the room is cleared for the product (signed 'verified').",
        ),
        Transition(
            "withdraw",
            "Withdraw",
            ("awaiting_check",),
            "withdrawn",
            help="The clearance will not be checked (done by mistake, or the room was used or cleaned since).",
        ),
    ),
)
