"""Stability studies (ICH Q1E): a protocol per product (its storage conditions with their time points,
and the specification attributes tested at each, with the limit used for the shelf life), the batches
placed on study, and one scheduled pull per batch × condition × time point.

The protocol's rows (conditions, attributes) are written only while the study is a draft; each write
also refreshes the study's `protocol_hash`, so whoever wrote a row is an author of the study and may
not sign it 'approved' (segregation of duties, ADR 0005). A pull's tested sample is an ordinary lab
Sample (purpose 'stability') whose Results get the evaluation, review and OOS handling of every other
result. The signed report stores the shelf-life estimate, with its SHA-256, in the study (ADR 0029).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.db import models

from atmp.accounts.models import Site
from atmp.accounts.roles import Role
from atmp.lab.models.results import Sample
from atmp.lab.models.specifications import Specification, SpecificationAttribute
from atmp.lab.workflows.stability import STABILITY_WORKFLOW
from atmp.ledger.errors import Conflict
from atmp.ledger.records import GmpRecord
from atmp.manufacturing.models import Batch, Product
from atmp.quality.models.deviations import Deviation
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = [
    "ConditionKind",
    "PullState",
    "StabilityAttribute",
    "StabilityBatch",
    "StabilityCondition",
    "StabilityPull",
    "StabilityStudy",
    "StorageCondition",
]


class StorageCondition(models.TextChoices):
    """The storage conditions a protocol may name: ICH Q1A(R2) §2.2.7 and the frozen conditions of ATMPs."""

    FROZEN_65 = "minus65", "-65 °C or colder"
    FROZEN_20 = "minus20", "-20 °C ± 5 °C"
    REFRIGERATED = "5c", "5 °C ± 3 °C"
    ROOM_60 = "25c60rh", "25 °C/60 % RH"
    INTERMEDIATE = "30c65rh", "30 °C/65 % RH"
    ACCELERATED = "40c75rh", "40 °C/75 % RH"


class ConditionKind(models.TextChoices):
    """The role of a condition in the study (ICH Q1A(R2) §2.2.7): only long-term data set a shelf life."""

    LONG_TERM = "long_term", "Long-term"
    INTERMEDIATE = "intermediate", "Intermediate"
    ACCELERATED = "accelerated", "Accelerated"
    STRESS = "stress", "Stress"


class PullState(models.TextChoices):
    """A pull's life: scheduled, pulled (its sample taken), tested (every attribute has a result), or missed."""

    SCHEDULED = "scheduled", "Scheduled"
    PULLED = "pulled", "Pulled"
    TESTED = "tested", "Tested"
    MISSED = "missed", "Missed"


