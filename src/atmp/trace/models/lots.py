"""Lots: a quantity of one material at a site, with its status, expiry and where it is kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.db import models

from atmp.accounts.models import Site
from atmp.accounts.roles import Role
from atmp.quality.models.suppliers import Supplier
from atmp.trace.models.materials import Material
from atmp.trace.models.persons import Person
from atmp.trace.models.retained import VoidGuard
from atmp.trace.workflows.lots import LOT_WORKFLOW, RELEASED
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["Lot"]


class Lot(VoidGuard, WorkflowRecord):
    """A lot of a material: received from a supplier, donated, or made on site from other lots.

    `number` is unique across all materials (docs/adr/0014): a trace, a scan or an import names a
    lot by its number alone. The supplier's own lot number is kept beside it, not unique.
    """

    number = models.CharField(max_length=60, unique=True)
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="lots")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    supplier_lot = models.CharField(max_length=60, blank=True)
    donor = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="donations")
    expiry_date = models.DateField(null=True, blank=True)
    quantity = models.DecimalField(max_digits=15, decimal_places=3)
    unit = models.CharField(max_length=20)
    location = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField()

    workflow: ClassVar[Workflow] = LOT_WORKFLOW
    # QA releases; a QP may too (EU GMP Part IV ch. 7, Starting and raw materials: QA's decision on them).
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = {
        RELEASED: frozenset({Role.QA_APPROVER, Role.QUALIFIED_PERSON})
    }
    work_related: ClassVar[tuple[str, ...]] = ("material",)

    site_id: int
    material_id: int
    supplier_id: int | None
    donor_id: int | None

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["status", "id"], name="trace_lot_status")]

    def __str__(self) -> str:
        return f"{self.number} ({self.material.code})"
