"""Factories of quality records for tests and benchmarks (each through its service)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from atmp.accounts.models import Site, User
from atmp.ledger import clock
from atmp.testing import PASSWORD, make_site, make_user


def site_of(actor: User, site: Site | None) -> Site:
    """Return the site given, or a new one."""
    from atmp.testing import make_site

    return site or make_site()


def make_deviation(*, actor: User, site: Site | None = None, **fields: Any) -> Any:
    """Open a deviation that happened an hour ago."""
    from atmp.quality.services.deviations import open_deviation

    return open_deviation(
        actor=actor,
        site=site_of(actor, site),
        title=fields.pop("title", "Filter integrity test failed"),
        description=fields.pop("description", "The post-use integrity test of the sterile filter failed."),
        occurred_at=fields.pop("occurred_at", clock.now() - dt.timedelta(hours=1)),
        **fields,
    )


def make_planned_deviation(*, actor: User, site: Site | None = None, **fields: Any) -> Any:
    """Draft a complete planned deviation starting tomorrow, for a week."""
    from atmp.quality.services.deviations import open_planned_deviation

    today = clock.now().date()
    return open_planned_deviation(
        actor=actor,
        site=site_of(actor, site),
        title=fields.pop("title", "Use the backup incubator"),
        description=fields.pop("description", "Incubator 2 replaces incubator 1 during its requalification."),
        scope=fields.pop("scope", "Batches started in the period"),
        justification=fields.pop("justification", "Qualified equivalent equipment"),
        risk_assessment=fields.pop("risk_assessment", "Low: same model, same qualification"),
        planned_start=fields.pop("planned_start", today + dt.timedelta(days=1)),
        planned_end=fields.pop("planned_end", today + dt.timedelta(days=8)),
        **fields,
    )


def make_capa(*, actor: User, site: Site | None = None, **fields: Any) -> Any:
    """Open a CAPA with its effectiveness criteria set."""
    from atmp.quality.services.capa import open_capa

    fields.setdefault("effectiveness_criteria", "No failed integrity test for 3 months")
    fields.setdefault("effectiveness_due", clock.now().date() + dt.timedelta(days=90))
    return open_capa(
        actor=actor,
        site=site_of(actor, site),
        title=fields.pop("title", "Retrain on filter integrity testing"),
        description=fields.pop("description", "Operators retrained; SOP clarified."),
        **fields,
    )


def make_capa_action(*, actor: User, capa: Any = None, **fields: Any) -> Any:
    """Add an action to a (new) CAPA."""
    from atmp.quality.services.capa import add_action

    return add_action(
        actor=actor,
        capa=capa or make_capa(actor=actor),
        description=fields.pop("description", "Revise SOP-0012 §4"),
        **fields,
    )


def make_investigated_deviation(*, actor: User, **fields: Any) -> Any:
    """Open a deviation, classify it minor and describe its impact and root cause: ready to move on."""
    from atmp.quality.services.deviations import classify, update_deviation

    deviation = make_deviation(actor=actor, **fields)
    classify(actor=actor, deviation=deviation, severity=2, occurrence=2, detectability=2, reason="triage")
    return update_deviation(
        actor=actor,
        deviation=deviation,
        reason="investigated",
        impact_assessment="No batch was affected.",
        root_cause="The filter housing was not tightened.",
        root_cause_method="five_whys",
    )


def make_capa_ready_for_check(*, actor: User, **fields: Any) -> Any:
    """Open a CAPA whose one action is done: ready for its effectiveness check."""
    from atmp.quality.services.capa import record_evidence
    from atmp.workflow import engine

    capa = make_capa(actor=actor, **fields)
    action = make_capa_action(actor=actor, capa=capa)
    record_evidence(actor=actor, action=action, evidence="SOP revised", reason="done")
    engine.transition(actor, action, "complete", reason="done")
    return capa


def make_evidenced_action(*, actor: User, **fields: Any) -> Any:
    """Add an action with its evidence recorded: ready to be marked done."""
    from atmp.quality.services.capa import record_evidence

    action = make_capa_action(actor=actor, **fields)
    return record_evidence(actor=actor, action=action, evidence="SOP revised", reason="done")


def make_management_review(*, actor: User, site: Site | None = None, **fields: Any) -> Any:
    """Plan a management review of last month, with its discussion written."""
    from atmp.quality.services.reviews import plan_review

    today = clock.now().date()
    return plan_review(
        actor=actor,
        site=site,
        title=fields.pop("title", "Quality management review"),
        period_start=fields.pop("period_start", today - dt.timedelta(days=60)),
        period_end=fields.pop("period_end", today - dt.timedelta(days=30)),
        **fields,
    )


def make_reviewed_management_review(*, actor: User, **fields: Any) -> Any:
    """Plan a management review with its summary and decisions written: ready to submit."""
    from atmp.quality.services.reviews import update_review

    review = make_management_review(actor=actor, **fields)
    return update_review(
        actor=actor, review=review, reason="minutes", summary="KPIs discussed", decisions="Continue CAPA-2026-0002"
    )


_counter = itertools.count(1)


def _site(actor: User | None, site: Site | None) -> Site:
    return site if site is not None else make_site(actor=actor)


def make_riskscale(*, actor: User, site: Site | None = None, **fields: Any) -> Any:
    """Create a site's risk scale (a new site unless one is given) through the service."""
    from atmp.quality.services import risk

    return risk.set_scale(actor=actor, site=_site(actor, site), reason="", **fields)


