"""Controlled documents, their versions, and the training they require (EU GMP Chapter 4, Chapter 2 §2.11)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.conf import settings
from django.db import models

from atmp.accounts.models import Site
from atmp.accounts.roles import Role
from atmp.ledger.records import GmpRecord
from atmp.quality.workflows.documents import DOCUMENT_VERSION_WORKFLOW
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

# Every role that does GMP work: each reads and understands the procedures it follows.
GMP_ROLES = frozenset(
    {
        Role.OPERATOR,
        Role.QC_ANALYST,
        Role.QA_REVIEWER,
        Role.QA_APPROVER,
        Role.QUALIFIED_PERSON,
        Role.PV_OFFICER,
        Role.COI_COORDINATOR,
    }
)
QA_ROLES = frozenset({Role.QA_REVIEWER, Role.QA_APPROVER, Role.QUALIFIED_PERSON})


class DocumentType(models.TextChoices):
    SOP = "sop", "SOP"
    POLICY = "policy", "Policy"
    WORK_INSTRUCTION = "work_instruction", "Work instruction"
    FORM = "form", "Form"
    SPECIFICATION = "specification", "Specification"
    VALIDATION = "validation", "Validation document"


# The stem of each type's numbers (SOP-0001, POL-0001 …); never changes once numbers exist.
NUMBER_PREFIXES: dict[str, str] = {
    DocumentType.SOP: "SOP",
    DocumentType.POLICY: "POL",
    DocumentType.WORK_INSTRUCTION: "WI",
    DocumentType.FORM: "FRM",
    DocumentType.SPECIFICATION: "SPEC",
    DocumentType.VALIDATION: "VAL",
}


class Document(GmpRecord):
    """A controlled document's identity: number, title, type, owner and review interval.

    Its content lives in its versions; the version in force is derived (effective_version), never stored.
    """

    number = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    document_type = models.CharField(max_length=32, choices=DocumentType.choices)
    # None: a company-wide document that every site follows.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    review_interval_months = models.PositiveSmallIntegerField(default=24)

    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = {"reviewed": QA_ROLES}

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def effective_version(self) -> DocumentVersion | None:
        """Return the version in force now, if any."""
        return self.versions.filter(status="effective", voided=False).first()


class DocumentVersion(WorkflowRecord):
    """One version of a document: draft → in review → approved → effective → superseded or retired."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    label = models.CharField(max_length=16)
    change_summary = models.TextField(blank=True)
    effective_date = models.DateField(null=True, blank=True)
    # effective_date + the document's review interval, set with the effective date (content the approval signs).
    review_due = models.DateField(null=True, blank=True)

    workflow: ClassVar[Workflow] = DOCUMENT_VERSION_WORKFLOW
    site_path: ClassVar[str | None] = "document__site_id"
    work_related: ClassVar[tuple[str, ...]] = ("document",)
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = {
        "authored": GMP_ROLES - {Role.QUALIFIED_PERSON},
        "reviewed": QA_ROLES,
        # EU GMP Chapter 4 §4.3: documents are approved by appropriate and authorised persons (QA).
        "approved": frozenset({Role.QA_APPROVER}),
    }

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "label"], name="quality_documentversion_label_once"),
        ]
        # The versions in a state (those awaiting a signature, for My work; the effective ones), by due
        # date: SQLite otherwise read every version of every document of the site (0003).
        # By assigned role: My work's "assigned to my role" read all 40,000 versions of a ten-year QMS
        # on PostgreSQL (13 ms, for the 195 in review; bench/qms.py, 0005).
        indexes = [
            models.Index(fields=["status", "due_date"], name="quality_docversion_due"),
            models.Index(fields=["assigned_role"], name="quality_docversion_role"),
        ]

    def __str__(self) -> str:
        return f"{self.document.number} v{self.label} {self.document.title}"

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the document's site (None: a company-wide document)."""
        return self.document.concerned_site_ids()


class TrainingRequirement(GmpRecord):
    """A document that a role (optionally at one site) or a named person must be trained on.

    Removing a requirement voids it with a reason; the ledger keeps that it existed.
    """

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="requirements")
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # None: the role at every site.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    grace_days = models.PositiveSmallIntegerField(default=30)
    note = models.TextField(blank=True)

    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = {"reviewed": QA_ROLES}

    def __str__(self) -> str:
        who = f"role {self.role}" if self.role else f"user {self.user_id}"
        return f"{self.document.number}: {who}"


class TrainingRecord(GmpRecord):
    """A read-and-understood: the trainee's own record, signed 'read_understood' by them in the same change.

    It names the document version and freezes that version's snapshot hash, so the signature vouches
    for exactly the content that was effective (Part 11 §11.70; EU GMP Chapter 2 §2.11).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="training_records")
    document_version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="training_records")
    version_snapshot_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()

    site_path: ClassVar[str | None] = "document__site_id"
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = {"read_understood": GMP_ROLES}

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "document_version"], name="quality_training_once_per_version"),
        ]
        indexes = [models.Index(fields=["user", "document"], name="quality_training_user_doc")]

    def __str__(self) -> str:
        return f"read and understood: {self.document_version}"

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the document's site; for a company-wide document, the trainee's sites (None: every site).

        Training is personal: the record is the trainee's own, so a trainee bound to one site signs
        a document every site follows (it concerns their site), while a site's document stays its own.
        """
        concerned = self.document.concerned_site_ids()
        if concerned is not None:
            return concerned
        mine = self.user.site_ids()
        return None if mine is None else frozenset(mine)
