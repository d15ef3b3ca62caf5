"""A batch's disposition by the Qualified Person (EU GMP Part IV ch. 11, Qualified person and batch release;
the principles of Annex 16 §1 and §3).

open → certified (final): every check of atmp.lab.services.certification passes; the QP signs
'QP certified'. open → conditionally released → certified: a short-lived ATMP may be released before
every result is in (Part IV ch. 11, 'batch release prior to obtaining the results of quality control tests');
the conditional release is an explicit decision signed 'approved' by the QP that lists each pending test with
its expected date (frozen into the record), and the final certification, signed 'QP certified', follows once
they are in. open or conditionally released → rejected (final), signed 'approved' (a rejection is not a
certification). A QP who executed or reviewed the batch record, or entered or reviewed one of its results, takes
none of them (separation of duties).
"""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow

DECIDE = "quality.decide"


def all_checks_pass(disposition: Any) -> str | None:
    """Refuse certification while any check fails or a result is pending, naming every one."""
    from atmp.lab.services.certification import checks, refusal

    return refusal(checks(disposition.batch))


def only_results_pending(disposition: Any) -> str | None:
    """Refuse a conditional release when anything but pending results stands in the way, or nothing is pending."""
    from atmp.lab.services.certification import checks, conditional_refusal

    return conditional_refusal(checks(disposition.batch), disposition)


def independent_qp(disposition: Any, actor: Any) -> str | None:
    """Refuse a QP who took part in the batch (executed or reviewed its record, entered or reviewed a result)."""
    from atmp.lab.services.certification import involvement

    return involvement(disposition.batch, actor)


def _freeze_plan(disposition: Any, actor: Any) -> None:
    plan = getattr(disposition, "_plan", None)
    if plan is not None:
        disposition.pending = plan


def _certified(disposition: Any, actor: Any) -> None:
    from atmp.ledger import clock

    disposition.decided_at = clock.now()


DISPOSITION_WORKFLOW = Workflow(
    states=(
        State("open", "Open: awaiting the QP"),
        State("conditional", "Conditionally released: results pending"),
        State("certified", "Certified", final=True),
        State("rejected", "Rejected", final=True),
    ),
    initial="open",
    transitions=(
        Transition(
            "certify",
            "Certify",
            ("open", "conditional"),
            "certified",
            permission=DECIDE,
            preconditions=(all_checks_pass,),
            actor_rules=(independent_qp,),
            meaning="qp_certified",
            computes=(_certified,),
            help="Every check passes (results, OOS, deviations, batch record, audit trail, chain of identity, "
            "starting materials); the QP certifies (EU GMP Part IV ch. 11, Annex 16 §1).",
        ),
        Transition(
            "release_conditionally",
            "Release before all results are in",
            ("open",),
            "conditional",
            permission=DECIDE,
            preconditions=(only_results_pending,),
            actor_rules=(independent_qp,),
            # 'approved', not 'qp_certified': the certification is signed once, when every result is in
            # (a version carries one signature of a meaning, and the final certification must be its own).
            meaning="approved",
            computes=(_freeze_plan,),
            help="Every check passes but results still pending; the QP releases the batch listing each pending "
            "test and its expected date (EU GMP Part IV ch. 11, 'batch release prior to obtaining the results of "
            "quality control tests'); the final certification follows.",
        ),
        Transition(
            "reject",
            "Reject",
            ("open", "conditional"),
            "rejected",
            permission=DECIDE,
            actor_rules=(independent_qp,),
            meaning="approved",
            computes=(_certified,),
            help="The QP rejects the batch (signed); it is not released.",
        ),
    ),
)
