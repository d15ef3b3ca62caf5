"""Batches executed from a master batch record (EU GMP Chapter 4 §4.20; Part IV ch. 6, 'records/reports'): the
electronic batch record.

A Batch is made from the effective master record of its product's process version, numbered at
once (its in-process labels carry the number), bound for an autologous product to the patient's
COI, with its output lot in trace (a quarantined lot whose genealogy the material additions write).
A BatchStep per master step, run in order; BatchEntry rows record what happened as it happened:
parameter values, in-process control results and material additions, each by its operator
(`created_by`) at the server's time (`at`). An entry is never edited: a correction is a new entry
that supersedes it, with a reason, and the original stays visible (Annex 11 §9, Chapter 4 §4.9).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models

from atmp.accounts.models import Site
from atmp.accounts.roles import Role
from atmp.environment.models import Room
from atmp.ledger.errors import Conflict
from atmp.ledger.records import GmpRecord
from atmp.manufacturing.models.mbr import MasterBatchRecord, MbrControl, MbrMaterial, MbrParameter, MbrStep
from atmp.manufacturing.models.products import Product
from atmp.manufacturing.models.rooms import RoomUse
from atmp.manufacturing.workflows.batches import BATCH_WORKFLOW
from atmp.quality.models.deviations import Deviation
from atmp.trace.models import Lot, Person, Use
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["Batch", "BatchEntry", "BatchStep", "EntryFlag", "EntryKind", "StepProgress"]


class Batch(WorkflowRecord):
    """A batch of a product made from an effective master batch record, with its number and output lot."""

    number = models.CharField(max_length=60, unique=True)
    mbr = models.ForeignKey(MasterBatchRecord, on_delete=models.PROTECT, related_name="batches")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    # Autologous: the patient whose cells it is made from, and for (their COI on every label).
    patient = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    output_lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    workflow: ClassVar[Workflow] = BATCH_WORKFLOW
    signing_meanings: ClassVar[dict[str, frozenset[str]]] = {
        "reviewed": frozenset({Role.QA_REVIEWER, Role.QA_APPROVER, Role.QUALIFIED_PERSON}),
    }
    work_related: ClassVar[tuple[str, ...]] = ("product",)
    site_path: ClassVar[str | None] = "site_id"
    mbr_id: int
    product_id: int
    site_id: int
    patient_id: int | None
    output_lot_id: int

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "batches"

    def __str__(self) -> str:
        return f"batch {self.number}"

    def work_title(self) -> str:
        """Return the title My work shows."""
        return f"Batch {self.number} of {self.product.code}"


class StepProgress(models.TextChoices):
    """Where a batch step stands: waiting for its turn, running, or done (with all its entries)."""

    PENDING = "pending", "Pending"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class BatchStep(GmpRecord):
    """A step of a batch, as its master step instructs: who started it, where, with what, when it ended.

    Its progress moves only through atmp.manufacturing.services.batch_steps (start, complete), never
    through the generic workflow: starting checks the operator's training, the room and the equipment,
    which a record-only precondition cannot be given.
    """

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="steps")
    mbr_step = models.ForeignKey(MbrStep, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    parallel_group = models.PositiveIntegerField()
    progress = models.CharField(max_length=12, choices=StepProgress.choices, default=StepProgress.PENDING)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    room = models.ForeignKey(Room, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    room_use = models.ForeignKey(RoomUse, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    equipment = models.JSONField(default=list, blank=True, help_text="Codes of the equipment used.")
    note = models.TextField(blank=True)

    site_path: ClassVar[str | None] = "batch__site_id"
    batch_id: int
    mbr_step_id: int
    room_id: int | None

    class Meta:
        ordering = ["batch_id", "number"]
        indexes = [models.Index(fields=["batch", "number"], name="manufacturing_batchstep_no")]

    def __str__(self) -> str:
        return f"step {self.number} of batch {self.batch.number}"

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the batch's site."""
        return frozenset({int(self.batch.site_id)})


