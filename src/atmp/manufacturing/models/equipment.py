"""Equipment and its logbook (EU GMP Chapter 3 §3.34-3.44, Chapter 4 §4.31, Part IV ch. 5 (Equipment), Annex 15 §3-§5).

A piece of equipment has a class (what a master batch record asks for: "bsc", "incubator"), a site
and a location, a qualification (IQ/OQ/PQ dates and their stored reports), calibration and
maintenance regimes (an interval in days; the next due date is computed from the last one done),
and a cleaning status (clean until the validated clean hold time expires, dirty after use). Every
use, cleaning, calibration, maintenance and breakdown is an entry of its logbook, each audited.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from atmp.accounts.models import Site
from atmp.files.models import StoredFile
from atmp.ledger.records import GmpRecord
from atmp.manufacturing.models.products import GmoClass, Product
from atmp.manufacturing.workflows.equipment import EQUIPMENT_WORKFLOW
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["CleanStatus", "EntryKind", "Equipment", "LogbookEntry", "Outcome"]


class CleanStatus(models.TextChoices):
    """Whether the equipment may be used as it is, as far as cleaning goes."""

    CLEAN = "clean", "Clean"
    DIRTY = "dirty", "Dirty"


class Equipment(WorkflowRecord):
    """A piece of equipment of a site, named by its asset code."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    equipment_class = models.CharField(max_length=40)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    location = models.CharField(max_length=200, blank=True)
    iq_date = models.DateField("IQ date", null=True, blank=True)
    oq_date = models.DateField("OQ date", null=True, blank=True)
    pq_date = models.DateField("PQ date", null=True, blank=True)
    iq_report = models.ForeignKey(StoredFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    oq_report = models.ForeignKey(StoredFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    pq_report = models.ForeignKey(StoredFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Periodic work: an interval in days (empty: no such regime), the last day it was done, and the
    # due date computed from both by the services (atmp.manufacturing.due), never typed.
    calibration_interval_days = models.PositiveIntegerField(null=True, blank=True)
    last_calibrated = models.DateField(null=True, blank=True)
    calibration_due = models.DateField(null=True, blank=True)
    maintenance_interval_days = models.PositiveIntegerField(null=True, blank=True)
    last_maintained = models.DateField(null=True, blank=True)
    maintenance_due = models.DateField(null=True, blank=True)
    # Cleaning: whether it is cleaned before use at all (a balance outside the cleanroom may not be),
    # the validated clean hold time (hours; empty: a cleaning does not expire), and its state.
    cleaning_required = models.BooleanField(default=True)
    clean_hold_hours = models.PositiveIntegerField(null=True, blank=True)
    # The OPC UA server its process values are read from (atmp.manufacturing.opcua); blank: typed only.
    # Only an endpoint registered here is ever connected to: a batch entry names the equipment, not an address.
    opcua_endpoint = models.CharField(max_length=200, blank=True)
    clean_status = models.CharField(max_length=8, choices=CleanStatus.choices, default=CleanStatus.DIRTY)
    cleaned_at = models.DateTimeField(null=True, blank=True)
    clean_until = models.DateTimeField(null=True, blank=True)

    workflow: ClassVar[Workflow] = EQUIPMENT_WORKFLOW
    site_id: int
    iq_report_id: int | None
    oq_report_id: int | None
    pq_report_id: int | None

    class Meta:
        ordering = ["code"]
        indexes = [
            models.Index(fields=["calibration_due"], name="manufacturing_eq_cal_due"),
            models.Index(fields=["maintenance_due"], name="manufacturing_eq_maint_due"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class EntryKind(models.TextChoices):
    """What a logbook entry records."""

    USE = "use", "Use"
    CLEANING = "cleaning", "Cleaning"
    CALIBRATION = "calibration", "Calibration"
    MAINTENANCE = "maintenance", "Maintenance"
    BREAKDOWN = "breakdown", "Breakdown"
    QUALIFICATION = "qualification", "Qualification"


class Outcome(models.TextChoices):
    """The result of a calibration or maintenance (blank for the other kinds)."""

    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


class LogbookEntry(GmpRecord):
    """One line of an equipment's logbook: what was done, when, by whom (created_by), with what result."""

    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="logbook")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    at = models.DateTimeField()
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    # What it was used for (a batch, a purpose), what was done, found or replaced.
    purpose = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    # A calibration certificate, a service report, a qualification report.
    report = models.ForeignKey(StoredFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # A use for a product: which, and its GMO class then (a cabinet last used for another product or
    # GMO class needs a changeover cleaning first, Part IV ch. 9); a cleaning that is a changeover.
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    gmo_class = models.CharField("GMO risk class", max_length=8, choices=GmoClass.choices, blank=True)
    changeover = models.BooleanField(default=False)
    # The batch (its number) a use was for: that batch's later steps may use the equipment again
    # before it is cleaned (within the clean hold time); anything else may not (services.equipment).
    batch = models.CharField(max_length=60, blank=True)

    site_path: ClassVar[str] = "equipment__site_id"
    equipment_id: int
    product_id: int | None

    class Meta:
        ordering = ["equipment_id", "-at", "-pk"]
        indexes = [models.Index(fields=["equipment", "at"], name="manufacturing_logbook_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.equipment.code} at {self.at:%Y-%m-%d %H:%M}"

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the equipment's site."""
        return frozenset({int(self.equipment.site_id)})
