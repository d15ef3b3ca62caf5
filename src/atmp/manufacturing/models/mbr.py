"""Master batch records (EU GMP Chapter 4 §4.15-4.20 "Manufacturing Formulae and Processing
Instructions", Part IV ch. 6, 'specifications and instructions'): versioned per process version, approved by
signature and made effective; their content (steps with their SOPs, room grade, equipment classes and
verification flags; critical process parameters with normal operating and proven acceptable ranges; in-process
controls; bill of materials) is written once, in draft, and frozen afterwards.

Batch execution refers to each step, parameter, control and material line by its foreign key, so
the rows are never edited in place: a draft's content is replaced as a whole (the old rows voided),
and an effective record is changed only by a new version. The header keeps `content_hash`, the
SHA-256 of the content's JSON document, so the 'approved' signature, bound to the header's
snapshot, binds the content too, and whoever wrote the content is one of its authors (segregation
of duties, ADR 0005).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from atmp.ledger.errors import Conflict
from atmp.ledger.records import GmpRecord
from atmp.manufacturing.models.products import ProcessVersion
from atmp.manufacturing.workflows.mbr import MBR_WORKFLOW
from atmp.quality.models.documents import Document
from atmp.trace.models.materials import Material
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["MasterBatchRecord", "MbrControl", "MbrMaterial", "MbrParameter", "MbrStep", "MbrStepSop"]

GRADE_CHOICES = [(g, f"Grade {g}") for g in ("A", "B", "C", "D")]


class MasterBatchRecord(WorkflowRecord):
    """Master batch record N of a process version: draft, effective (signed 'approved'), superseded."""

    process_version = models.ForeignKey(ProcessVersion, on_delete=models.PROTECT, related_name="master_records")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    copied_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    content_hash = models.CharField(max_length=64, blank=True)
    effective_from = models.DateField(null=True, blank=True)

    workflow: ClassVar[Workflow] = MBR_WORKFLOW
    system_fields: ClassVar[frozenset[str]] = frozenset({"effective_from"})
    work_related: ClassVar[tuple[str, ...]] = ("process_version__product",)
    site_path: ClassVar[str | None] = "process_version__site_id"
    process_version_id: int

    class Meta:
        ordering = ["process_version_id", "number"]
        constraints = [models.UniqueConstraint(fields=["process_version", "number"], name="manufacturing_mbr_unique")]

    def __str__(self) -> str:
        pv = self.process_version
        return f"MBR {self.number} of {pv.product.code} process v{pv.number}"

    def work_title(self) -> str:
        """Return the title My work shows."""
        return f"{self}: {self.title}"


class _Content(GmpRecord):
    """A row of a master batch record's content: written only while its record is a draft."""

    class Meta:
        abstract = True

    def master(self) -> MasterBatchRecord:
        """Return the master batch record the row belongs to."""
        raise NotImplementedError

    def check_change(self, old: dict[str, Any] | None, action: str) -> None:
        """Refuse a write to the content of a master batch record that is not a draft (frozen)."""
        super().check_change(old, action)
        mbr = self.master()
        if mbr.status != "draft":
            raise Conflict(
                f"frozen: {mbr.record_key} is {mbr.state_label().lower()}; its content changes only in draft "
                "(make a new version: copy it)"
            )


class MbrStep(_Content):
    """A step: its number and title, instructions, the room grade and equipment classes it needs."""

    mbr = models.ForeignKey(MasterBatchRecord, on_delete=models.PROTECT, related_name="steps")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True)
    room_grade = models.CharField(max_length=1, choices=GRADE_CHOICES, blank=True)
    # The equipment `class` values of atmp.manufacturing.services.equipment.usable(equipment_class=…).
    equipment_classes = models.JSONField(default=list, blank=True)
    # May run while the step before it runs; steps sharing a group may run side by side.
    parallel_with_previous = models.BooleanField(default=False)
    parallel_group = models.PositiveIntegerField()
    verification = models.BooleanField(default=False, help_text="Its entries need a second person's verification.")

    site_path: ClassVar[str | None] = "mbr__process_version__site_id"
    mbr_id: int

    class Meta:
        ordering = ["mbr_id", "number"]
        indexes = [models.Index(fields=["mbr", "number"], name="manufacturing_mbrstep_number")]

    def __str__(self) -> str:
        return f"step {self.number} {self.title}"

    def master(self) -> MasterBatchRecord:
        """Return the master batch record of the step."""
        return self.mbr


class _StepContent(_Content):
    class Meta:
        abstract = True

    def master(self) -> MasterBatchRecord:
        """Return the master batch record of the row's step."""
        step: MbrStep = self.step  # type: ignore[attr-defined]
        return step.mbr


class MbrStepSop(_StepContent):
    """A quality document (SOP) a step relies on: its operators are trained on its effective version."""

    step = models.ForeignKey(MbrStep, on_delete=models.PROTECT, related_name="sops")
    position = models.PositiveSmallIntegerField()
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")

    site_path: ClassVar[str | None] = "step__mbr__process_version__site_id"

    class Meta:
        ordering = ["step_id", "position"]


class MbrParameter(_StepContent):
    """A critical process parameter: unit, normal operating range within the proven acceptable range."""

    step = models.ForeignKey(MbrStep, on_delete=models.PROTECT, related_name="parameters")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=20)
    nor_low = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    nor_high = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    par_low = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    par_high = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    decimals = models.PositiveSmallIntegerField(default=0)

    site_path: ClassVar[str | None] = "step__mbr__process_version__site_id"

    class Meta:
        ordering = ["step_id", "position"]

    def __str__(self) -> str:
        return f"parameter {self.name} ({self.unit})"


class MbrControl(_StepContent):
    """An in-process control with its limits (either may be open)."""

    step = models.ForeignKey(MbrStep, on_delete=models.PROTECT, related_name="controls")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=20)
    low = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    high = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)

    site_path: ClassVar[str | None] = "step__mbr__process_version__site_id"

    class Meta:
        ordering = ["step_id", "position"]

    def __str__(self) -> str:
        return f"in-process control {self.name} ({self.unit})"


class MbrMaterial(_StepContent):
    """A bill-of-materials line: the material, quantity and unit, tolerance ± %, whether it is verified."""

    step = models.ForeignKey(MbrStep, on_delete=models.PROTECT, related_name="materials")
    position = models.PositiveSmallIntegerField()
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=15, decimal_places=3)
    unit = models.CharField(max_length=20)
    tolerance_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    verification = models.BooleanField(default=False, help_text="The addition needs a second person's verification.")

    site_path: ClassVar[str | None] = "step__mbr__process_version__site_id"

    class Meta:
        ordering = ["step_id", "position"]

    def __str__(self) -> str:
        return f"bill-of-materials line {self.position}"
