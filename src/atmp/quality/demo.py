"""The demo's quality system: a small AAV gene therapy company's deviations, CAPAs and their history.

Every record is made through the services, as the people the demo names, so the ledger, the
signatures and the workflow states are what real use would leave.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.models import Site, User
from atmp.ledger import clock
from atmp.quality.services import capa as capas
from atmp.quality.services import deviations
from atmp.workflow import engine


def load(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Load the quality demo: deviations of every class, a planned deviation, CAPAs (one ineffective)."""
    from atmp.demo import PASSWORD

    leiden = sites["LEI"]
    olga, rita, alex = people["olga"], people["rita"], people["alex"]
    now = clock.now()
    today = now.date()

    # A minor deviation, investigated and closed by QA with a signature.
    minor = deviations.open_deviation(
        actor=olga,
        site=leiden,
        title="Label printer jammed during line clearance",
        description="The label printer jammed; line clearance was repeated after the jam was cleared.",
        occurred_at=now - dt.timedelta(days=20),
        area="Fill-finish suite 2",
        immediate_actions="Line clearance repeated and checked by a second operator.",
    )
    deviations.classify(actor=rita, deviation=minor, severity=1, occurrence=2, detectability=2, reason="triage")
    engine.transition(rita, minor, "start_investigation", reason="minor: investigate within 30 days")
    deviations.update_deviation(
        actor=olga,
        deviation=minor,
        reason="investigation complete",
        impact_assessment="No product in the suite at the time; no batch affected.",
        root_cause="Label roll loaded against the printer's guide.",
        root_cause_method="five_whys",
    )
    engine.transition(olga, minor, "submit", reason="ready for QA review")
    engine.transition(alex, minor, "close", reason="adequately investigated", password=PASSWORD)

    # A major deviation with its CAPA: actions done, the effectiveness check found it not effective,
    # so QA closed it with a follow-up CAPA.
    major = deviations.open_deviation(
        actor=olga,
        site=leiden,
        title="Bioburden above alert level before sterile filtration",
        description="Pre-filtration bioburden 8 CFU/100 mL (alert 5, action 10) on AAV batch L-24-017.",
        occurred_at=now - dt.timedelta(days=60),
        area="Downstream processing",
        immediate_actions="Batch held; hold tank sampled again.",
    )
    deviations.classify(actor=rita, deviation=major, severity=3, occurrence=3, detectability=2, reason="triage")
    engine.transition(rita, major, "start_investigation", reason="major: CAPA expected")
    deviations.update_deviation(
        actor=olga,
        deviation=major,
        reason="investigation complete",
        impact_assessment="L-24-017 filtered again within its hold time; no other batch used the tank.",
        root_cause="The hold tank's lid seal was worn.",
        root_cause_method="fishbone",
        root_cause_categories="equipment,method",
    )
    capa = capas.open_capa(
        actor=rita,
        site=leiden,
        title="Replace and inspect hold tank lid seals",
        description="Replace the worn seal; add seal inspection to the tank's preventive maintenance.",
        kind="both",
        source=major,
        owner=olga,
        due_date=today - dt.timedelta(days=10),
        effectiveness_criteria="No pre-filtration bioburden above alert level in the next 10 batches",
        effectiveness_due=today - dt.timedelta(days=1),
    )
    action = capas.add_action(
        actor=rita, capa=capa, description="Replace the lid seal of tank T-3", owner=olga, due_date=today
    )
    capas.record_evidence(actor=olga, action=action, evidence="Seal replaced, WO-5521", reason="done")
    engine.transition(olga, action, "complete", reason="seal replaced")
    engine.transition(olga, capa, "implemented", reason="actions done")
    capas.record_effectiveness(
        actor=olga,
        capa=capa,
        outcome="not_effective",
        evidence="Two of the next ten batches were above the alert level.",
        reason="effectiveness check",
    )
    engine.transition(alex, capa, "close_with_follow_up", reason="seal was not the only cause", password=PASSWORD)
    engine.transition(olga, major, "submit", reason="CAPA raised")
    engine.transition(alex, major, "close", reason="investigation adequate; CAPA follows up", password=PASSWORD)

    # A critical deviation, open: the QPs were notified.
    critical = deviations.open_deviation(
        actor=olga,
        site=leiden,
        title="Patient identity label mismatch found at release",
        description="The chain-of-identity code on the bag label did not match the batch record.",
        occurred_at=now - dt.timedelta(days=2),
        area="QC release",
        immediate_actions="Batch quarantined; QP informed.",
    )
    deviations.classify(actor=rita, deviation=critical, severity=5, occurrence=1, detectability=2, reason="triage")
    engine.transition(rita, critical, "start_investigation", reason="critical: immediate investigation")
    engine.assign(rita, critical, reason="investigation lead", assignee=olga, due_date=today + dt.timedelta(days=7))

    # A planned deviation, approved before the event.
    planned = deviations.open_planned_deviation(
        actor=olga,
        site=leiden,
        title="Use incubator INC-02 during INC-01 requalification",
        description="INC-02 (same model, qualified) replaces INC-01 for two weeks.",
        scope="Cell expansion steps of batches started in the period",
        justification="Equivalent qualified equipment; no change to process parameters.",
        risk_assessment="Low: identical model and qualification; temperature mapping on file.",
        planned_start=today + dt.timedelta(days=3),
        planned_end=today + dt.timedelta(days=17),
    )
    engine.transition(olga, planned, "submit", reason="plan ready")
    engine.transition(alex, planned, "approve", reason="acceptable", password=PASSWORD)


def summary() -> dict[str, Any]:
    """Return how many quality records the demo holds, by type."""
    from atmp.quality.models import Capa, Deviation, PlannedDeviation

    return {
        "deviations": Deviation.objects.count(),
        "planned_deviations": PlannedDeviation.objects.count(),
        "capas": Capa.objects.count(),
    }
