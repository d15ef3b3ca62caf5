"""Suppliers and contractors: master data, qualification per material or service, quality agreements,
audits and their findings (EU GMP Part IV ch. 7 (Starting and raw materials) and ch. 13 (Outsourced activities);
EudraLex Vol. 4 Part I Ch. 5.27-5.29 and Ch. 7)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see
from atmp.ledger import writer
from atmp.ledger.errors import Conflict
from atmp.quality import findings
from atmp.quality.models.suppliers import (
    AuditFinding,
    AuditOutcome,
    AuditType,
    FindingClass,
    QualityAgreement,
    Supplier,
    SupplierApproval,
    SupplierAudit,
    SupplyKind,
)
from atmp.quality.numbering import next_number
from atmp.quality.services import edits
from atmp.workflow.engine import today
from atmp.workflow.models import Link

UNSET: Any = object()


def _year() -> int:
    return today().year


def add_supplier(*, actor: User, name: str, address: str = "", site: Site | None = None, reason: str = "") -> Supplier:
    """Register a supplier or contractor (for one site, or every site when site is None)."""
    edits.check_writer(actor, Supplier, site=site)
    supplier = Supplier(
        name=edits.text(name, "name", required=True, limit=200), address=edits.text(address, "address"), site=site
    )
    with writer.change(actor=actor, reason=reason) as ch:
        supplier.number = next_number(ch, Supplier, "SUP", _year())
        ch.save(supplier)
    return supplier


def update_supplier(
    *, actor: User, supplier: Supplier, reason: str, version: int | None, name: str = UNSET, address: str = UNSET
) -> Supplier:
    """Correct a supplier's name or address."""
    edits.check_may_edit(actor, supplier, version=version)
    values: dict[str, Any] = {}
    if name is not UNSET:
        values["name"] = edits.text(name, "name", required=True, limit=200)
    if address is not UNSET:
        values["address"] = edits.text(address, "address")
    return edits.apply(actor=actor, record=supplier, values=values, reason=reason)


def add_approval(
    *,
    actor: User,
    supplier: Supplier,
    kind: str,
    scope: str,
    valid_until: dt.date | str | None = None,
    conditions: str = "",
    reason: str = "",
) -> SupplierApproval:
    """Start the qualification of a supplier for one material (its code) or one service (pending until QA decides)."""
    edits.check_may_edit(actor, supplier, version=None)
    approval = SupplierApproval(
        supplier=supplier,
        kind=edits.choice(kind, "kind", SupplyKind.values),
        scope=edits.text(scope, "scope", required=True, limit=200),
        valid_until=edits.date(valid_until, "valid_until"),
        conditions=edits.text(conditions, "conditions"),
    )
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()  # two clerks adding the same scope at once: the second sees the first
        live = SupplierApproval.objects.filter(
            supplier=supplier, kind=approval.kind, scope=approval.scope, voided=False
        ).exclude(status="withdrawn")
        if live.exists():
            raise Conflict(
                f"{supplier.number} already has a qualification for {approval.kind} {approval.scope!r} "
                f"({live.first().record_key}); re-open that one instead"  # type: ignore[union-attr]
            )
        ch.save(approval)
    return approval


def update_approval(
    *,
    actor: User,
    approval: SupplierApproval,
    reason: str,
    version: int | None,
    conditions: str = UNSET,
    valid_until: dt.date | str | None = UNSET,
) -> SupplierApproval:
    """Change a pending qualification's conditions or validity (a decided one is re-opened first)."""
    edits.check_may_edit(actor, approval, version=version, states=("pending", "disqualified"))
    values: dict[str, Any] = {}
    if conditions is not UNSET:
        values["conditions"] = edits.text(conditions, "conditions")
    if valid_until is not UNSET:
        values["valid_until"] = edits.date(valid_until, "valid_until")
    return edits.apply(actor=actor, record=approval, values=values, reason=reason)


def _agreement_dates(effective: dt.date | None, expiry: dt.date | None) -> None:
    if effective and expiry and expiry <= effective:
        raise InvalidInput("expiry_date", "must come after the effective date")


def add_agreement(
    *,
    actor: User,
    supplier: Supplier,
    title: str,
    effective_date: dt.date | str | None = None,
    expiry_date: dt.date | str | None = None,
    reason: str = "",
) -> QualityAgreement:
    """Draft a quality (technical) agreement with the supplier; QA Approver signs it into force."""
    edits.check_may_edit(actor, supplier, version=None)
    effective = edits.date(effective_date, "effective_date")
    expiry = edits.date(expiry_date, "expiry_date")
    _agreement_dates(effective, expiry)
    agreement = QualityAgreement(
        supplier=supplier,
        title=edits.text(title, "title", required=True, limit=200),
        effective_date=effective,
        expiry_date=expiry,
    )
    with writer.change(actor=actor, reason=reason) as ch:
        agreement.number = next_number(ch, QualityAgreement, "QAG", _year())
        ch.save(agreement)
    return agreement


