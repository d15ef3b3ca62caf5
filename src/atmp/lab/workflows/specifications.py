"""The life of a specification: draft, approved by QA (signed 'approved'), superseded by the next version.

EU GMP Chapter 4 §4.14 and Part IV ch. 6 (Documentation), 'specifications and instructions' (specifications for
finished products, approved and dated); the EMA guideline on quality, non-clinical and clinical requirements for
investigational ATMPs (2025) §5.2: acceptance criteria are set per clinical phase and tightened as experience
grows. A specification is approved only with at least one attribute and with every attribute's method fit for
the specification's phase (atmp.lab.services.methods.fit_for); approving it supersedes the version approved
before for the same product and phase, in the same signed change. The author of a version (whoever wrote it or
its attributes) may not approve it (the engine's segregation of duties).
"""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow

DECIDE = "quality.decide"


def content_holds(spec: Any) -> str | None:
    """Refuse a specification without attributes, or whose attribute's method is not fit for its phase."""
    from atmp.lab.services.specifications import approval_refusal

    return approval_refusal(spec)


def _stamp(spec: Any, actor: Any) -> None:
    from atmp.ledger import clock

    spec.approved_at = clock.now()


def _supersede_previous(ch: Any, spec: Any, actor: Any) -> None:
    """Supersede the version of the same product (or bank material) and phase approved before this one."""
    from atmp.lab.models import Specification
    from atmp.workflow import engine

    earlier = Specification.objects.filter(
        product_id=spec.product_id, material_id=spec.material_id, phase=spec.phase, status="approved", voided=False
    ).exclude(pk=spec.pk)
    for previous in earlier:
        engine.transition(actor, previous, "supersede", reason=f"superseded by specification v{spec.number}")


SPECIFICATION_WORKFLOW = Workflow(
    states=(
        State("draft", "Draft"),
        State("approved", "Approved"),
        State("superseded", "Superseded", final=True),
        State("withdrawn", "Withdrawn", final=True),
    ),
    initial="draft",
    transitions=(
        Transition(
            "approve",
            "Approve",
            ("draft",),
            "approved",
            permission=DECIDE,
            preconditions=(content_holds,),
            meaning="approved",
            computes=(_stamp,),
            effects=(_supersede_previous,),
            help="QA approves the specification (signed 'approved'); every attribute's method must be fit for "
            "its phase; the version approved before it for the same product and phase is superseded.",
        ),
        Transition(
            "supersede",
            "Supersede",
            ("approved",),
            "superseded",
            permission=DECIDE,
            help="A later version for the same product and phase replaced this one (taken when that is approved).",
        ),
        Transition("withdraw", "Withdraw", ("draft",), "withdrawn", permission=DECIDE, help="The draft is abandoned."),
    ),
)
