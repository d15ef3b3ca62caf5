"""Suppliers and contractors (EU GMP Part IV ch. 7 (Starting and raw materials) and ch. 13 (Outsourced
activities); ICH Q10 2.7): who they are, what each is qualified to supply, the quality
agreements with them, and the audits of them with their findings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager

from atmp.accounts.models import Site
from atmp.accounts.roles import Role
from atmp.ledger.records import GmpRecord
from atmp.quality.workflows.suppliers import AGREEMENT_WORKFLOW, APPROVAL_WORKFLOW, AUDIT_WORKFLOW
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = [
    "AuditFinding",
    "FindingClass",
    "QualityAgreement",
    "Supplier",
    "SupplierApproval",
    "SupplierAudit",
]

# QA approves; a QP may too (EU GMP Part IV ch. 11: the QP relies on the qualified supply chain).
QA_APPROVAL: Mapping[str, frozenset[str]] = {
    "approved": frozenset({Role.QA_APPROVER, Role.QUALIFIED_PERSON}),
}


class FindingClass(models.TextChoices):
    """How serious a finding of an audit or self-inspection is (critical and major need a CAPA)."""

    CRITICAL = "critical", "Critical"
    MAJOR = "major", "Major"
    MINOR = "minor", "Minor"
    RECOMMENDATION = "recommendation", "Recommendation"


class Supplier(GmpRecord):
    """A supplier of materials or a contractor of services, for one site or (no site) every site.

    Master data without a lifecycle of its own: its qualification is per material or service
    (SupplierApproval), which does have one.
    """

    number = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = QA_APPROVAL

    site_id: int | None

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class SupplyKind(models.TextChoices):
    MATERIAL = "material", "Material"
    SERVICE = "service", "Service"


class SupplierApproval(WorkflowRecord):
    """A supplier's qualification for one material (by code) or one service: approved, conditional or disqualified."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="approvals")
    kind = models.CharField(max_length=16, choices=SupplyKind.choices)
    scope = models.CharField(max_length=200, help_text="The material code, or the service described.")
    conditions = models.TextField(blank=True, help_text="The extra controls a conditional approval requires.")
    valid_until = models.DateField(null=True, blank=True)

    workflow: ClassVar[Workflow] = APPROVAL_WORKFLOW
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = QA_APPROVAL
    site_path: ClassVar[str | None] = "supplier__site_id"
    work_related: ClassVar[tuple[str, ...]] = ("supplier",)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.supplier.number} {self.kind} {self.scope}"

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the supplier's site (None: every site)."""
        return self.supplier.concerned_site_ids()


class QualityAgreement(WorkflowRecord):
    """A quality (technical) agreement with a supplier, in force from its effective date to its expiry."""

    number = models.CharField(max_length=20, unique=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="agreements")
    title = models.CharField(max_length=200)
    effective_date = models.DateField(null=True, blank=True)
    expiry_date = models.DateField(null=True, blank=True)

    workflow: ClassVar[Workflow] = AGREEMENT_WORKFLOW
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = {"approved": frozenset({Role.QA_APPROVER})}
    site_path: ClassVar[str | None] = "supplier__site_id"

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the supplier's site (None: every site)."""
        return self.supplier.concerned_site_ids()


class AuditType(models.TextChoices):
    ON_SITE = "on_site", "On site"
    REMOTE = "remote", "Remote"
    QUESTIONNAIRE = "questionnaire", "Questionnaire"
    FOR_CAUSE = "for_cause", "For cause"


class AuditOutcome(models.TextChoices):
    SATISFACTORY = "satisfactory", "Satisfactory"
    ACCEPTABLE_WITH_ACTIONS = "acceptable_with_actions", "Acceptable with actions"
    UNSATISFACTORY = "unsatisfactory", "Unsatisfactory"


class SupplierAudit(WorkflowRecord):
    """An audit of a supplier: planned, performed, reported with an outcome, closed once its findings are addressed."""

    number = models.CharField(max_length=20, unique=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="audits")
    title = models.CharField(max_length=200)
    audit_date = models.DateField()
    audit_type = models.CharField(max_length=20, choices=AuditType.choices)
    lead_auditor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    outcome = models.CharField(max_length=32, choices=AuditOutcome.choices, blank=True)
    summary = models.TextField(blank=True)

    workflow: ClassVar[Workflow] = AUDIT_WORKFLOW
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = QA_APPROVAL
    site_path: ClassVar[str | None] = "supplier__site_id"

    lead_auditor_id: int | None
    findings: RelatedManager[AuditFinding]  # reverse relation, declared for the type checker

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the supplier's site (None: every site)."""
        return self.supplier.concerned_site_ids()


class AuditFinding(GmpRecord):
    """A finding of a supplier audit; a critical or major one needs a CAPA linked before the audit closes."""

    audit = models.ForeignKey(SupplierAudit, on_delete=models.PROTECT, related_name="findings")
    classification = models.CharField(max_length=20, choices=FindingClass.choices)
    description = models.TextField()

    site_path: ClassVar[str | None] = "audit__supplier__site_id"

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.audit.number} finding {self.pk} ({self.classification})"

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the audited supplier's site (None: every site)."""
        return self.audit.concerned_site_ids()
