"""Management reviews: a period's quality KPIs (computed, frozen when approved), discussion and decisions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.db import models

from atmp.accounts.models import Site
from atmp.accounts.roles import Role
from atmp.quality.workflows.reviews import MANAGEMENT_REVIEW_WORKFLOW
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord


class ManagementReview(WorkflowRecord):
    """Senior management's review of the quality system for a period (ICH Q10 §4.1)."""

    number = models.CharField(max_length=32, unique=True)
    # No site: the review covers every site.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    title = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    attendees = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    # Computed by atmp as the review is approved (quality.selectors.kpis), never typed.
    kpis = models.JSONField(default=dict, blank=True)

    workflow: ClassVar[Workflow] = MANAGEMENT_REVIEW_WORKFLOW
    system_fields: ClassVar[frozenset[str]] = frozenset({"kpis"})
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = {
        "reviewed": frozenset({Role.QA_REVIEWER, Role.QA_APPROVER, Role.QUALIFIED_PERSON}),
        "approved": frozenset({Role.QA_APPROVER, Role.QUALIFIED_PERSON}),
    }

    def __str__(self) -> str:
        return f"{self.number} {self.title}"
