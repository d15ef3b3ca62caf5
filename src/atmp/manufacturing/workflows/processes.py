"""The life of a process version: draft, made effective by QA (signed 'approved'), superseded by the next.

ICH Q10 §3.2.3: a process changes only through change control (its validation: EU GMP Part IV ch. 10,
Qualification and validation). Version 1 of a product's process at a site is its first; every later version is
made effective only with an approved change control linked to it (relation 'originates_from'), and making it
effective supersedes the version that was effective before, in the same signed change.
"""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow

DECIDE = "quality.decide"
# A change control that QA has approved (atmp.quality.workflows.changes): being implemented or done.
APPROVED_CHANGE_STATES = frozenset({"implementation", "effectiveness_review", "closed"})


def introduced_by_change(version: Any) -> str | None:
    """Refuse a version after the first that no approved change control introduced."""
    if version.number <= 1:
        return None
    from atmp.manufacturing.selectors.processes import introducing_changes

    changes = introducing_changes(version)
    if not changes:
        return (
            f"change control: process version {version.number} of {version.product.code} is not linked to the change "
            "control that introduced it; link it (originates from) before it becomes effective"
        )
    if not any(c.status in APPROVED_CHANGE_STATES for c in changes):
        numbers = ", ".join(f"{c.number} ({c.state_label().lower()})" for c in changes)
        return f"change control: {numbers} is not approved; a process version becomes effective only once its change is"
    return None


def _stamp(version: Any, actor: Any) -> None:
    from atmp.workflow.engine import today

    version.effective_from = today()


def _supersede_previous(ch: Any, version: Any, actor: Any) -> None:
    """Supersede the version that was effective before this one (the same product and site), in the same change."""
    from atmp.manufacturing.models import ProcessVersion
    from atmp.workflow import engine

    earlier = ProcessVersion.objects.filter(
        product_id=version.product_id, site_id=version.site_id, status="effective", voided=False
    ).exclude(pk=version.pk)
    for previous in earlier:
        engine.transition(actor, previous, "supersede", reason=f"superseded by process version {version.number}")


def _supersede_master_records(ch: Any, version: Any, actor: Any) -> None:
    """Supersede the effective master batch records of the versions just superseded, in the same change."""
    from atmp.manufacturing.workflows.mbr import supersede_master_records

    supersede_master_records(ch, version, actor)


PROCESS_WORKFLOW = Workflow(
    states=(
        State("draft", "Draft"),
        State("effective", "Effective"),
        State("superseded", "Superseded", final=True),
        State("withdrawn", "Withdrawn", final=True),
    ),
    initial="draft",
    transitions=(
        Transition(
            "make_effective",
            "Make effective",
            ("draft",),
            "effective",
            permission=DECIDE,
            preconditions=(introduced_by_change,),
            meaning="approved",
            computes=(_stamp,),
            effects=(_supersede_previous, _supersede_master_records),
            help="QA makes the version effective (signed 'approved'); a version after the first needs the "
            "approved change control that introduced it linked; the previous effective version is superseded.",
        ),
        Transition(
            "supersede",
            "Supersede",
            ("effective",),
            "superseded",
            permission=DECIDE,
            help="A later version replaced this one (taken when the later version is made effective).",
        ),
        Transition("withdraw", "Withdraw", ("draft",), "withdrawn", permission=DECIDE, help="The draft is abandoned."),
    ),
)
