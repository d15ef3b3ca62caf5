"""REST operations of suppliers: suppliers, their qualifications, quality agreements, audits and findings,
and may-accept. Transitions, history, signatures and links are the generic /records/… operations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.api.auth import user_of
from atmp.api.schemas import BodyIn, answers, bounded, refers_to
from atmp.quality.api.paging import After, Id, Limit, ShowVoided, Version, common, live, one, page, visible
from atmp.quality.models.suppliers import AuditFinding, QualityAgreement, Supplier, SupplierApproval, SupplierAudit
from atmp.quality.selectors import suppliers as select
from atmp.quality.services import edits
from atmp.quality.services import suppliers as svc

router = Router(tags=["quality: suppliers"])
Text = Annotated[str, bounded(20000)]
Short = Annotated[str, bounded(200)]
Reason = Annotated[str, bounded(2000)]


def site_by_code(code: str | None) -> Site | None:
    """Return the site of the code, or None for no code; refuse an unknown code."""
    if not code:
        return None
    site = Site.objects.filter(code=code, voided=False).first()
    if site is None:
        raise InvalidInput("site", f"there is no site {code!r}")
    return site


def user_by_name(name: str | None, field: str) -> User | None:
    """Return the user of the username, or None; refuse an unknown one."""
    if not name:
        return None
    user = User.objects.filter(username=name).first()
    if user is None:
        raise InvalidInput(field, f"there is no user {name!r}")
    return user


class SupplierIn(BodyIn):
    """A new supplier: name, address, and the site it serves (none: every site)."""

    name: Short
    address: Text = ""
    site: Annotated[str, bounded(20)] | None = None
    reason: Reason = ""


class SupplierPatch(BodyIn):
    """A correction of a supplier, with why and the version seen."""

    reason: Reason
    version: Version
    name: Short | None = None
    address: Text | None = None


class SupplierOut(Schema):
    id: int
    record: str
    voided: bool
    version: int
    status: str
    number: str
    name: str
    address: str
    site: str | None


class SupplierPage(Schema):
    items: list[SupplierOut]
    next: int | None


def supplier_doc(s: Supplier) -> dict[str, Any]:
    """Return a supplier as SupplierOut."""
    site = Site.objects.filter(pk=s.site_id).values_list("code", flat=True).first() if s.site_id else None
    return {**common(s), "number": s.number, "name": s.name, "address": s.address, "site": site}


def _changes(body: BodyIn, *skip: str) -> dict[str, Any]:
    return {k: v for k, v in body.model_dump(exclude_unset=True).items() if k not in ("reason", "version", *skip)}


@router.get("/quality/suppliers", response=answers({200: SupplierPage}))
@requires("records.view")
def list_suppliers(
    request: HttpRequest,
    limit: Limit = 50,
    after: After = None,
    name: Annotated[str, bounded(200)] = "",
    voided: ShowVoided = False,
) -> dict[str, Any]:
    """List suppliers, newest first (?name= filters by part of the name)."""
    rows = Supplier.objects.all()
    if name:
        rows = rows.filter(name__icontains=name)
    items, cursor = page(live(user_of(request), rows, voided=voided), limit=limit, after=after)
    return {"items": [supplier_doc(s) for s in items], "next": cursor}


@router.post("/quality/suppliers", response=answers({201: SupplierOut}))
@requires("records.write")
def create_supplier(request: HttpRequest, body: SupplierIn) -> Status[dict[str, Any]]:
    """Register a supplier or contractor."""
    made = svc.add_supplier(
        actor=user_of(request), name=body.name, address=body.address, site=site_by_code(body.site), reason=body.reason
    )
    return Status(201, supplier_doc(made))


@router.patch("/quality/suppliers/{supplier_id}", response=answers({200: SupplierOut}))
@requires("records.write")
def update_supplier(request: HttpRequest, supplier_id: Id, body: SupplierPatch) -> dict[str, Any]:
    """Correct a supplier's name or address."""
    user = user_of(request)
    s = svc.update_supplier(
        actor=user,
        supplier=one(user, Supplier, supplier_id),
        reason=body.reason,
        version=body.version,
        **_changes(body),
    )
    return supplier_doc(s)