def update_agreement(
    *,
    actor: User,
    agreement: QualityAgreement,
    reason: str,
    version: int | None,
    title: str = UNSET,
    effective_date: dt.date | str | None = UNSET,
    expiry_date: dt.date | str | None = UNSET,
) -> QualityAgreement:
    """Change a draft agreement (an approved one is replaced by a new agreement, never edited under its signature)."""
    edits.check_may_edit(actor, agreement, version=version, states=("draft",))
    values: dict[str, Any] = {}
    if title is not UNSET:
        values["title"] = edits.text(title, "title", required=True, limit=200)
    if effective_date is not UNSET:
        values["effective_date"] = edits.date(effective_date, "effective_date")
    if expiry_date is not UNSET:
        values["expiry_date"] = edits.date(expiry_date, "expiry_date")
    _agreement_dates(
        values.get("effective_date", agreement.effective_date), values.get("expiry_date", agreement.expiry_date)
    )
    return edits.apply(actor=actor, record=agreement, values=values, reason=reason)


def _auditor(user: User | None, record: Any) -> User | None:
    if user is None:
        return None
    if not user.is_active:
        raise InvalidInput("lead_auditor", f"{user.username} is disabled")
    if not user.can("records.write") or not can_see(user, record):
        raise InvalidInput("lead_auditor", f"{user.username} does not take GMP work at the record's site")
    return user


def add_audit(
    *,
    actor: User,
    supplier: Supplier,
    title: str,
    audit_date: dt.date | str,
    audit_type: str,
    lead_auditor: User | None = None,
    reason: str = "",
) -> SupplierAudit:
    """Plan an audit of the supplier."""
    edits.check_may_edit(actor, supplier, version=None)
    audit = SupplierAudit(
        supplier=supplier,
        title=edits.text(title, "title", required=True, limit=200),
        audit_date=edits.date(audit_date, "audit_date", required=True),  # type: ignore[misc]  # required: never None
        audit_type=edits.choice(audit_type, "audit_type", AuditType.values),
        lead_auditor=_auditor(lead_auditor, supplier),
    )
    with writer.change(actor=actor, reason=reason) as ch:
        audit.number = next_number(ch, SupplierAudit, "SAU", _year())
        ch.save(audit)
    return audit


def update_audit(
    *,
    actor: User,
    audit: SupplierAudit,
    reason: str,
    version: int | None,
    title: str = UNSET,
    audit_date: dt.date | str = UNSET,
    outcome: str = UNSET,
    summary: str = UNSET,
) -> SupplierAudit:
    """Record an audit's outcome and summary, or correct its title or date, before it closes."""
    edits.check_may_edit(actor, audit, version=version, states=("planned", "in_progress", "reporting"))
    values: dict[str, Any] = {}
    if title is not UNSET:
        values["title"] = edits.text(title, "title", required=True, limit=200)
    if audit_date is not UNSET:
        values["audit_date"] = edits.date(audit_date, "audit_date", required=True)
    if outcome is not UNSET:
        values["outcome"] = "" if not outcome else edits.choice(outcome, "outcome", AuditOutcome.values)
    if summary is not UNSET:
        values["summary"] = edits.text(summary, "summary")
    return edits.apply(actor=actor, record=audit, values=values, reason=reason)


def add_audit_finding(
    *, actor: User, audit: SupplierAudit, classification: str, description: str, reason: str = ""
) -> AuditFinding:
    """Record a finding of an audit that is under way or being reported."""
    edits.check_may_edit(actor, audit, version=None, states=("in_progress", "reporting"))
    finding = AuditFinding(
        audit=audit,
        classification=edits.choice(classification, "classification", FindingClass.values),
        description=edits.text(description, "description", required=True),
    )
    with writer.change(actor=actor, reason=reason) as ch:
        ch.save(finding)
    return finding


def link_finding_capa(*, actor: User, finding: AuditFinding, capa: str, reason: str = "") -> Link:
    """Link the CAPA (by record key, e.g. quality.capa:7) that addresses an audit finding."""
    edits.check_may_edit(actor, finding.audit, version=None, states=("in_progress", "reporting"))
    return findings.link_capa(actor=actor, finding=finding, capa=capa, reason=reason)
