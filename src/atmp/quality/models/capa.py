"""Corrective and preventive actions: a CAPA, its actions with owners and due dates, and its effectiveness check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.db import models

from atmp.accounts.models import Site
from atmp.quality.models.deviations import QA_SIGNS
from atmp.quality.workflows.capa import CAPA_ACTION_WORKFLOW, CAPA_WORKFLOW
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord


class CapaKind(models.TextChoices):
    CORRECTIVE = "corrective", "Corrective"
    PREVENTIVE = "preventive", "Preventive"
    BOTH = "both", "Corrective and preventive"


class Effectiveness(models.TextChoices):
    EFFECTIVE = "effective", "Effective"
    NOT_EFFECTIVE = "not_effective", "Not effective"


class Capa(WorkflowRecord):
    """A corrective or preventive action plan, from a source (a deviation, complaint, audit or inspection finding)."""

    number = models.CharField(max_length=32, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField()
    kind = models.CharField(max_length=16, choices=CapaKind.choices, default=CapaKind.CORRECTIVE)
    effectiveness_criteria = models.TextField(blank=True)
    effectiveness_due = models.DateField(null=True, blank=True)
    effectiveness_outcome = models.CharField(max_length=16, choices=Effectiveness.choices, blank=True)
    effectiveness_evidence = models.TextField(blank=True)

    workflow: ClassVar[Workflow] = CAPA_WORKFLOW
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = QA_SIGNS

    class Meta:
        verbose_name = "CAPA"
        verbose_name_plural = "CAPAs"
        indexes = [
            models.Index(fields=["site", "status"], name="quality_capa_site_status"),
            models.Index(fields=["due_date"], name="quality_capa_due"),
            models.Index(fields=["finished_at"], name="quality_capa_finished"),  # the KPIs' "open on a day"
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class CapaAction(WorkflowRecord):
    """One action of a CAPA, owned by a person (its assignee) with a due date, done with evidence."""

    capa = models.ForeignKey(Capa, on_delete=models.PROTECT, related_name="actions")
    description = models.TextField()
    evidence = models.TextField(blank=True)

    workflow: ClassVar[Workflow] = CAPA_ACTION_WORKFLOW
    site_path: ClassVar[str] = "capa__site_id"  # atmp.accounts.visibility: the CAPA's site
    work_related: ClassVar[tuple[str, ...]] = ("capa",)

    class Meta:
        verbose_name = "CAPA action"
        indexes = [models.Index(fields=["status", "due_date"], name="quality_capaaction_due")]

    def __str__(self) -> str:
        return f"{self.capa.number} action {self.pk}"

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the CAPA's site."""
        return frozenset({int(self.capa.site_id)})

    def work_title(self) -> str:
        """Return the action as work lists name it."""
        return f"{self.capa.number}: {self.description[:80]}"