class ApprovalIn(BodyIn):
    """A qualification to start: kind material|service, the material code or service, optional validity."""

    kind: Annotated[str, bounded(16)]
    scope: Short
    valid_until: dt.date | None = None
    conditions: Text = ""
    reason: Reason = ""


class ApprovalPatch(BodyIn):
    """A change of a pending qualification's conditions or validity."""

    reason: Reason
    version: Version
    conditions: Text | None = None
    valid_until: dt.date | None = None


class ApprovalOut(Schema):
    id: int
    record: str
    voided: bool
    version: int
    status: str
    status_label: str
    supplier: str
    kind: str
    scope: str
    conditions: str
    valid_until: dt.date | None


class ApprovalPage(Schema):
    items: list[ApprovalOut]
    next: int | None


def approval_doc(a: SupplierApproval) -> dict[str, Any]:
    """Return a qualification as ApprovalOut."""
    return {
        **common(a),
        "supplier": a.supplier.number,
        "kind": a.kind,
        "scope": a.scope,
        "conditions": a.conditions,
        "valid_until": a.valid_until,
    }


@router.get("/quality/suppliers/{supplier_id}/approvals", response=answers({200: ApprovalPage}))
@requires("records.view")
def list_approvals(
    request: HttpRequest, supplier_id: Id, limit: Limit = 50, after: After = None, voided: ShowVoided = False
) -> dict[str, Any]:
    """List a supplier's qualifications per material or service."""
    user = user_of(request)
    supplier = one(user, Supplier, supplier_id)
    rows = live(user, SupplierApproval.objects.filter(supplier=supplier), voided=voided)
    items, cursor = page(rows, limit=limit, after=after)
    return {"items": [approval_doc(a) for a in items], "next": cursor}


@router.post("/quality/suppliers/{supplier_id}/approvals", response=answers({201: ApprovalOut}))
@requires("records.write")
def create_approval(request: HttpRequest, supplier_id: Id, body: ApprovalIn) -> Status[dict[str, Any]]:
    """Start a qualification of the supplier for a material or a service (pending until QA decides)."""
    user = user_of(request)
    made = svc.add_approval(
        actor=user,
        supplier=one(user, Supplier, supplier_id),
        kind=body.kind,
        scope=body.scope,
        valid_until=body.valid_until,
        conditions=body.conditions,
        reason=body.reason,
    )
    return Status(201, approval_doc(made))


@router.patch("/quality/supplier-approvals/{approval_id}", response=answers({200: ApprovalOut}))
@requires("records.write")
def update_approval(request: HttpRequest, approval_id: Id, body: ApprovalPatch) -> dict[str, Any]:
    """Change a pending qualification's conditions or validity."""
    user = user_of(request)
    a = svc.update_approval(
        actor=user,
        approval=one(user, SupplierApproval, approval_id),
        reason=body.reason,
        version=body.version,
        **_changes(body),
    )
    return approval_doc(a)


class AgreementIn(BodyIn):
    """A quality agreement to draft."""

    title: Short
    effective_date: dt.date | None = None
    expiry_date: dt.date | None = None
    reason: Reason = ""


class AgreementPatch(BodyIn):
    """A change of a draft agreement."""

    reason: Reason
    version: Version
    title: Short | None = None
    effective_date: dt.date | None = None
    expiry_date: dt.date | None = None


class AgreementOut(Schema):
    id: int
    record: str
    voided: bool
    version: int
    status: str
    status_label: str
    number: str
    supplier: str
    title: str
    effective_date: dt.date | None
    expiry_date: dt.date | None


class AgreementPage(Schema):
    items: list[AgreementOut]
    next: int | None


def agreement_doc(a: QualityAgreement) -> dict[str, Any]:
    """Return an agreement as AgreementOut."""
    return {
        **common(a),
        "number": a.number,
        "supplier": a.supplier.number,
        "title": a.title,
        "effective_date": a.effective_date,
        "expiry_date": a.expiry_date,
    }


