"""Change control (ICH Q10 §3.2.3, ICH Q12; EU variations; CT Regulation 536/2014): the change, its tasks."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from atmp.accounts.models import Site
from atmp.accounts.roles import Role
from atmp.ledger.records import GmpRecord
from atmp.quality.workflows.changes import CHANGE_WORKFLOW
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["AFFECTED_KINDS", "ChangeControl", "ChangeTask", "RegulatoryClass"]

# The kinds of item a change can affect, each a free-text list on the record (ICH Q10 §3.2.3).
AFFECTED_KINDS = ("products", "processes", "sites", "documents", "equipment", "systems")


class RegulatoryClass(models.TextChoices):
    """How regulators must hear of the change (Reg. (EC) 1234/2008 as amended; Reg. (EU) 536/2014)."""

    NONE = "none", "No regulatory impact"
    TYPE_IA = "type_ia", "Type IA variation (do and tell, within 12 months)"
    TYPE_IA_IN = "type_ia_in", "Type IA-IN variation (immediate notification)"
    TYPE_IB = "type_ib", "Type IB variation (tell, wait)"
    TYPE_II = "type_ii", "Type II variation (prior approval)"
    CT_SUBSTANTIAL = "ct_substantial_modification", "Substantial modification of a clinical trial (prior authorisation)"


# Classes that need the authority's approval before the change is implemented.
PRIOR_APPROVAL = frozenset({RegulatoryClass.TYPE_II, RegulatoryClass.CT_SUBSTANTIAL})


class ChangeControl(WorkflowRecord):
    """A planned change to a product, process, site, document, equipment or system, controlled end to end."""

    number = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(blank=True)
    justification = models.TextField(blank=True)
    affected_products = models.JSONField(default=list, blank=True)
    affected_processes = models.JSONField(default=list, blank=True)
    affected_sites = models.JSONField(default=list, blank=True)
    affected_documents = models.JSONField(default=list, blank=True)
    affected_equipment = models.JSONField(default=list, blank=True)
    affected_systems = models.JSONField(default=list, blank=True)
    regulatory_classification = models.CharField(max_length=32, choices=RegulatoryClass.choices, blank=True)
    classification_rationale = models.TextField("classification rationale", blank=True)
    regulatory_approval_ref = models.CharField("regulatory approval reference", max_length=200, blank=True)
    comparability_required = models.BooleanField(default=False)
    affects_certified_product = models.BooleanField(default=False)
    effectiveness_review = models.TextField("effectiveness review", blank=True)

    workflow: ClassVar[Workflow] = CHANGE_WORKFLOW
    # QA's approval is the `approve` transition; a QP's approval, needed when the change affects
    # certified product, is a signature 'approved' by a Qualified Person (docs/quality.md).
    signing_meanings = {
        "approved": frozenset({Role.QA_APPROVER, Role.QUALIFIED_PERSON}),
        "reviewed": frozenset({Role.QA_REVIEWER, Role.QA_APPROVER}),
    }

    class Meta:
        indexes = [
            models.Index(fields=["status", "site"], name="quality_cc_status_site"),
            models.Index(fields=["finished_at"], name="quality_cc_finished"),  # the KPIs' "open on a day"
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ChangeTask(GmpRecord):
    """An implementation task of a change: who does it by when, and the evidence that it is done."""

    change = models.ForeignKey(ChangeControl, on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    done_on = models.DateField(null=True, blank=True)
    evidence = models.TextField(blank=True)

    site_path: ClassVar[str] = "change__site_id"
    # A second person may verify that a task is done as its evidence says.
    signing_meanings: ClassVar[dict[str, frozenset[str]]] = {
        "verified": frozenset({Role.OPERATOR, Role.QC_ANALYST}),
        "reviewed": frozenset({Role.QA_REVIEWER, Role.QA_APPROVER}),
    }

    class Meta:
        ordering = ["change_id", "pk"]

    def __str__(self) -> str:
        return self.title

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the change's site."""
        return frozenset({int(self.change.site_id)})
