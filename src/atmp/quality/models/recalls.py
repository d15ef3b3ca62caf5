"""Recalls (EU GMP Part IV ch. 14 (Quality defects and product recalls); EudraLex Vol. 4 Part I Ch. 8): scope,
recipients, reconciliation.

Classification follows the EU rapid alert classes for quality defects: Class I potentially
life-threatening, Class II could cause illness or mistreatment, Class III other reasons (e.g. a
labelling defect). Recipients, patients included, are named by a reference only (GDPR Art. 4(5)).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.db import models

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager

from atmp.accounts.models import Site
from atmp.accounts.roles import Role
from atmp.ledger.records import GmpRecord
from atmp.quality.workflows.complaints import RECALL_WORKFLOW
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["Recall", "RecallClass", "RecallRecipient", "RecallScope", "RecipientKind"]


class RecallClass(models.TextChoices):
    CLASS_I = "class_i", "Class I (potentially life-threatening)"
    CLASS_II = "class_ii", "Class II (could cause illness or mistreatment)"
    CLASS_III = "class_iii", "Class III (other reasons, e.g. labelling)"


class Recall(WorkflowRecord):
    """A recall of batches or lots: its scope, the consignees and patients to reach, and what came back."""

    number = models.CharField(max_length=20, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    recall_reason = models.TextField(help_text="Why the product is recalled: the defect and its risk.")
    classification = models.CharField(max_length=16, choices=RecallClass.choices)
    decision_date = models.DateField(null=True, blank=True)
    mock = models.BooleanField(default=False, help_text="A mock recall, exercising the procedure.")
    reconciliation_note = models.TextField(
        blank=True, help_text="Why the quantities do not add up, when they do not (documented explanation)."
    )

    workflow: ClassVar[Workflow] = RECALL_WORKFLOW
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = {
        "approved": frozenset({Role.QA_APPROVER, Role.QUALIFIED_PERSON}),
    }

    site_id: int
    scope: RelatedManager[RecallScope]  # reverse relations, declared for the type checker
    recipients: RelatedManager[RecallRecipient]

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class RecallScope(GmpRecord):
    """A batch or lot in a recall's scope (by record key), what was distributed and what became of it."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="scope")
    record = models.CharField(max_length=150, help_text="The batch or lot's record key, e.g. trace.lot:12.")
    description = models.CharField(max_length=200)
    unit = models.CharField(max_length=20, blank=True)
    quantity_distributed = models.DecimalField(max_digits=14, decimal_places=3)
    quantity_returned = models.DecimalField(default=0, max_digits=14, decimal_places=3)
    quantity_destroyed = models.DecimalField(default=0, max_digits=14, decimal_places=3)
    quantity_administered = models.DecimalField(default=0, max_digits=14, decimal_places=3)

    site_path: ClassVar[str | None] = "recall__site_id"

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.recall.number} {self.record} {self.description}"

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the recall's site."""
        return self.recall.concerned_site_ids()

    @property
    def accounted(self) -> Decimal:
        """Return what is accounted for: returned, destroyed and administered."""
        return Decimal(self.quantity_returned) + Decimal(self.quantity_destroyed) + Decimal(self.quantity_administered)


class RecipientKind(models.TextChoices):
    CONSIGNEE = "consignee", "Consignee (distributor, pharmacy)"
    HOSPITAL = "hospital", "Hospital or treatment centre"
    PHYSICIAN = "physician", "Treating physician"
    PATIENT = "patient", "Patient (by pseudonym)"
    AUTHORITY = "authority", "Competent authority"


class RecallRecipient(GmpRecord):
    """A consignee or patient to reach; `reference` is a pseudonymous reference, never a name."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="recipients")
    reference = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=RecipientKind.choices)
    notified_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True)

    site_path: ClassVar[str | None] = "recall__site_id"

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.recall.number} {self.kind} {self.reference}"

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the recall's site."""
        return self.recall.concerned_site_ids()