@router.get("/quality/quality-agreements", response=answers({200: AgreementPage}))
@requires("records.view")
def list_agreements(
    request: HttpRequest,
    limit: Limit = 50,
    after: After = None,
    expiring_within: Annotated[int, Field(ge=0, le=3660)] | None = None,
    voided: ShowVoided = False,
) -> dict[str, Any]:
    """List quality agreements, newest first; ?expiring_within=N: approved ones expiring within N days."""
    user = user_of(request)
    if expiring_within is not None:
        ids = user.site_ids()
        found = select.expiring_agreements(
            within_days=expiring_within, site_ids=frozenset(ids) if ids is not None else None
        )
        rows = list(found[:limit])
        return {"items": [agreement_doc(a) for a in rows], "next": None}
    items, cursor = page(live(user, QualityAgreement.objects.all(), voided=voided), limit=limit, after=after)
    return {"items": [agreement_doc(a) for a in items], "next": cursor}


@router.post("/quality/suppliers/{supplier_id}/agreements", response=answers({201: AgreementOut}))
@requires("records.write")
def create_agreement(request: HttpRequest, supplier_id: Id, body: AgreementIn) -> Status[dict[str, Any]]:
    """Draft a quality agreement with the supplier."""
    user = user_of(request)
    made = svc.add_agreement(
        actor=user,
        supplier=one(user, Supplier, supplier_id),
        title=body.title,
        effective_date=body.effective_date,
        expiry_date=body.expiry_date,
        reason=body.reason,
    )
    return Status(201, agreement_doc(made))


@router.patch("/quality/quality-agreements/{agreement_id}", response=answers({200: AgreementOut}))
@requires("records.write")
def update_agreement(request: HttpRequest, agreement_id: Id, body: AgreementPatch) -> dict[str, Any]:
    """Change a draft agreement."""
    user = user_of(request)
    a = svc.update_agreement(
        actor=user,
        agreement=one(user, QualityAgreement, agreement_id),
        reason=body.reason,
        version=body.version,
        **_changes(body),
    )
    return agreement_doc(a)


class AuditIn(BodyIn):
    """An audit to plan: title, date, type (on_site, remote, questionnaire, for_cause), lead auditor."""

    title: Short
    audit_date: dt.date
    audit_type: Annotated[str, bounded(20)]
    lead_auditor: Annotated[str, bounded(150)] | None = None
    reason: Reason = ""


class AuditPatch(BodyIn):
    """The outcome and summary of an audit, or a correction."""

    reason: Reason
    version: Version
    title: Short | None = None
    audit_date: dt.date | None = None
    outcome: Annotated[str, bounded(32)] | None = None
    summary: Text | None = None


class FindingIn(BodyIn):
    """A finding: classification critical|major|minor|recommendation and what was found."""

    classification: Annotated[str, bounded(20)]
    description: Text
    reason: Reason = ""


class FindingCapaIn(BodyIn):
    """The CAPA that addresses a finding, by record key (quality.capa:7)."""

    capa: Annotated[str, bounded(150), refers_to("quality.capa")]
    reason: Reason = ""


class FindingOut(Schema):
    id: int
    record: str
    version: int
    classification: str
    description: str
    capa: list[str]


class AuditOut(Schema):
    id: int
    record: str
    voided: bool
    version: int
    status: str
    status_label: str
    number: str
    supplier: str
    title: str
    audit_date: dt.date
    audit_type: str
    lead_auditor: str | None
    outcome: str
    summary: str
    findings: list[FindingOut]


class AuditPage(Schema):
    items: list[AuditOut]
    next: int | None


def finding_doc(f: Any) -> dict[str, Any]:
    """Return an audit or inspection finding as FindingOut."""
    from atmp.quality.findings import capa_keys

    return {
        "id": f.pk,
        "record": f.record_key,
        "version": f.version,
        "classification": f.classification,
        "description": f.description,
        "capa": capa_keys(f),
    }


def audit_doc(a: SupplierAudit) -> dict[str, Any]:
    """Return an audit as AuditOut."""
    lead = a.lead_auditor.username if a.lead_auditor is not None else None
    return {
        **common(a),
        "number": a.number,
        "supplier": a.supplier.number,
        "title": a.title,
        "audit_date": a.audit_date,
        "audit_type": a.audit_type,
        "lead_auditor": lead,
        "outcome": a.outcome,
        "summary": a.summary,
        "findings": [finding_doc(f) for f in a.findings.filter(voided=False)],
    }


