"""Specifications by clinical phase, their attributes, a product's current phase, and the batches pinned to one.

A specification is versioned per product and phase (v1, v2, …): a draft, approved by QA (signed
'approved'), superseded when the next version for the same product and phase is approved. Its
attributes (what is tested, by which method, against which criterion, in which UCUM unit) are written
only in draft; each write also refreshes the header's `content_hash`, so whoever wrote an attribute is
an author of the specification and may not approve it (segregation of duties, ADR 0005).

A product's current clinical phase is a lab record (one per product, changed in place through the
ledger, which keeps its history). A batch is tested against the specification in force for its
product's phase the first time one is asked for it (atmp.lab.services.specifications.for_batch); the
pin is a record of its own and never moves afterwards (ADR 0023).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from atmp.lab.models.methods import Method, Phase
from atmp.lab.workflows.specifications import SPECIFICATION_WORKFLOW
from atmp.ledger.errors import Conflict
from atmp.ledger.records import GmpRecord
from atmp.manufacturing.models import Batch, Product
from atmp.trace.models import Material
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["AttributeKind", "BatchSpecification", "ProductPhase", "Specification", "SpecificationAttribute"]


class AttributeKind(models.TextChoices):
    """How an attribute is judged (atmp.lab.criteria): a numeric criterion, conforms, or a reported result."""

    NUMERIC = "numeric", "Numeric criterion"
    CONFORMS = "conforms", "Conforms"
    REPORT = "report", "Report result"


class Specification(WorkflowRecord):
    """Version N of a product's specification for a clinical phase: draft, approved (signed), superseded."""

    # A product's release specification, or a cell line's / vector seed's bank specification (its
    # attributes each test one test of the ICH Q5D panel, atmp.trace.bank_panel): exactly one is set.
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    phase = models.CharField(max_length=20, choices=Phase.choices)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    content_hash = models.CharField(max_length=64, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    workflow: ClassVar[Workflow] = SPECIFICATION_WORKFLOW
    system_fields: ClassVar[frozenset[str]] = frozenset({"approved_at"})
    work_related: ClassVar[tuple[str, ...]] = ("product", "material")
    site_path: ClassVar[str | None] = None
    product_id: int | None
    material_id: int | None

    class Meta:
        ordering = ["product_id", "phase", "number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "phase", "number"], name="lab_specification_unique"),
            models.UniqueConstraint(
                fields=["material", "phase", "number"],
                condition=models.Q(material__isnull=False),
                name="lab_specification_material_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(product__isnull=False, material__isnull=True)
                | models.Q(product__isnull=True, material__isnull=False),
                name="lab_specification_product_xor_material",
            ),
        ]

    def __str__(self) -> str:
        kind = "bank specification" if self.material_id else "specification"
        return f"{self.subject} {self.get_phase_display()} {kind} v{self.number}"

    @property
    def subject(self) -> str:
        """Return the code of what it specifies: the product, or the cell line or vector seed of a bank."""
        if self.material is not None:
            return str(self.material.code)
        return str(self.product.code) if self.product is not None else ""

    def work_title(self) -> str:
        """Return the title My work shows."""
        return f"{self}: {self.title}"


class SpecificationAttribute(GmpRecord):
    """A tested attribute: its name, method, kind, criterion text and unit, in the specification's order."""

    specification = models.ForeignKey(Specification, on_delete=models.PROTECT, related_name="attributes")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    method = models.ForeignKey(Method, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=AttributeKind.choices)
    criterion = models.CharField(max_length=200)
    unit = models.CharField(max_length=20, blank=True)
    # The test of the bank panel this attribute tests (a code of atmp.trace.bank_panel), on a bank specification.
    panel_test = models.CharField(max_length=40, blank=True)

    site_path: ClassVar[str | None] = None
    specification_id: int
    method_id: int

    class Meta:
        ordering = ["specification_id", "position"]

    def __str__(self) -> str:
        return f"{self.name}: {self.criterion} {self.unit}".rstrip()

    def check_change(self, old: dict[str, Any] | None, action: str) -> None:
        """Refuse a write to an attribute of a specification that is not a draft (frozen)."""
        super().check_change(old, action)
        spec = self.specification
        if spec.status != "draft":
            raise Conflict(
                f"frozen: {spec.record_key} is {spec.state_label().lower()}; its attributes change only in draft "
                "(make a new version)"
            )


class ProductPhase(GmpRecord):
    """A product's current clinical phase (one per product; the ledger keeps every earlier one)."""

    product = models.OneToOneField(Product, on_delete=models.PROTECT, related_name="+")
    phase = models.CharField(max_length=20, choices=Phase.choices)
    since = models.DateField()

    # Moving a product into a phase is a regulatory decision QA takes (EU GMP Chapter 1 §1.4).
    write_permission: ClassVar[str] = "quality.decide"
    site_path: ClassVar[str | None] = None
    product_id: int

    class Meta:
        ordering = ["product_id"]

    def __str__(self) -> str:
        return f"{self.product.code} in {self.get_phase_display()}"


class BatchSpecification(GmpRecord):
    """The specification a batch is tested against, pinned the first time it is asked for (never moved)."""

    batch = models.OneToOneField(Batch, on_delete=models.PROTECT, related_name="+")
    specification = models.ForeignKey(Specification, on_delete=models.PROTECT, related_name="+")
    phase = models.CharField(max_length=20, choices=Phase.choices)

    site_path: ClassVar[str | None] = "batch__site_id"
    batch_id: int
    specification_id: int

    class Meta:
        ordering = ["batch_id"]

    def __str__(self) -> str:
        return f"batch {self.batch.number}: {self.specification}"
