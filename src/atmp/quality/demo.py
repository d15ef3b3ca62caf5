"""The demo's quality system: a small AAV gene therapy company's QMS and its history.

Deviations and CAPAs; effective SOPs with training (one operator overdue); suppliers, their
qualifications, quality agreements (one expiring soon) and an audit; a change of culture-medium
supplier that awaits its comparability study; complaints, a mock recall, a self-inspection and a
signed management review. Every record is made through the services, as the people the demo names,
so the ledger, the signatures and the workflow states are what real use would leave.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from atmp.accounts.models import Site, User
from atmp.ledger import clock
from atmp.quality.services import capa as capas
from atmp.quality.services import deviations
from atmp.workflow import engine


def load(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Load the quality demo: the deviations and CAPAs, documents and training, suppliers, changes and the rest."""
    _deviations(people, sites)
    _documents(people, sites)
    _suppliers(people, sites)
    _change_control(people, sites)
    _complaints(people, sites)
    _mock_recall(people, sites)
    _self_inspection(people, sites)
    # Last: signed today, it freezes the KPIs of everything above as of its signature.
    _management_review(people, sites)


def _deviations(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Deviations of every class, a planned deviation, CAPAs (one ineffective, with its follow-up)."""
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


# The demo's controlled procedures: title, Leiden's own (else company-wide), months before today it
# took effect, review interval (months), the roles trained on it with their grace period (days).
# The operators' SOPs are Leiden's (a company-wide one is trained on at the trainee's own sites, so
# either would do). Batch record review took effect more than its interval ago, so its
# periodic review is due (`atmp tick` opens it).
SOPS: list[tuple[str, bool, int, int, tuple[tuple[str, int], ...]]] = [
    ("Aseptic gowning for grade A/B areas", True, 4, 24, (("operator", 30), ("qc_analyst", 30))),
    ("Cleaning and disinfection of the cleanroom suite", True, 2, 24, (("operator", 14),)),
    (
        "Batch record review before QP certification",
        False,
        13,
        12,
        (("qa_reviewer", 30), ("qa_approver", 30), ("qualified_person", 30)),
    ),
]
# The SOP on which Olga Operator's training is overdue (she signed the others).
OVERDUE_SOP = "Cleaning and disinfection of the cleanroom suite"


def _documents(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Effective SOPs with their files, training required by role, and read-and-understood signatures."""
    from atmp.demo import PASSWORD
    from atmp.files.demo import pdf
    from atmp.files.services import store_and_attach
    from atmp.quality.services import documents

    rita, alex = people["rita"], people["alex"]
    today = clock.now().date()
    trainees = {"operator": [people["olga"]], "qc_analyst": [people["quentin"]]}
    trainees |= {"qa_reviewer": [rita], "qa_approver": [alex], "qualified_person": [people["petra"]]}
    for title, at_leiden, months_ago, interval, roles in SOPS:
        document = documents.add_document(
            actor=rita,
            title=title,
            document_type="sop",
            owner=rita,
            site=sites["LEI"] if at_leiden else None,
            review_interval_months=interval,
            reason="procedure of the quality system",
        )
        version = documents.add_version(
            actor=rita,
            document=document,
            change_summary="First issue.",
            effective_date=documents.add_months(today, -months_ago),
            reason="first issue",
        )
        store_and_attach(
            actor=rita,
            record=version,
            stream=io.BytesIO(pdf(f"{document.number} {title}, version 1 (demo)")),
            name=f"{document.number}-v1.pdf",
            reason="the approved text",
        )
        engine.transition(rita, version, "submit", reason="ready for QA review")
        engine.transition(alex, version, "approve", reason="content approved", password=PASSWORD)
        engine.transition(alex, version, "make_effective", reason="effective date reached")
        for role, grace in roles:
            documents.add_requirement(
                actor=alex, document=document, role=role, grace_days=grace, reason=f"every {role} follows it"
            )
            for trainee in trainees[role]:
                if title == OVERDUE_SOP and trainee.username == "olga":
                    continue  # not read yet: her training on it is overdue
                documents.read_and_understood(actor=trainee, version=version, password=PASSWORD)


def _suppliers(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Suppliers qualified per material or service, quality agreements (one expiring soon), an audit with a CAPA."""
    from atmp.demo import PASSWORD
    from atmp.quality.services import suppliers

    rita, alex, olga = people["rita"], people["alex"], people["olga"]
    today = clock.now().date()
    viromedia = suppliers.add_supplier(
        actor=rita, name="ViroMedia GmbH", address="Heidelberg, DE", reason="culture medium supplier"
    )
    cellgro = suppliers.add_supplier(
        actor=rita, name="CellGro Media BV", address="Utrecht, NL", reason="proposed second culture medium supplier"
    )
    sterilab = suppliers.add_supplier(
        actor=rita, name="SteriLab Services", address="Ghent, BE", reason="contract laboratory"
    )
    for supplier, kind, scope, valid in (
        (viromedia, "material", "MED-001", 730),
        (viromedia, "material", "MED-002", 730),
        (sterilab, "service", "Sterility testing of drug product (Ph. Eur. 2.6.1)", 1095),
    ):
        approval = suppliers.add_approval(
            actor=rita,
            supplier=supplier,
            kind=kind,
            scope=scope,
            valid_until=today + dt.timedelta(days=valid),
            reason="qualification",
        )
        engine.transition(alex, approval, "approve", reason="qualified on audit and questionnaire", password=PASSWORD)
    # The new medium supplier's qualification waits for the change control and its comparability study.
    suppliers.add_approval(
        actor=rita, supplier=cellgro, kind="material", scope="MED-001", reason="qualification for CC of the medium"
    )
    for supplier, title, started, expires in (
        # ViroMedia's agreement expires in 45 days: it shows in the list of agreements expiring soon.
        (viromedia, "Quality agreement ViroMedia GmbH (culture media)", 3 * 365 - 45, 45),
        (sterilab, "Quality agreement SteriLab Services (sterility testing)", 180, 3 * 365 - 180),
    ):
        agreement = suppliers.add_agreement(
            actor=rita,
            supplier=supplier,
            title=title,
            effective_date=today - dt.timedelta(days=started),
            expiry_date=today + dt.timedelta(days=expires),
            reason="agreement signed by both parties",
        )
        engine.transition(rita, agreement, "submit", reason="agreed with the supplier")
        engine.transition(alex, agreement, "approve", reason="signed by both parties", password=PASSWORD)
    audit = suppliers.add_audit(
        actor=rita,
        supplier=cellgro,
        title="Qualification audit of CellGro Media BV",
        audit_date=today - dt.timedelta(days=21),
        audit_type="on_site",
        lead_auditor=rita,
        reason="audit before qualification",
    )
    engine.transition(rita, audit, "start", reason="opening meeting")
    finding = suppliers.add_audit_finding(
        actor=rita,
        audit=audit,
        classification="major",
        description="No notification to customers of changes to the medium's raw materials.",
        reason="audit finding",
    )
    suppliers.add_audit_finding(
        actor=rita,
        audit=audit,
        classification="minor",
        description="Warehouse temperature log not reviewed weekly.",
        reason="audit finding",
    )
    capa = capas.open_capa(
        actor=rita,
        site=sites["LEI"],
        title="Change notification clause with CellGro Media BV",
        description="Add change notification to the quality agreement before the supplier is approved.",
        kind="corrective",
        source=finding,
        owner=olga,
        due_date=today + dt.timedelta(days=30),
        effectiveness_criteria="Agreement signed with the clause; the next change is notified in advance",
        effectiveness_due=today + dt.timedelta(days=180),
    )
    suppliers.link_finding_capa(actor=rita, finding=finding, capa=capa.record_key, reason="CAPA raised")
    suppliers.update_audit(
        actor=rita,
        audit=audit,
        reason="report written",
        version=None,
        outcome="acceptable_with_actions",
        summary="Acceptable once the change notification clause is agreed (CAPA raised).",
    )
    engine.transition(rita, audit, "report", reason="report written")
    engine.transition(alex, audit, "close", reason="report reviewed; CAPA raised", password=PASSWORD)


def _change_control(people: dict[str, User], sites: dict[str, Site]) -> None:
    """A change of culture-medium supplier, approved by a QP and QA, in implementation: its comparability study is due.

    It cannot close until a comparability study (or its report, a controlled document) is linked to
    it; the study is one of its open tasks.
    """
    from atmp.demo import PASSWORD
    from atmp.quality.services import changes, risk

    rita, alex, petra = people["rita"], people["alex"], people["petra"]
    leiden = sites["LEI"]
    today = clock.now().date()
    assessment = risk.open_assessment(
        actor=rita,
        site=leiden,
        title="Change of culture-medium supplier for AAV9-SMN",
        product="AAV9-SMN",
        process="Upstream: HEK293 cell expansion and transfection",
        conclusion="Acceptable with a comparability study of three batches before release.",
        reason="risk assessment of the change",
    )
    for failure_mode, effect, s, o, d in (
        ("Different trace elements in the medium", "Lower vector genome titre", 3, 3, 2),
        ("Endotoxin in the new medium", "Product fails its endotoxin specification", 4, 2, 2),
    ):
        risk.add_row(
            actor=rita,
            assessment=assessment,
            failure_mode=failure_mode,
            effect=effect,
            severity=s,
            occurrence=o,
            detectability=d,
            residual_severity=s,
            residual_occurrence=1,
            residual_detectability=d,
            reason="scored",
        )
    engine.transition(rita, assessment, "submit", reason="ready for review")
    engine.transition(alex, assessment, "approve", reason="risk accepted", password=PASSWORD)
    change = changes.open_change(
        actor=rita,
        site=leiden,
        title="Culture medium MED-001 from CellGro Media BV",
        description="Buy culture medium MED-001 from CellGro Media BV instead of ViroMedia GmbH.",
        justification="ViroMedia GmbH discontinues MED-001 next year.",
        affected_products=["AAV9-SMN"],
        affected_processes=["Upstream cell expansion"],
        regulatory_classification="type_ib",
        classification_rationale="Demo: a change of supplier of a raw material, judged Type IB by regulatory affairs.",
        comparability_required=True,
        affects_certified_product=True,
        risk_assessment=assessment,
        reason="change request",
    )
    engine.transition(rita, change, "assess", reason="assessing")
    changes.qp_approve(actor=petra, change=change, password=PASSWORD)
    engine.transition(rita, change, "submit", reason="assessed; the QP approved")
    engine.transition(alex, change, "approve", reason="approved on the risk assessment", password=PASSWORD)
    for title, owner, days in (
        ("Qualify CellGro Media BV for MED-001", rita, 30),
        ("Comparability study of three AAV9-SMN batches made with the new medium (ICH Q5E)", people["quentin"], 120),
    ):
        changes.add_task(
            actor=rita, change=change, title=title, owner=owner, due_date=today + dt.timedelta(days=days), reason="plan"
        )


def _complaints(people: dict[str, User], sites: dict[str, Site]) -> None:
    """A complaint flagged as a possible adverse reaction (PV's case recorded), and a closed one."""
    from atmp.demo import PASSWORD
    from atmp.quality.services import complaints

    rita, alex, victor = people["rita"], people["alex"], people["victor"]
    leiden = sites["LEI"]
    today = clock.now().date()
    adverse = complaints.open_complaint(
        actor=rita,
        site=leiden,
        title="Fever and rash after infusion",
        received_date=today - dt.timedelta(days=3),
        source="hospital",
        description="The treating centre reports fever and rash within hours of the infusion of batch L-24-021.",
        reporter_reference="UMCL-2026-0412",
        possible_adverse_reaction=True,
        reason="complaint received by phone",
    )
    engine.transition(rita, adverse, "investigate", reason="investigate with PV")
    complaints.update_complaint(
        actor=victor,
        complaint=adverse,
        reason="case opened in the PV database",
        version=None,
        pv_reference="PV-2026-0031",
    )
    closed = complaints.open_complaint(
        actor=rita,
        site=leiden,
        title="Smudged label on an outer carton",
        received_date=today - dt.timedelta(days=40),
        source="distributor",
        description="The batch number on one outer carton was hard to read on receipt.",
        reporter_reference="DIST-7781",
        reason="complaint received by e-mail",
    )
    engine.transition(rita, closed, "investigate", reason="investigate")
    complaints.update_complaint(
        actor=rita,
        complaint=closed,
        reason="investigated",
        version=None,
        investigation="Retained cartons of the batch read well; the carton was wet in transit.",
        conclusion="Transport damage, not a labelling defect; the distributor was told.",
    )
    engine.transition(alex, closed, "close", reason="conclusion reviewed", password=PASSWORD)


def _mock_recall(people: dict[str, User], sites: dict[str, Site]) -> None:
    """A mock recall exercise with its scope and recipients, reconciled and closed with QA's signature."""
    from atmp.demo import PASSWORD
    from atmp.quality.services import recalls

    rita, alex = people["rita"], people["alex"]
    leiden = sites["LEI"]
    today = clock.now().date()
    recall = recalls.open_recall(
        actor=rita,
        site=leiden,
        title="Mock recall exercise: batch L-24-017",
        recall_reason="Yearly mock recall: trace and reach every recipient of one batch within 24 hours.",
        classification="class_ii",
        decision_date=today,
        mock=True,
        reason="mock recall planned in the self-inspection programme",
    )
    # No batch record exists until a traceability module is installed: the site's record stands in
    # for the batch, as the scope row's description says.
    (row,) = recalls.add_scope(
        actor=rita,
        recall=recall,
        items=[
            recalls.ScopeItem(
                record=leiden.record_key,
                description="Batch L-24-017 (mock: the site's record stands in for the batch)",
                quantity_distributed=4,
                unit="bags",
            )
        ],
        reason="scope of the exercise",
    )
    recipients = [
        recalls.add_recipient(actor=rita, recall=recall, reference=ref, kind=kind, reason="recipient of the batch")
        for ref, kind in (("HOSP-NL-014", "hospital"), ("HOSP-BE-003", "hospital"), ("MOCK-AUTH", "authority"))
    ]
    engine.transition(rita, recall, "start", reason="exercise started")
    for recipient in recipients:
        recalls.record_notification(
            actor=rita, recipient=recipient, reason="called", version=None, response="reached; mock acknowledged"
        )
    recalls.update_scope(
        actor=rita,
        row=row,
        reason="accounted for",
        version=None,
        quantity_administered=3,
        quantity_returned=1,
    )
    engine.transition(rita, recall, "reconcile", reason="every bag accounted for")
    engine.transition(alex, recall, "close", reason="exercise complete within 24 hours", password=PASSWORD)


def _self_inspection(people: dict[str, User], sites: dict[str, Site]) -> None:
    """A closed self-inspection of the cleanroom with a major finding and its CAPA."""
    from atmp.demo import PASSWORD
    from atmp.quality.services import inspections

    rita, alex, olga = people["rita"], people["alex"], people["olga"]
    leiden = sites["LEI"]
    today = clock.now().date()
    inspection = inspections.plan_inspection(
        actor=rita,
        site=leiden,
        title="Self-inspection of the cleanroom suite",
        area="Grade B cleanroom and airlocks",
        planned_date=today - dt.timedelta(days=14),
        lead_auditor=rita,
        scope="Gowning, cleaning, environmental monitoring",
        reason="self-inspection programme",
    )
    engine.transition(rita, inspection, "start", reason="opening meeting")
    finding = inspections.add_finding(
        actor=rita,
        inspection=inspection,
        classification="major",
        description="Cleaning log of the grade B room not countersigned on three days.",
        reason="finding",
    )
    inspections.add_finding(
        actor=rita,
        inspection=inspection,
        classification="recommendation",
        description="Show the gowning sequence as pictures in the airlock.",
        reason="finding",
    )
    capa = capas.open_capa(
        actor=rita,
        site=leiden,
        title="Countersignature of cleaning logs",
        description="Supervisor checks the cleaning log at the end of each shift; retrain the cleaning staff.",
        kind="both",
        source=finding,
        owner=olga,
        due_date=today + dt.timedelta(days=21),
        effectiveness_criteria="No missing countersignature in the next two months' logs",
        effectiveness_due=today + dt.timedelta(days=90),
    )
    inspections.link_finding_capa(actor=rita, finding=finding, capa=capa.record_key, reason="CAPA raised")
    engine.transition(rita, inspection, "report", reason="report written")
    inspections.update_inspection(
        actor=rita,
        inspection=inspection,
        reason="report written",
        version=None,
        report_summary="One major finding (cleaning log countersignature, CAPA raised) and one recommendation.",
    )
    engine.transition(alex, inspection, "close", reason="report reviewed", password=PASSWORD)


def _management_review(people: dict[str, User], sites: dict[str, Site]) -> None:
    """This month's management review of Leiden, to date, approved: its KPIs frozen by the signature.

    Its period runs to today, the day every demo record was entered, so the review is signed on
    its period's last day and freezes the KPIs as of the signature: the demo's open critical
    deviation, its CAPAs, the change, the complaint under investigation and the training missed.
    (A period that ended before today would freeze the KPIs of a system with no records yet.)
    """
    from atmp.demo import PASSWORD
    from atmp.quality.services import reviews

    rita, alex = people["rita"], people["alex"]
    today = clock.now().date()
    review = reviews.plan_review(
        actor=rita,
        site=sites["LEI"],
        title=f"Management review {today:%B %Y} to date, Leiden",
        period_start=today.replace(day=1),
        period_end=today,
        attendees="Head of QA, QP, Head of Production, Head of QC",
        reason="monthly management review",
    )
    reviews.update_review(
        actor=rita,
        review=review,
        reason="minutes",
        summary="KPIs, open CAPAs, the culture-medium change and the ViroMedia agreement renewal discussed.",
        decisions="Renew the ViroMedia quality agreement before it expires; resource the comparability study.",
    )
    engine.transition(rita, review, "submit", reason="minutes ready")
    engine.transition(alex, review, "approve", reason="review approved", password=PASSWORD)


def summary() -> dict[str, Any]:
    """Return how many quality records the demo holds, by type."""
    from atmp.quality.models import Capa, Deviation, PlannedDeviation

    return {
        "deviations": Deviation.objects.count(),
        "planned_deviations": PlannedDeviation.objects.count(),
        "capas": Capa.objects.count(),
    }