@router.get("/quality/supplier-audits", response=answers({200: AuditPage}))
@requires("records.view")
def list_audits(
    request: HttpRequest, limit: Limit = 50, after: After = None, voided: ShowVoided = False
) -> dict[str, Any]:
    """List supplier audits, newest first."""
    items, cursor = page(live(user_of(request), SupplierAudit.objects.all(), voided=voided), limit=limit, after=after)
    return {"items": [audit_doc(a) for a in items], "next": cursor}


@router.post("/quality/suppliers/{supplier_id}/audits", response=answers({201: AuditOut}))
@requires("records.write")
def create_audit(request: HttpRequest, supplier_id: Id, body: AuditIn) -> Status[dict[str, Any]]:
    """Plan an audit of the supplier."""
    user = user_of(request)
    made = svc.add_audit(
        actor=user,
        supplier=one(user, Supplier, supplier_id),
        title=body.title,
        audit_date=body.audit_date,
        audit_type=body.audit_type,
        lead_auditor=user_by_name(body.lead_auditor, "lead_auditor"),
        reason=body.reason,
    )
    return Status(201, audit_doc(made))


@router.patch("/quality/supplier-audits/{audit_id}", response=answers({200: AuditOut}))
@requires("records.write")
def update_audit(request: HttpRequest, audit_id: Id, body: AuditPatch) -> dict[str, Any]:
    """Record an audit's outcome and summary, or correct it."""
    user = user_of(request)
    a = svc.update_audit(
        actor=user,
        audit=one(user, SupplierAudit, audit_id),
        reason=body.reason,
        version=body.version,
        **_changes(body),
    )
    return audit_doc(a)


@router.post("/quality/supplier-audits/{audit_id}/findings", response=answers({201: FindingOut}))
@requires("records.write")
def create_audit_finding(request: HttpRequest, audit_id: Id, body: FindingIn) -> Status[dict[str, Any]]:
    """Record a finding of the audit."""
    user = user_of(request)
    made = svc.add_audit_finding(
        actor=user,
        audit=one(user, SupplierAudit, audit_id),
        classification=body.classification,
        description=body.description,
        reason=body.reason,
    )
    return Status(201, finding_doc(made))


@router.post("/quality/audit-findings/{finding_id}/capa", response=answers({200: FindingOut}))
@requires("records.write")
def link_audit_capa(request: HttpRequest, finding_id: Id, body: FindingCapaIn) -> dict[str, Any]:
    """Link the CAPA that addresses the finding."""
    user = user_of(request)
    finding = one(user, AuditFinding, finding_id)
    svc.link_finding_capa(actor=user, finding=finding, capa=body.capa, reason=body.reason)
    return finding_doc(finding)


class SupplierDecisionOut(Schema):
    ok: bool
    rule: str
    reason: str
    approval: str | None
    agreement: str | None


class MayAcceptQuery(Schema):
    material: Annotated[str, bounded(200), Field(min_length=1)]
    supplier: Annotated[str, bounded(20), Field(min_length=1)]
    # Text, not a date: pydantic would read "0.0" as a timestamp; the pattern documents the form.
    on: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None


@router.get("/quality/may-accept", response=answers({200: SupplierDecisionOut}))
@requires("records.view")
def may_accept(request: HttpRequest, query: Query[MayAcceptQuery]) -> dict[str, Any]:
    """Answer whether the material may be received from the supplier (by number) on the date, with the rule."""
    user = user_of(request)
    on = edits.date(query.on, "on")
    found = visible(user, Supplier.objects.filter(number=query.supplier, voided=False)).first()
    if found is None:  # unknown, or of a site the caller does not see: the same answer
        d = select.Decision(False, f"supplier {query.supplier} is not registered", "unknown_supplier")
    else:
        d = select.may_accept(query.material, found, on)
    return {"ok": d.ok, "rule": d.rule, "reason": d.reason, "approval": d.approval, "agreement": d.agreement}
