"""Complaints (EU GMP Part IV ch. 14 (Quality defects and product recalls); EudraLex Vol. 4 Part I Ch. 8): intake,
investigation, conclusion.

No personal data in clear: the reporter is named only by a reference (a hospital's case number, a
call-centre ticket) that points to where the identity is kept, never by name or address.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.db import models

from atmp.accounts.models import Site
from atmp.accounts.roles import Role
from atmp.quality.workflows.complaints import COMPLAINT_WORKFLOW
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["Complaint", "ComplaintSource"]


class ComplaintSource(models.TextChoices):
    HOSPITAL = "hospital", "Hospital or treatment centre"
    PHYSICIAN = "physician", "Physician"
    PATIENT = "patient", "Patient or carer"
    DISTRIBUTOR = "distributor", "Distributor"
    AUTHORITY = "authority", "Competent authority"
    INTERNAL = "internal", "Internal"
    OTHER = "other", "Other"


class Complaint(WorkflowRecord):
    """A complaint about a product or batch; a possible adverse reaction is flagged for pharmacovigilance."""

    number = models.CharField(max_length=20, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    received_date = models.DateField()
    source = models.CharField(max_length=20, choices=ComplaintSource.choices)
    reporter_reference = models.CharField(max_length=100, blank=True)
    description = models.TextField()
    possible_adverse_reaction = models.BooleanField(default=False)
    pv_reference = models.CharField(max_length=100, blank=True)
    investigation = models.TextField(blank=True)
    conclusion = models.TextField(blank=True)

    workflow: ClassVar[Workflow] = COMPLAINT_WORKFLOW
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = {
        "approved": frozenset({Role.QA_APPROVER, Role.QUALIFIED_PERSON}),
    }

    site_id: int

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"
