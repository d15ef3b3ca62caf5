"""Analytical methods and their validation status per clinical phase (ICH Q2(R2); EU GMP Chapter 6 §6.15-6.16).

A method is the laboratory's procedure (code, title, version, what it tests), optionally linked to its
SOP in quality's documents as manufacturing's steps are. Its validation status is kept per clinical
phase (not validated, qualified, validated), each with the report it rests on (a stored file, as an
equipment's IQ/OQ/PQ reports). Whether a method may be used for release testing in a phase is decided
once, in atmp.lab.services.methods.fit_for (docs/lab.md gives the rule and its sources).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from atmp.files.models import StoredFile
from atmp.ledger.records import GmpRecord
from atmp.quality.models.documents import Document

__all__ = ["Method", "MethodType", "MethodValidation", "Phase", "ValidationStatus"]


class Phase(models.TextChoices):
    """The clinical phases a specification or a validation status is for, and the marketed product."""

    I = "i", "Phase I"  # noqa: E741 - the phase's own name
    II = "ii", "Phase II"
    III = "iii", "Phase III"
    COMMERCIAL = "commercial", "Commercial"


class MethodType(models.TextChoices):
    """What a method tests (ICH Q6B §6.1: identity, purity and impurities, potency, quantity; safety tests)."""

    IDENTITY = "identity", "Identity"
    PURITY = "purity", "Purity"
    POTENCY = "potency", "Potency"
    SAFETY = "safety", "Safety"
    QUANTITY = "quantity", "Quantity"
    GENERAL = "general", "General"


class ValidationStatus(models.TextChoices):
    """How far a method has been shown suitable for its purpose (ICH Q2(R2); EMA investigational ATMP §5.2)."""

    NOT_VALIDATED = "not_validated", "Not validated"
    QUALIFIED = "qualified", "Qualified"
    VALIDATED = "validated", "Validated"


class Method(GmpRecord):
    """An analytical procedure of the laboratory, named by its code (every site's, as products are)."""

    code = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    revision = models.CharField("version", max_length=20, default="1")
    method_type = models.CharField(max_length=20, choices=MethodType.choices)
    sop = models.ForeignKey(Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    description = models.TextField(blank=True)

    site_path: ClassVar[str | None] = None
    sop_id: int | None

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class MethodValidation(GmpRecord):
    """A method's validation status for one clinical phase, with its report (changed in place, audited)."""

    method = models.ForeignKey(Method, on_delete=models.PROTECT, related_name="validations")
    phase = models.CharField(max_length=20, choices=Phase.choices)
    validation_status = models.CharField(max_length=20, choices=ValidationStatus.choices)
    report = models.ForeignKey(StoredFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    done_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)

    site_path: ClassVar[str | None] = None
    method_id: int
    report_id: int | None

    class Meta:
        ordering = ["method_id", "phase"]
        constraints = [models.UniqueConstraint(fields=["method", "phase"], name="lab_method_validation_unique")]

    def __str__(self) -> str:
        return f"{self.method.code} {self.get_phase_display()}: {self.get_validation_status_display().lower()}"
