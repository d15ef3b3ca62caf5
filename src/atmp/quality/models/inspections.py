"""Self-inspections and their findings (EudraLex Vol. 4 Part I Ch. 9; ICH Q10; Part IV has no chapter on them)."""

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
from atmp.quality.models.suppliers import FindingClass
from atmp.quality.workflows.inspections import INSPECTION_WORKFLOW
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["InspectionFinding", "SelfInspection"]


class SelfInspection(WorkflowRecord):
    """A planned self-inspection of an area, led by a named auditor; it closes once its serious findings have a CAPA."""

    number = models.CharField(max_length=20, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    area = models.CharField(max_length=200)
    planned_date = models.DateField()
    lead_auditor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scope = models.TextField(blank=True)
    report_summary = models.TextField(blank=True)

    workflow: ClassVar[Workflow] = INSPECTION_WORKFLOW
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = {
        "approved": frozenset({Role.QA_APPROVER, Role.QUALIFIED_PERSON}),
    }

    findings: RelatedManager[InspectionFinding]  # reverse relation, declared for the type checker

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class InspectionFinding(GmpRecord):
    """A finding of a self-inspection; a critical or major one needs a linked CAPA before the inspection closes."""

    inspection = models.ForeignKey(SelfInspection, on_delete=models.PROTECT, related_name="findings")
    classification = models.CharField(max_length=20, choices=FindingClass.choices)
    description = models.TextField()

    site_path: ClassVar[str | None] = "inspection__site_id"

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.inspection.number} finding {self.pk} ({self.classification})"

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the inspection's site."""
        return self.inspection.concerned_site_ids()
