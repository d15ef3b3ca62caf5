"""Viral clearance studies (ICH Q5A(R2)): a spiking study of a product's process by a testing
laboratory, its steps (one row per virus, step and run), and the claim computed by atmp.stats.viral.

A step's rows are written only while the study is a draft; each write also sets the study's
`steps_hash`, so whoever wrote a step is one of the study's authors and may not sign it 'approved'
(segregation of duties, ADR 0005). The signed approval stores the computed results in `results`
(ADR 0025).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from atmp.accounts.models import Site
from atmp.accounts.roles import Role
from atmp.files.models import StoredFile
from atmp.lab.workflows.viral import VIRAL_WORKFLOW
from atmp.ledger.errors import Conflict
from atmp.ledger.records import GmpRecord
from atmp.manufacturing.models.products import ProcessVersion, Product
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["Mechanism", "TitreUnit", "ViralClearanceStep", "ViralClearanceStudy"]


class TitreUnit(models.TextChoices):
    """The unit of the infectivity or genome titres (per mL; the titres are entered as log10)."""

    TCID50 = "tcid50_ml", "TCID50/mL"
    PFU = "pfu_ml", "PFU/mL"
    GC = "gc_ml", "genome copies/mL"


class Mechanism(models.TextChoices):
    """How a step clears virus: inactivation or removal (ICH Q5A(R2) §6.1); one value, one mechanism."""

    LOW_PH = "low_ph", "Inactivation: low pH"
    SOLVENT_DETERGENT = "solvent_detergent", "Inactivation: solvent-detergent"
    DETERGENT = "detergent", "Inactivation: detergent"
    HEAT = "heat", "Inactivation: heat"
    UV_C = "uv_c", "Inactivation: UV-C"
    NANOFILTRATION = "nanofiltration", "Removal: nanofiltration"
    AFFINITY = "affinity", "Removal: affinity chromatography"
    AEX = "aex", "Removal: anion-exchange chromatography"
    CEX = "cex", "Removal: cation-exchange chromatography"
    DEPTH_FILTRATION = "depth_filtration", "Removal: depth filtration"
    ULTRACENTRIFUGATION = "ultracentrifugation", "Removal: density-gradient ultracentrifugation"


class ViralClearanceStudy(WorkflowRecord):
    """Study VC-YYYY-NNNN of a product's process at a site: draft, in review, approved (signed), superseded."""

    number = models.CharField(max_length=20, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    process_version = models.ForeignKey(
        ProcessVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    laboratory = models.CharField("testing laboratory", max_length=200)
    model_viruses = models.CharField(max_length=500, help_text="The model viruses, e.g. 'MuLV, PPV'.")
    report = models.ForeignKey(StoredFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # SHA-256 of the steps' JSON document: set with every step written (see the module docstring).
    steps_hash = models.CharField(max_length=64, blank=True)
    # The stats output frozen by the 'approved' signature (empty until then; ADR 0025).
    results = models.JSONField(default=dict, blank=True)

    workflow: ClassVar[Workflow] = VIRAL_WORKFLOW
    system_fields: ClassVar[frozenset[str]] = frozenset({"results"})
    work_related: ClassVar[tuple[str, ...]] = ("product",)
    signing_meanings: ClassVar[dict[str, frozenset[str]]] = {
        "approved": frozenset({Role.QA_APPROVER}),
        "reviewed": frozenset({Role.QA_REVIEWER, Role.QA_APPROVER}),
    }
    site_id: int
    report_id: int | None

    class Meta:
        ordering = ["-number"]
        indexes = [models.Index(fields=["status", "site"], name="lab_viral_status_site")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def work_title(self) -> str:
        """Return the title My work shows."""
        return f"{self} ({self.product.code})"


class ViralClearanceStep(GmpRecord):
    """One run of one process step spiked with one virus: titres and volumes in and out, counted or not, why."""

    study = models.ForeignKey(ViralClearanceStudy, on_delete=models.PROTECT, related_name="steps")
    position = models.PositiveIntegerField()
    name = models.CharField("step", max_length=200)
    mechanism = models.CharField(max_length=30, choices=Mechanism.choices)
    virus = models.CharField(max_length=100)
    virus_family = models.CharField(max_length=100)
    enveloped = models.BooleanField()
    virus_size_nm = models.CharField("virus size (nm)", max_length=40, blank=True)
    run = models.PositiveSmallIntegerField(default=1)
    titre_unit = models.CharField(max_length=20, choices=TitreUnit.choices)
    load_log10_titre = models.DecimalField(max_digits=8, decimal_places=3)
    load_volume_ml = models.DecimalField(max_digits=14, decimal_places=3)
    output_detected = models.BooleanField(default=True)
    output_log10_titre = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    output_volume_ml = models.DecimalField(max_digits=14, decimal_places=3)
    # No virus detected: the assay's detection limit (log10 per mL), or the volume sampled (large-volume
    # sampling) from which atmp.stats.viral.poisson_detection_limit computes it.
    detection_limit_log10 = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    sampled_volume_ml = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    counted = models.BooleanField(default=True)
    count_reason = models.TextField(blank=True)

    site_path: ClassVar[str | None] = "study__site_id"
    study_id: int

    class Meta:
        ordering = ["study_id", "position"]
        indexes = [models.Index(fields=["study", "position"], name="lab_viral_step_position")]

    def __str__(self) -> str:
        return f"{self.name} ({self.virus}, run {self.run})"

    def check_change(self, old: dict[str, Any] | None, action: str) -> None:
        """Refuse a write to a step of a study that is not a draft (frozen)."""
        super().check_change(old, action)
        study = self.study
        if study.status != "draft":
            raise Conflict(f"frozen: {study.number} is {study.state_label().lower()}; its steps change only in draft")