def make_riskassessment(*, actor: User, site: Site | None = None, rows: int = 1, **fields: Any) -> Any:
    """Create a draft FMEA with a product, a conclusion and scored rows, ready to submit."""
    from atmp.quality.services import risk

    fields.setdefault("title", f"Risk assessment {next(_counter)}")
    fields.setdefault("product", "AAV9-SMN")
    fields.setdefault("conclusion", "Residual risk acceptable with the listed controls.")
    assessment = risk.open_assessment(actor=actor, site=_site(actor, site), **fields)
    for n in range(rows):
        make_fmearow(actor=actor, assessment=assessment, failure_mode=f"Failure mode {n + 1}")
    return assessment


def make_fmearow(*, actor: User, assessment: Any = None, **fields: Any) -> Any:
    """Add a scored FMEA row (to a new draft assessment unless one is given)."""
    from atmp.quality.services import risk

    if assessment is None:
        assessment = make_riskassessment(actor=actor, rows=0)
    fields.setdefault("failure_mode", "Filter integrity test fails")
    fields.setdefault("effect", "Non-sterile product")
    for name, value in (("severity", 4), ("occurrence", 2), ("detectability", 3)):
        fields.setdefault(name, value)
    return risk.add_row(actor=actor, assessment=assessment, **fields)


def make_approved_riskassessment(*, actor: User, site: Site | None = None, **fields: Any) -> Any:
    """Create an FMEA and have it reviewed and approved (by a QA Approver made for it)."""
    from atmp.workflow import engine

    assessment = make_riskassessment(actor=actor, site=site, **fields)
    engine.transition(actor, assessment, "submit", reason="ready for review")
    approver = make_user("qa_approver", password=PASSWORD)
    engine.transition(approver, assessment, "approve", reason="risk accepted", password=PASSWORD)
    return assessment


def make_changecontrol(
    *, actor: User, site: Site | None = None, risk_assessment: Any = "approved", **fields: Any
) -> Any:
    """Create a change control, described and classified, with an approved risk assessment linked.

    risk_assessment: "approved" (the default: one is made), None (none linked) or an assessment.
    """
    from atmp.quality.services import changes

    site = _site(actor, site)
    if risk_assessment == "approved":
        risk_assessment = make_approved_riskassessment(actor=actor, site=site)
    fields.setdefault("title", f"Change {next(_counter)}")
    fields.setdefault("description", "Replace the culture-medium supplier.")
    fields.setdefault("justification", "The current supplier discontinues the medium.")
    fields.setdefault("regulatory_classification", "none")
    fields.setdefault("classification_rationale", "No change to the registered process or specifications.")
    return changes.open_change(actor=actor, site=site, risk_assessment=risk_assessment, **fields)


def make_changetask(*, actor: User, change: Any = None, owner: User | None = None, **fields: Any) -> Any:
    """Add an implementation task (to a new change unless one is given), owned by the actor unless named."""
    from atmp.quality.services import changes

    if change is None:
        change = make_changecontrol(actor=actor, risk_assessment=None)
    fields.setdefault("title", "Qualify the new supplier")
    return changes.add_task(actor=actor, change=change, owner=owner or actor, **fields)


_n = itertools.count(1)


def _site_from(fields: dict[str, Any]) -> Any:
    from atmp.testing import make_site

    return fields.pop("site", None) or make_site()


def make_supplier(*, actor: User, **fields: Any) -> Any:
    """Create a supplier serving every site (unless a site is given)."""
    from atmp.quality.services import suppliers

    return suppliers.add_supplier(
        actor=actor, name=fields.pop("name", f"Supplier {next(_n)}"), site=fields.pop("site", None), **fields
    )


