"""Samples, their custody inside the laboratory, results against the batch's specification, and OOS
investigations (issue 15 item 3).

A sample (S-YYYY-NNNN, numbered per site as every numbered record is) is taken for release,
in-process, stability or EM follow-up testing of a batch and/or a lot. Its hand-overs inside the lab
are child records (from, to, location, time). A result is append-only: a correction is a new result
that supersedes it, with the reason (ADR 0026); its second-person review is an e-signature
'reviewed' by someone other than the analyst (signing refuses the author). A result that does not
conform opens an OOS investigation (`OosInvestigation`) in the same change: phase I (laboratory),
phase II (full), closed invalidated or confirmed (FDA OOS guidance 2006, rev. 2022; EU GMP 6.35).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from atmp.accounts.models import Site
from atmp.accounts.roles import Role
from atmp.files.models import StoredFile
from atmp.lab.models.methods import Method
from atmp.lab.models.specifications import Specification, SpecificationAttribute
from atmp.lab.workflows.oos import OOS_WORKFLOW
from atmp.ledger.errors import Conflict
from atmp.ledger.records import GmpRecord
from atmp.manufacturing.models import Batch, Equipment
from atmp.trace.models import Lot
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = [
    "OosConclusion",
    "OosInvestigation",
    "Result",
    "Sample",
    "SampleCustody",
    "SamplePurpose",
    "SampleStatus",
]


class SamplePurpose(models.TextChoices):
    """Why a sample was taken."""

    RELEASE = "release", "Release"
    IN_PROCESS = "in_process", "In-process"
    STABILITY = "stability", "Stability"
    EM_FOLLOWUP = "em_followup", "EM follow-up"
    BANK = "bank", "Cell bank or seed panel"


class SampleStatus(models.TextChoices):
    """Where a sample is in its life: registered, received in the lab, in testing, then one end."""

    REGISTERED = "registered", "Registered"
    RECEIVED = "received", "Received in lab"
    IN_TESTING = "in_testing", "In testing"
    CONSUMED = "consumed", "Consumed"
    RETAINED = "retained", "Retained"
    DISPOSED = "disposed", "Disposed"


class Sample(GmpRecord):
    """Sample S-YYYY-NNNN of a batch and/or lot, taken for a purpose, held in the lab until its end."""

    number = models.CharField(max_length=20, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=20, choices=SamplePurpose.choices)
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    quantity = models.DecimalField(max_digits=15, decimal_places=3)
    unit = models.CharField(max_length=20)
    container = models.CharField(max_length=200, blank=True)
    storage = models.CharField(max_length=200, blank=True)
    taken_at = models.DateTimeField()
    taken_by = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=SampleStatus.choices, default=SampleStatus.REGISTERED)
    location = models.CharField("current location", max_length=200, blank=True)
    note = models.TextField(blank=True)

    site_path: ClassVar[str | None] = "site_id"
    site_id: int
    batch_id: int | None
    lot_id: int | None

    class Meta:
        ordering = ["-number"]
        indexes = [models.Index(fields=["batch", "purpose"], name="lab_sample_batch_purpose")]

    def __str__(self) -> str:
        return f"sample {self.number}"


class SampleCustody(GmpRecord):
    """A hand-over of a sample inside the lab: from whom, to whom, where it went, when."""

    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, related_name="custody")
    from_person = models.CharField(max_length=200)
    to_person = models.CharField(max_length=200)
    location = models.CharField(max_length=200)
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    site_path: ClassVar[str | None] = "sample__site_id"
    sample_id: int

    class Meta:
        ordering = ["sample_id", "at", "pk"]
        verbose_name_plural = "sample custody"

    def __str__(self) -> str:
        return f"{self.from_person} to {self.to_person} ({self.location})"


# What a result recorded: never changed afterwards (a correction is a new result).
_FROZEN = (
    "sample",
    "attribute",
    "specification",
    "method",
    "analyst",
    "instrument",
    "tested_on",
    "value_entered",
    "number",
    "unit",
    "converted",
    "amount",
    "reported",
    "conforms",
    "supersedes",
    "correction_reason",
    "source_file",
)


class Result(GmpRecord):
    """A test result of a sample against an attribute of its batch's specification: append-only."""

    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, related_name="results")
    specification = models.ForeignKey(Specification, on_delete=models.PROTECT, related_name="+")
    attribute = models.ForeignKey(SpecificationAttribute, on_delete=models.PROTECT, related_name="+")
    method = models.ForeignKey(Method, on_delete=models.PROTECT, related_name="+")
    analyst = models.CharField(max_length=150, help_text="The analyst's username (who entered it).")
    instrument = models.ForeignKey(Equipment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    tested_on = models.DateField()
    value_entered = models.CharField(max_length=100, help_text="As typed (or as the imported file gave it).")
    # The parsed number as canonical decimal text (Decimal, never float: 1.2E13 vg/mL and 0.05 EU/mL
    # alike are kept exactly, which a database decimal column of fixed places would not); blank when
    # the value is not a number (a 'conforms' result).
    number = models.CharField("parsed number", max_length=100, blank=True)
    unit = models.CharField(max_length=20, blank=True, help_text="The unit it was entered in.")
    converted = models.BooleanField(default=False, help_text="Converted explicitly to the attribute's unit.")
    # The value in the attribute's unit as judged (the entered text when not converted), then as reported.
    amount = models.CharField(max_length=100, blank=True)
    reported = models.CharField(max_length=100)
    conforms = models.BooleanField(null=True, help_text="None for a 'report' attribute.")
    supersedes = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    correction_reason = models.TextField(blank=True)
    source_file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(blank=True)

    # Second-person review: another QC analyst or QA, never the analyst (signing refuses the author).
    signing_meanings: ClassVar[dict[str, frozenset[str]]] = {
        "reviewed": frozenset({Role.QC_ANALYST, Role.QA_REVIEWER, Role.QA_APPROVER}),
    }
    site_path: ClassVar[str | None] = "sample__site_id"
    sample_id: int
    attribute_id: int
    instrument_id: int | None
    supersedes_id: int | None

    class Meta:
        ordering = ["sample_id", "attribute_id", "pk"]
        indexes = [models.Index(fields=["sample", "attribute"], name="lab_result_sample_attribute")]

    def __str__(self) -> str:
        return f"{self.attribute.name}: {self.reported} {self.attribute.unit}".rstrip()

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the sample's site: a reviewer of that site alone may review the result."""
        return frozenset({int(self.sample.site_id)})

    def check_change(self, old: dict[str, Any] | None, action: str) -> None:
        """Refuse changing what a result recorded: a correction is a new result (Annex 11 §9)."""
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


class OosConclusion(models.TextChoices):
    """How an OOS investigation closed."""

    INVALIDATED = "invalidated", "Invalidated: assignable laboratory error (result superseded by a retest)"
    CONFIRMED = "confirmed", "Confirmed OOS"


class OosInvestigation(WorkflowRecord):
    """OOS-YYYY-NNNN: the investigation of a result out of specification, phase I then phase II, closed by QA."""

    number = models.CharField(max_length=20, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    title = models.CharField(max_length=200)
    phase_1_finding = models.TextField("phase I finding (laboratory investigation)", blank=True)
    phase_2_finding = models.TextField("phase II finding (full investigation)", blank=True)
    conclusion = models.CharField(max_length=20, choices=OosConclusion.choices, blank=True)

    workflow: ClassVar[Workflow] = OOS_WORKFLOW
    system_fields: ClassVar[frozenset[str]] = frozenset({"conclusion"})
    work_related: ClassVar[tuple[str, ...]] = ("batch",)
    signing_meanings: ClassVar[dict[str, frozenset[str]]] = {"approved": frozenset({Role.QA_APPROVER})}
    site_id: int
    result_id: int
    batch_id: int | None

    class Meta:
        ordering = ["-number"]
        verbose_name = "OOS investigation"
        indexes = [models.Index(fields=["status", "site"], name="lab_oos_status_site")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def work_title(self) -> str:
        """Return the title My work shows."""
        return str(self)
