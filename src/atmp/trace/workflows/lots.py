"""The life of a lot: quarantine until QA releases it (signed), then consumed, expired or recalled.

EU GMP Part IV ch. 7 (Starting and raw materials) and ch. 9 (Production), and Part I 5.31: a material is used
only once released by QA, before its expiry; a rejected or recalled lot is never used. The genealogy services
(services/genealogy.py) refuse a use or an administration of a lot that is not released; these transitions set
the state.
"""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow

DECIDE = "quality.decide"
RELEASED = "released"  # the signature meaning of a lot's release (atmp.ledger.signatures.MEANINGS)


def _today() -> Any:
    from atmp.workflow.engine import today

    return today()


def not_expired(lot: Any) -> str | None:
    """Refuse releasing a lot whose expiry date has passed."""
    if lot.expiry_date is not None and lot.expiry_date < _today():
        return f"lot {lot.number} expired on {lot.expiry_date.isoformat()}: an expired lot is not released"
    return None


def bank_panel_conforms(lot: Any) -> str | None:
    """Refuse releasing a cell bank or seed lot until every test of its panel conforms, reviewed (ADR 0030)."""
    from atmp.trace.bank_results import release_refusal

    return release_refusal(lot)


def expiry_passed(lot: Any) -> str | None:
    """Refuse marking a lot expired before its expiry date has passed."""
    if lot.expiry_date is None:
        return f"lot {lot.number} has no expiry date"
    if lot.expiry_date >= _today():
        return f"lot {lot.number} is good until {lot.expiry_date.isoformat()}: it expires only after that day"
    return None


LOT_WORKFLOW = Workflow(
    states=(
        State("quarantine", "Quarantine"),
        State("released", "Released"),
        State("rejected", "Rejected", final=True),
        State("expired", "Expired"),
        State("consumed", "Consumed"),
        State("recalled", "Recalled", final=True),
    ),
    initial="quarantine",
    transitions=(
        Transition(
            "release",
            "Release",
            ("quarantine",),
            "released",
            permission=DECIDE,
            required=("expiry_date",),
            preconditions=(not_expired, bank_panel_conforms),
            meaning=RELEASED,
            help=(
                "QA releases the lot for use (signed 'Released'); refused after its expiry date, and for a cell "
                "bank or seed until every test of its panel has a conforming, reviewed result."
            ),
        ),
        Transition(
            "reject",
            "Reject",
            ("quarantine",),
            "rejected",
            permission=DECIDE,
            help="QA rejects the lot: it is never used.",
        ),
        Transition(
            "expire",
            "Mark expired",
            ("quarantine", "released"),
            "expired",
            preconditions=(expiry_passed,),
            help="The expiry date has passed: the lot is no longer used.",
        ),
        Transition(
            "consume",
            "Mark consumed",
            ("released",),
            "consumed",
            help="Nothing of the lot is left to use (what remained was used up or discarded).",
        ),
        Transition(
            "recall",
            "Recall",
            ("released", "expired", "consumed"),
            "recalled",
            permission=DECIDE,
            help="The lot is recalled: from now on it is never used nor administered.",
        ),
    ),
)
