"""Deviations (unplanned, classified from a documented risk assessment) and planned deviations, kept apart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.db import models

from atmp.accounts.models import Site
from atmp.accounts.roles import Role
from atmp.quality.workflows.deviations import DEVIATION_WORKFLOW, PLANNED_DEVIATION_WORKFLOW
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

QA_SIGNS: Mapping[str, frozenset[str]] = {
    "authored": frozenset({Role.OPERATOR, Role.QC_ANALYST, Role.QA_REVIEWER, Role.QA_APPROVER, Role.PV_OFFICER}),
    "reviewed": frozenset({Role.QA_REVIEWER, Role.QA_APPROVER, Role.QUALIFIED_PERSON}),
    "approved": frozenset({Role.QA_APPROVER, Role.QUALIFIED_PERSON}),
}


class Classification(models.TextChoices):
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


class RootCauseMethod(models.TextChoices):
    FIVE_WHYS = "five_whys", "5 whys"
    FISHBONE = "fishbone", "Fishbone (Ishikawa)"
    EIGHT_D = "eight_d", "8D"
    OTHER = "other", "Other (described)"


# The fishbone's six categories ("6M"), as stored (comma-separated in root_cause_categories).
FISHBONE_CATEGORIES = ("personnel", "equipment", "method", "material", "measurement", "environment")


class Deviation(WorkflowRecord):
    """An unplanned departure from an approved instruction or standard, investigated and closed by QA."""

    number = models.CharField(max_length=32, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField()
    occurred_at = models.DateTimeField()
    discovered_at = models.DateTimeField(null=True, blank=True)
    area = models.CharField(max_length=200, blank=True)
    immediate_actions = models.TextField(blank=True)
    # The documented risk assessment the class comes from (ICH Q9(R1)); scores on the site's scale.
    severity = models.PositiveSmallIntegerField(null=True, blank=True)
    occurrence = models.PositiveSmallIntegerField(null=True, blank=True)
    detectability = models.PositiveSmallIntegerField(null=True, blank=True)
    rpn = models.PositiveIntegerField(null=True, blank=True)
    suggested_classification = models.CharField(max_length=16, choices=Classification.choices, blank=True)
    classification_basis = models.CharField(max_length=300, blank=True)
    classification = models.CharField(max_length=16, choices=Classification.choices, blank=True)
    override_reason = models.TextField(blank=True)
    impact_assessment = models.TextField(blank=True)
    patient_impact = models.BooleanField(default=False)
    root_cause = models.TextField(blank=True)
    root_cause_method = models.CharField(max_length=16, choices=RootCauseMethod.choices, blank=True)
    root_cause_categories = models.CharField(max_length=200, blank=True)

    workflow: ClassVar[Workflow] = DEVIATION_WORKFLOW
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = QA_SIGNS

    class Meta:
        indexes = [
            # The list's common filter in its default order (newest number first): read in order from
            # the index, not sorted (SQLite sorted 48,000 closed minor deviations for a page of 50: 0003).
            models.Index(fields=["status", "classification", "number"], name="quality_dev_status_class_no"),
            models.Index(fields=["site", "status"], name="quality_dev_site_status"),
            models.Index(fields=["due_date"], name="quality_dev_due"),
            # What was open on a day (the KPIs): unfinished, or finished after it (0002).
            models.Index(fields=["finished_at"], name="quality_dev_finished"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class PlannedDeviation(WorkflowRecord):
    """A departure approved before the event, for a stated scope and period (kept apart from deviations)."""

    number = models.CharField(max_length=32, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField()
    scope = models.TextField(blank=True)
    justification = models.TextField(blank=True)
    risk_assessment = models.TextField(blank=True)
    planned_start = models.DateField(null=True, blank=True)
    planned_end = models.DateField(null=True, blank=True)

    workflow: ClassVar[Workflow] = PLANNED_DEVIATION_WORKFLOW
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = QA_SIGNS

    def __str__(self) -> str:
        return f"{self.number} {self.title}"
