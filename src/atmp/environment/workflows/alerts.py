"""A QA trend alert's workflow: raised open by atmp, assessed by QA with a signature (final)."""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow


def link_assessed(ch: Any, alert: Any, actor: Any) -> None:
    """Link the deviation or CAPA QA named in the assessment to the alert, in the transition's change."""
    from atmp.workflow.links import link

    if alert.deviation_id is not None:
        link(actor=actor, source=alert, target=alert.deviation, relation="relates_to", reason=ch.reason)
    if alert.capa_id is not None:
        link(actor=actor, source=alert.capa, target=alert, relation="addresses", reason=ch.reason)


TREND_ALERT_WORKFLOW = Workflow(
    states=(State("open", "Open"), State("assessed", "Assessed", final=True)),
    initial="open",
    transitions=(
        Transition(
            "assess",
            "Assess",
            ("open",),
            "assessed",
            permission="quality.decide",
            required=("assessment",),
            meaning="reviewed",
            effects=(link_assessed,),
            help=(
                "QA assesses the trend and signs 'Reviewed': `atmp environment alert assess ID --reason …` "
                "or the alerts page (the assessment is written with the signature)."
            ),
        ),
    ),
)