def make_supplier_approval(*, actor: User, **fields: Any) -> Any:
    """Create a pending qualification of a supplier for a material."""
    from atmp.quality.services import suppliers

    supplier = fields.pop("supplier", None) or make_supplier(actor=actor)
    fields.setdefault("kind", "material")
    fields.setdefault("scope", f"MAT-{next(_n):04d}")
    return suppliers.add_approval(actor=actor, supplier=supplier, **fields)


def make_quality_agreement(*, actor: User, **fields: Any) -> Any:
    """Create a draft quality agreement in force for a year from today."""
    from atmp.quality.services import suppliers
    from atmp.workflow.engine import today

    supplier = fields.pop("supplier", None) or make_supplier(actor=actor)
    fields.setdefault("effective_date", today())
    fields.setdefault("expiry_date", today() + dt.timedelta(days=365))
    return suppliers.add_agreement(
        actor=actor, supplier=supplier, title=fields.pop("title", f"Quality agreement {next(_n)}"), **fields
    )


def make_supplier_audit(*, actor: User, **fields: Any) -> Any:
    """Create a planned on-site audit of a supplier."""
    from atmp.quality.services import suppliers
    from atmp.workflow.engine import today

    supplier = fields.pop("supplier", None) or make_supplier(actor=actor)
    fields.setdefault("audit_date", today())
    fields.setdefault("audit_type", "on_site")
    return suppliers.add_audit(actor=actor, supplier=supplier, title=fields.pop("title", f"Audit {next(_n)}"), **fields)


def make_audit_finding(*, actor: User, **fields: Any) -> Any:
    """Create a minor finding of an audit under way."""
    from atmp.quality.services import suppliers
    from atmp.workflow import engine

    audit = fields.pop("audit", None)
    if audit is None:
        audit = make_supplier_audit(actor=actor)
        engine.transition(actor, audit, "start", reason="test set-up")
    fields.setdefault("classification", "minor")
    fields.setdefault("description", "Temperature log not countersigned")
    return suppliers.add_audit_finding(actor=actor, audit=audit, **fields)


def make_complaint(*, actor: User, **fields: Any) -> Any:
    """Create a received complaint from a hospital."""
    from atmp.quality.services import complaints
    from atmp.workflow.engine import today

    fields.setdefault("received_date", today())
    fields.setdefault("source", "hospital")
    fields.setdefault("description", "Bag arrived with a cracked port")
    return complaints.open_complaint(
        actor=actor, site=_site_from(fields), title=fields.pop("title", f"Complaint {next(_n)}"), **fields
    )


def make_recall(*, actor: User, **fields: Any) -> Any:
    """Create an initiated class II recall (with_scope: and one batch in its scope, so that it can start)."""
    from atmp.quality.services import recalls
    from atmp.workflow.engine import today

    with_scope = fields.pop("with_scope", False)
    fields.setdefault("recall_reason", "Potency below specification found on stability")
    fields.setdefault("classification", "class_ii")
    fields.setdefault("decision_date", today())
    recall = recalls.open_recall(
        actor=actor, site=_site_from(fields), title=fields.pop("title", f"Recall {next(_n)}"), **fields
    )
    if with_scope:
        make_recall_scope(actor=actor, recall=recall)
    return recall


def make_recall_scope(*, actor: User, **fields: Any) -> Any:
    """Create one scope row of a new recall (the batch stands in as a site record)."""
    from atmp.quality.services import recalls
    from atmp.testing import make_site

    recall = fields.pop("recall", None) or make_recall(actor=actor)
    target = fields.pop("target", None) or make_site()
    item = recalls.ScopeItem(
        record=target.record_key,
        description=fields.pop("description", "Batch AAV-001"),
        quantity_distributed=fields.pop("quantity_distributed", 10),
        unit=fields.pop("unit", "bags"),
    )
    return recalls.add_scope(actor=actor, recall=recall, items=[item], reason="test set-up")[0]


def make_recall_recipient(*, actor: User, **fields: Any) -> Any:
    """Create a consignee to reach in a new recall."""
    from atmp.quality.services import recalls

    recall = fields.pop("recall", None) or make_recall(actor=actor)
    fields.setdefault("kind", "hospital")
    return recalls.add_recipient(
        actor=actor, recall=recall, reference=fields.pop("reference", f"HOSP-{next(_n):03d}"), **fields
    )


