"""The life of a master batch record: draft, made effective by QA (signed 'approved'), superseded by the next.

EU GMP Chapter 4 §4.3 and §4.15-4.20: manufacturing instructions are approved, signed and dated by
authorised people before use, and a document once replaced is withdrawn from use. A record becomes
effective only while its process version is effective (Part IV ch. 6, 'specifications and instructions': it
instructs that process), with at least one step and every content rule holding
(atmp.manufacturing.services.mbr_content); making it effective supersedes the record of the same process version
that was effective before, in the same signed change. When a process version is superseded, its effective record
is too (workflows/processes.py calls supersede_master_records).
"""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow

DECIDE = "quality.decide"


def process_version_effective(mbr: Any) -> str | None:
    """Refuse a record whose process version is not effective."""
    pv = mbr.process_version
    if pv.status != "effective" or pv.voided:
        return (
            f"process version not effective: {pv.product.code} process v{pv.number} is {pv.state_label().lower()}; "
            "a master batch record becomes effective only for an effective process version"
        )
    return None


def content_holds(mbr: Any) -> str | None:
    """Refuse a record without steps, or whose content breaks a rule or no longer matches its hash."""
    from atmp.manufacturing.services.mbr import effective_refusal

    return effective_refusal(mbr)


def _stamp(mbr: Any, actor: Any) -> None:
    from atmp.workflow.engine import today

    mbr.effective_from = today()


def _supersede_previous(ch: Any, mbr: Any, actor: Any) -> None:
    """Supersede the record of the same process version that was effective before this one."""
    from atmp.manufacturing.models import MasterBatchRecord
    from atmp.workflow import engine

    earlier = MasterBatchRecord.objects.filter(
        process_version_id=mbr.process_version_id, status="effective", voided=False
    ).exclude(pk=mbr.pk)
    for previous in earlier:
        engine.transition(actor, previous, "supersede", reason=f"superseded by master batch record {mbr.number}")


def supersede_master_records(ch: Any, version: Any, actor: Any) -> None:
    """Supersede the effective master batch records of process versions this version superseded."""
    from atmp.manufacturing.models import MasterBatchRecord
    from atmp.workflow import engine

    stale = MasterBatchRecord.objects.filter(
        process_version__product_id=version.product_id,
        process_version__site_id=version.site_id,
        status="effective",
        voided=False,
    ).exclude(process_version_id=version.pk)
    for mbr in stale:
        engine.transition(
            actor, mbr, "supersede", reason=f"its process version was superseded by process version {version.number}"
        )


MBR_WORKFLOW = Workflow(
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
            preconditions=(process_version_effective, content_holds),
            meaning="approved",
            computes=(_stamp,),
            effects=(_supersede_previous,),
            help="QA approves the master batch record (signed 'approved'); its process version must be effective "
            "and its content complete; the record effective before it is superseded.",
        ),
        Transition(
            "supersede",
            "Supersede",
            ("effective",),
            "superseded",
            permission=DECIDE,
            help="A later record, or a later process version, replaced this one (taken when that becomes effective).",
        ),
        Transition("withdraw", "Withdraw", ("draft",), "withdrawn", permission=DECIDE, help="The draft is abandoned."),
    ),
)