class EntryKind(models.TextChoices):
    """What an entry records: a parameter's value, a control's result, or a material's addition."""

    PARAMETER = "parameter", "Process parameter"
    CONTROL = "control", "In-process control"
    MATERIAL = "material", "Material addition"


class EntryFlag(models.TextChoices):
    """How an entry compares with the master record: within, outside NOR, outside PAR, outside a control's limits."""

    OK = "ok", "Within range"
    WARNING = "warning", "Outside the normal operating range"
    OUT_OF_PAR = "out_of_par", "Outside the proven acceptable range"
    OUT_OF_LIMITS = "out_of_limits", "Outside the control's limits"
    # A cell age beyond the validated limit of its bank (ICH Q5D §2.3.3): a deviation, and the step waits.
    BEYOND_CELL_AGE = "beyond_cell_age", "Beyond the bank's limit of in-vitro cell age"


# What an entry is: written once, never changed (a correction supersedes it). Only the note and
# the void flag may change afterwards.
_FROZEN = frozenset(
    {
        "step",
        "kind",
        "parameter",
        "control",
        "material",
        "value",
        "unit",
        "converted",
        "amount",
        "lot",
        "use",
        "flag",
        "acknowledged",
        "late",
        "observed_at",
        "at",
        "supersedes",
        "correction_reason",
        "deviation",
        "source",
    }
)


class BatchEntry(GmpRecord):
    """An entry of a batch step, recorded as it happened: append-only; corrected only by a superseding entry."""

    step = models.ForeignKey(BatchStep, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    parameter = models.ForeignKey(MbrParameter, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    control = models.ForeignKey(MbrControl, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    material = models.ForeignKey(MbrMaterial, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    value = models.CharField(max_length=60, help_text="As entered (or scanned).")
    unit = models.CharField(max_length=20, help_text="The unit it was entered in.")
    converted = models.BooleanField(default=False, help_text="Converted explicitly to the master record's unit.")
    # In the master record's unit (a parameter or control), or the quantity added (a material).
    amount = models.DecimalField(max_digits=24, decimal_places=9, null=True, blank=True)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    use = models.ForeignKey(Use, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    flag = models.CharField(max_length=16, choices=EntryFlag.choices, default=EntryFlag.OK)
    acknowledged = models.BooleanField(default=False, help_text="The operator acknowledged the warning.")
    late = models.BooleanField(default=False)
    observed_at = models.DateTimeField(help_text="When it happened (the operator's word).")
    at = models.DateTimeField(help_text="When it was recorded (the server's clock).")
    supersedes = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    correction_reason = models.TextField(blank=True)
    deviation = models.ForeignKey(Deviation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Where a captured value came from (an OPC UA node: opc.tcp://host:port#ns=2;s=Name); blank when typed.
    source = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)

    # The second person's verification: an operator or a QC analyst, never whoever entered it.
    signing_meanings: ClassVar[dict[str, frozenset[str]]] = {
        "verified": frozenset({Role.OPERATOR, Role.QC_ANALYST}),
    }
    site_path: ClassVar[str | None] = "step__batch__site_id"
    step_id: int
    supersedes_id: int | None

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the batch's site: an operator of that site alone may verify the entry."""
        return frozenset({int(self.step.batch.site_id)})

    class Meta:
        ordering = ["step_id", "at", "pk"]
        verbose_name_plural = "batch entries"
        indexes = [models.Index(fields=["step", "kind"], name="manufacturing_entry_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display().lower()} entry {self.value} {self.unit}".strip()

    def check_change(self, old: dict[str, Any] | None, action: str) -> None:
        """Refuse changing what an entry recorded: a correction is a new entry (Annex 11 §9)."""
        super().check_change(old, action)
        if old is None:
            return
        new = self.snapshot()
        names = {f.attname: f.name for f in self._meta.concrete_fields if f.name in _FROZEN}
        changed = sorted(names[k] for k in names if old.get(k) != new.get(k))
        if changed:
            raise Conflict(
                f"append-only: {self.record_key} is never edited ({', '.join(changed)}); "
                "record a correction that supersedes it, with a reason"
            )