class StabilityStudy(WorkflowRecord):
    """Study STAB-YYYY-NNNN of a product at a site: protocol draft, approved, running, report signed."""

    number = models.CharField(max_length=20, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    specification = models.ForeignKey(Specification, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    # The protocol's allowed window, in days either side of each pull's due date (ICH sets no number;
    # docs/lab.md "Pull window"): a pull taken outside it is flagged and a deviation opened.
    window_days = models.PositiveSmallIntegerField(default=7)
    # SHA-256 of the protocol's rows (conditions, attributes): set with every row written (module docstring).
    protocol_hash = models.CharField(max_length=64, blank=True)
    # The shelf-life estimate frozen by the report's 'approved' signature, and its SHA-256 (ADR 0029).
    estimate = models.JSONField(default=dict, blank=True)
    estimate_hash = models.CharField(max_length=64, blank=True)

    workflow: ClassVar[Workflow] = STABILITY_WORKFLOW
    system_fields: ClassVar[frozenset[str]] = frozenset({"estimate", "estimate_hash"})
    work_related: ClassVar[tuple[str, ...]] = ("product",)
    signing_meanings: ClassVar[dict[str, frozenset[str]]] = {"approved": frozenset({Role.QA_APPROVER})}
    site_id: int
    product_id: int
    specification_id: int

    class Meta:
        ordering = ["-number"]
        verbose_name_plural = "stability studies"
        indexes = [models.Index(fields=["status", "site"], name="lab_stab_status_site")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def work_title(self) -> str:
        """Return the title My work shows."""
        return f"{self} ({self.product.code})"


def _draft_only(row: Any) -> None:
    """Refuse a write to a protocol row of a study that is not a draft (frozen by approval)."""
    study = row.study
    if study.status != "draft":
        raise Conflict(f"frozen: {study.number} is {study.state_label().lower()}; its protocol changes only in draft")


class StabilityCondition(GmpRecord):
    """A storage condition of the protocol and its time points (whole months, ascending)."""

    study = models.ForeignKey(StabilityStudy, on_delete=models.PROTECT, related_name="conditions")
    position = models.PositiveSmallIntegerField()
    condition = models.CharField(max_length=20, choices=StorageCondition.choices)
    kind = models.CharField(max_length=20, choices=ConditionKind.choices)
    time_points = models.CharField(max_length=200, help_text="Months, comma-separated, e.g. 0,3,6,9,12,18.")
    site_path: ClassVar[str | None] = "study__site_id"
    study_id: int

    class Meta:
        ordering = ["study_id", "position"]

    def __str__(self) -> str:
        return f"{self.get_condition_display()} ({self.get_kind_display().lower()})"

    def check_change(self, old: dict[str, Any] | None, action: str) -> None:
        """Refuse a write to a protocol row of a study that is not a draft (frozen by approval)."""
        super().check_change(old, action)
        _draft_only(self)

    def months(self) -> list[int]:
        """Return the time points as whole months."""
        return [int(m) for m in self.time_points.split(",") if m.strip()]


class StabilityAttribute(GmpRecord):
    """A specification attribute tested at every pull, and the limit used for the shelf life."""

    study = models.ForeignKey(StabilityStudy, on_delete=models.PROTECT, related_name="attributes")
    position = models.PositiveSmallIntegerField()
    attribute = models.ForeignKey(SpecificationAttribute, on_delete=models.PROTECT, related_name="+")
    # The criterion the shelf life is judged against (a range or one-sided limit); blank: the attribute's own.
    limit = models.CharField("shelf-life limit", max_length=200, blank=True)
    site_path: ClassVar[str | None] = "study__site_id"
    study_id: int
    attribute_id: int

    class Meta:
        ordering = ["study_id", "position"]

    def __str__(self) -> str:
        return f"{self.attribute.name}: {self.shelf_life_limit()}"

    def check_change(self, old: dict[str, Any] | None, action: str) -> None:
        """Refuse a write to a protocol row of a study that is not a draft (frozen by approval)."""
        super().check_change(old, action)
        _draft_only(self)

    def shelf_life_limit(self) -> str:
        """Return the criterion the shelf life is computed against."""
        return self.limit or self.attribute.criterion


class StabilityBatch(GmpRecord):
    """A batch placed on study on a date: the origin of its pulls' due dates."""

    study = models.ForeignKey(StabilityStudy, on_delete=models.PROTECT, related_name="batches")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+")
    placed_on = models.DateField()

    site_path: ClassVar[str | None] = "study__site_id"
    study_id: int
    batch_id: int

    class Meta:
        ordering = ["study_id", "pk"]
        verbose_name_plural = "stability batches"
        constraints = [models.UniqueConstraint(fields=["study", "batch"], name="lab_stab_batch_unique")]

    def __str__(self) -> str:
        return f"batch {self.batch.number} on {self.study.number} from {self.placed_on.isoformat()}"


class StabilityPull(GmpRecord):
    """One pull: a batch on study at a condition and time point, due on a date; its sample once pulled."""

    study = models.ForeignKey(StabilityStudy, on_delete=models.PROTECT, related_name="pulls")
    placement = models.ForeignKey(StabilityBatch, on_delete=models.PROTECT, related_name="pulls")
    condition = models.ForeignKey(StabilityCondition, on_delete=models.PROTECT, related_name="+")
    months = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    state = models.CharField(max_length=20, choices=PullState.choices, default=PullState.SCHEDULED)
    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(blank=True)
    # Taken outside the protocol's window (or missed): flagged, with the deviation opened in the same change.
    out_of_window = models.BooleanField(default=False)
    deviation = models.ForeignKey(Deviation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    site_path: ClassVar[str | None] = "study__site_id"
    study_id: int
    placement_id: int
    condition_id: int
    sample_id: int | None
    deviation_id: int | None

    class Meta:
        ordering = ["study_id", "due_on", "pk"]
        indexes = [models.Index(fields=["state", "due_on"], name="lab_stab_pull_due")]

    def __str__(self) -> str:
        return f"{self.placement.batch.number} at {self.condition.get_condition_display()}, {self.months} months"

    def window(self) -> tuple[dt.date, dt.date]:
        """Return the first and last day the protocol allows this pull to be taken."""
        days = dt.timedelta(days=self.study.window_days)
        return self.due_on - days, self.due_on + days
