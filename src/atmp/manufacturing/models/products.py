"""Products and their process versions (Regulation (EC) 1394/2007 Art. 2; EU GMP Part IV ch. 9 (Production)
and ch. 10 (Qualification and validation)).

A product's ATMP class, vector and origin decide which rules apply to it; its GMO risk class and
containment level (Directive 2009/41/EC Art. 4 and Annex IV: classes 1-4, containment levels 1-4)
decide where it may be made. Process versions are numbered per product and site (1, 2, …); each
version after the first is introduced by an approved change control (ICH Q10 §3.2.3),
which is linked to it (atmp.workflow links, relation 'originates_from').
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from atmp.accounts.models import Site
from atmp.ledger.records import GmpRecord
from atmp.manufacturing.workflows.processes import PROCESS_WORKFLOW
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["AtmpClass", "GmoClass", "Origin", "ProcessVersion", "Product", "VectorType"]


class AtmpClass(models.TextChoices):
    """The ATMP classes of Regulation (EC) 1394/2007 Art. 2(1) and Directive 2001/83/EC Annex I Part IV."""

    GENE_THERAPY = "gene_therapy", "Gene therapy medicinal product"
    SOMATIC_CELL = "somatic_cell", "Somatic cell therapy medicinal product"
    TISSUE_ENGINEERED = "tissue_engineered", "Tissue-engineered product"
    COMBINED = "combined", "Combined ATMP"


class VectorType(models.TextChoices):
    """How the genetic material is delivered (none for a product without one)."""

    AAV = "aav", "AAV"
    LENTIVIRUS = "lentivirus", "Lentivirus"
    ADENOVIRUS = "adenovirus", "Adenovirus"
    NON_VIRAL = "non_viral", "Non-viral"
    NONE = "none", "None"


class Origin(models.TextChoices):
    """Whose cells: the patient's own (autologous) or a donor's (allogeneic)."""

    AUTOLOGOUS = "autologous", "Autologous"
    ALLOGENEIC = "allogeneic", "Allogeneic"


class GmoClass(models.TextChoices):
    """Directive 2009/41/EC Art. 4(3): risk classes of contained use, or not a GMO."""

    NONE = "none", "Not a GMO"
    CLASS_1 = "1", "Class 1 (no or negligible risk)"
    CLASS_2 = "2", "Class 2 (low risk)"
    CLASS_3 = "3", "Class 3 (moderate risk)"
    CLASS_4 = "4", "Class 4 (high risk)"


class Product(GmpRecord):
    """A medicinal product made by the sites, named by its code (every site's, as the material catalogue)."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    atmp_class = models.CharField(max_length=20, choices=AtmpClass.choices)
    vector_type = models.CharField(max_length=20, choices=VectorType.choices)
    origin = models.CharField(max_length=20, choices=Origin.choices)
    gmo_class = models.CharField("GMO risk class", max_length=8, choices=GmoClass.choices)
    # Directive 2009/41/EC Annex IV: containment levels 1-4 (0: none, for a product that is not a GMO).
    containment_level = models.PositiveSmallIntegerField()
    description = models.TextField(blank=True)

    site_path: ClassVar[str | None] = None  # a product is every site's

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProcessVersion(WorkflowRecord):
    """Version N of a product's manufacturing process at a site: draft, then effective, then superseded."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="process_versions")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    effective_from = models.DateField(null=True, blank=True)

    workflow: ClassVar[Workflow] = PROCESS_WORKFLOW
    system_fields: ClassVar[frozenset[str]] = frozenset({"effective_from"})
    work_related: ClassVar[tuple[str, ...]] = ("product",)
    product_id: int
    site_id: int

    class Meta:
        ordering = ["product_id", "site_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "site", "number"], name="manufacturing_process_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product.code} process v{self.number}"

    def work_title(self) -> str:
        """Return the title My work shows."""
        return f"{self} at {self.site.code}: {self.title}" if self.site_id else str(self)
