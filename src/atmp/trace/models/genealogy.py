"""The genealogy: which lot went into which (uses), and which lot was given to which patient.

Each use is an edge input lot → output lot of a directed acyclic graph; the trace selectors walk
it with one recursive query each way, through the two covering indexes below (docs/adr/0014).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from atmp.ledger.records import GmpRecord
from atmp.trace.models.lots import Lot
from atmp.trace.models.persons import Person
from atmp.trace.models.retained import VoidGuard

__all__ = ["Administration", "Use"]


class Use(VoidGuard, GmpRecord):
    """A quantity of one lot consumed to make another, at a time, by a step named elsewhere (made_by)."""

    input = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="uses", db_index=False)
    output = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="made_from", db_index=False)
    quantity = models.DecimalField(max_digits=15, decimal_places=3)
    unit = models.CharField(max_length=20)
    at = models.DateTimeField()
    # The record that performs the use, as "type:id" (a manufacturing batch step, later): trace keeps
    # the key, not a foreign key, because trace must not import the modules below it.
    made_by = models.CharField(max_length=100, blank=True)

    input_id: int
    output_id: int

    site_path: ClassVar[str | None] = "output__site_id"

    class Meta:
        ordering = ["pk"]
        indexes = [
            # Forward: from an input to its outputs; backward: from an output to its inputs. Each
            # covers the recursive step (the lookup, the voided filter, the other end).
            models.Index(fields=["input", "voided", "output"], name="trace_use_forward"),
            models.Index(fields=["output", "voided", "input"], name="trace_use_backward"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.unit} of lot {self.input_id} into lot {self.output_id}"


class Administration(VoidGuard, GmpRecord):
    """A lot given to a patient at a time: where a forward trace reaches people."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="administrations", db_index=False)
    patient = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="administrations", db_index=False)
    at = models.DateTimeField()
    # How much of the lot was given, in a unit of its dimension; counted, like a use, against what
    # remains of the lot. Empty when not recorded (administrations recorded before it was asked).
    quantity = models.DecimalField(max_digits=15, decimal_places=3, null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True)

    lot_id: int
    patient_id: int

    site_path: ClassVar[str | None] = "patient__site_id"

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["lot", "voided", "patient"], name="trace_admin_forward"),
            models.Index(fields=["patient", "voided", "lot"], name="trace_admin_backward"),
        ]

    def __str__(self) -> str:
        return f"lot {self.lot_id} to {self.patient_id}"