def make_self_inspection(*, actor: User, **fields: Any) -> Any:
    """Create a planned self-inspection led by the actor."""
    from atmp.quality.services import inspections
    from atmp.workflow.engine import today

    fields.setdefault("planned_date", today())
    fields.setdefault("area", "Aseptic filling")
    return inspections.plan_inspection(
        actor=actor,
        site=_site_from(fields),
        title=fields.pop("title", f"Self-inspection {next(_n)}"),
        lead_auditor=fields.pop("lead_auditor", actor),
        **fields,
    )


def make_inspection_finding(*, actor: User, **fields: Any) -> Any:
    """Create a minor finding of a self-inspection under way."""
    from atmp.quality.services import inspections
    from atmp.workflow import engine

    inspection = fields.pop("inspection", None)
    if inspection is None:
        inspection = make_self_inspection(actor=actor)
        engine.transition(actor, inspection, "start", reason="test set-up")
    fields.setdefault("classification", "minor")
    fields.setdefault("description", "Gowning poster out of date")
    return inspections.add_finding(actor=actor, inspection=inspection, **fields)


_counter = itertools.count(1)


def make_document(*, actor: User, **fields: Any) -> Any:
    """Create a controlled document (an SOP by default) owned by the actor."""
    from atmp.quality.services import documents

    fields.setdefault("title", f"Procedure {next(_counter)}")
    fields.setdefault("document_type", "sop")
    fields.setdefault("owner", actor)
    return documents.add_document(actor=actor, **fields)


def make_document_version(*, actor: User, document: Any = None, **fields: Any) -> Any:
    """Create a draft version, ready to submit: a change summary and an effective date of today (UTC)."""
    from atmp.quality.services import documents
    from atmp.workflow.engine import today

    fields.setdefault("change_summary", "first issue")
    fields.setdefault("effective_date", today())
    with_file = fields.pop("with_file", True)
    version = documents.add_version(actor=actor, document=document or make_document(actor=actor), **fields)
    if with_file:
        attach_pdf(actor=actor, record=version)
    return version


def attach_pdf(*, actor: User, record: Any, name: str = "document.pdf") -> Any:
    """Attach a small PDF file to the record (a document version's text)."""
    import io

    from atmp.files.services import store_and_attach

    body = b"%PDF-1.4\n% atmp test document\n" + f"{record.record_key}\n".encode() + b"%%EOF\n"
    return store_and_attach(actor=actor, record=record, stream=io.BytesIO(body), name=name, reason="the text")


def make_effective_version(*, actor: User, approver: User, password: str, document: Any = None, **fields: Any) -> Any:
    """Create a version and take it through review and a signed approval to effective."""
    from atmp.workflow import engine

    version = make_document_version(actor=actor, document=document, **fields)
    engine.transition(actor, version, "submit", reason="ready for review")
    engine.transition(approver, version, "approve", reason="content approved", password=password)
    engine.transition(approver, version, "make_effective", reason="effective date reached")
    return version


def make_training_requirement(*, actor: User, document: Any = None, **fields: Any) -> Any:
    """Require training on a document for operators."""
    from atmp.quality.services import documents

    if "user" not in fields:
        fields.setdefault("role", "operator")
    return documents.add_requirement(actor=actor, document=document or make_document(actor=actor), **fields)


def make_training_record(*, actor: User, password: str | None = None) -> Any:
    """Create an effective SOP version (approved by a new QA Approver) and the actor's read-and-understood of it."""
    from atmp.quality.services import documents
    from atmp.testing import PASSWORD, make_user

    author = make_user("qa_reviewer", password=PASSWORD)
    approver = make_user("qa_approver", password=PASSWORD)
    version = make_effective_version(actor=author, approver=approver, password=PASSWORD)
    return documents.read_and_understood(actor=actor, version=version, password=password or PASSWORD)


def make_unsigned_training_record(*, actor: User) -> Any:
    """Write a training record of the actor without its signature: for the record contract only.

    The contract test counts one ledger entry per create; a real training record comes only from
    read_and_understood, which signs it in the same change (two entries).
    """
    from atmp.ledger import clock, writer
    from atmp.quality.models.documents import TrainingRecord
    from atmp.testing import PASSWORD, make_user

    author = make_user("qa_reviewer", password=PASSWORD)
    approver = make_user("qa_approver", password=PASSWORD)
    version = make_effective_version(actor=author, approver=approver, password=PASSWORD)
    record = TrainingRecord(
        user=actor,
        document=version.document,
        document_version=version,
        version_snapshot_hash=version.snapshot_hash(),
        signed_at=clock.now(),
    )
    with writer.change(actor=actor, reason="test set-up"):
        record.save()
    return record


def today_plus(days: int) -> dt.date:
    """Return today's UTC date moved by days."""
    from atmp.workflow.engine import today

    return today() + dt.timedelta(days=days)
