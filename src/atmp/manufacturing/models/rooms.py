"""Room occupancy, cleaning and line clearance (EU GMP Part IV ch. 4 (Premises), 'multi-product facility', and
ch. 9 (Production), 'prevention of cross-contamination in production'; Part I Ch. 5 §5.35).

An environment.Room (its grade and workflow state are environment's) gets, here, the record of what
happened in it: cleanings (routine, or a changeover between products), line clearances before an
operation (checked by a second person, signed), and uses (a product, its GMO class, a batch, from
and to). What is in a room now, and whether it may be used for a product, follows from them
(atmp.manufacturing.services.rooms.room_ready).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from atmp.accounts.roles import Role
from atmp.environment.models import Room
from atmp.ledger.records import GmpRecord
from atmp.manufacturing.models.products import GmoClass, Product
from atmp.manufacturing.workflows.rooms import LINE_CLEARANCE_WORKFLOW
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["CleaningKind", "LineClearance", "RoomCleaning", "RoomUse"]


class CleaningKind(models.TextChoices):
    """A routine cleaning, or a changeover cleaning between products or GMO classes (validated, stricter)."""

    ROUTINE = "routine", "Routine"
    CHANGEOVER = "changeover", "Changeover"


def _room_site(record: Any) -> frozenset[int]:
    """Return the site of the record's room (what each of these records concerns)."""
    return frozenset({int(record.room.site_id)})


class RoomCleaning(GmpRecord):
    """A cleaning of a room: routine or changeover, when, by whom (created_by), to which SOP or why."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="+")
    site_path: ClassVar[str] = "room__site_id"
    room_id: int
    kind = models.CharField(max_length=12, choices=CleaningKind.choices)
    at = models.DateTimeField()
    sop = models.CharField("SOP or reason", max_length=200)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["room_id", "-at", "-pk"]
        indexes = [models.Index(fields=["room", "at"], name="manufacturing_roomclean_at")]

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the room's site."""
        return _room_site(self)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} cleaning of room {self.room.code} at {self.at:%Y-%m-%d %H:%M}"


class LineClearance(WorkflowRecord):
    """A line clearance of a room for a product before an operation, done by one person, checked by a second."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="+")
    site_path: ClassVar[str] = "room__site_id"
    room_id: int
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    batch = models.CharField(max_length=60, blank=True)
    note = models.TextField(blank=True)

    workflow: ClassVar[Workflow] = LINE_CLEARANCE_WORKFLOW
    # The second person's check: an operator or a QC analyst, never the one who did the clearance.
    signing_meanings: ClassVar[dict[str, frozenset[str]]] = {
        "verified": frozenset({Role.OPERATOR, Role.QC_ANALYST}),
    }
    work_related: ClassVar[tuple[str, ...]] = ("room", "product")
    product_id: int

    class Meta:
        ordering = ["room_id", "-at", "-pk"]
        indexes = [models.Index(fields=["room", "at"], name="manufacturing_clearance_at")]

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the room's site."""
        return _room_site(self)

    def __str__(self) -> str:
        return f"line clearance of room {self.room.code} for {self.product.code} at {self.at:%Y-%m-%d %H:%M}"

    def work_title(self) -> str:
        """Return the title My work shows."""
        return f"Line clearance of room {self.room.code} for {self.product.code}" + (
            f" ({self.batch})" if self.batch else ""
        )


class RoomUse(GmpRecord):
    """A use of a room for a product (its GMO class then, kept) and a batch, from a time to a time (open: in use)."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="+")
    site_path: ClassVar[str] = "room__site_id"
    room_id: int
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    gmo_class = models.CharField("GMO risk class", max_length=8, choices=GmoClass.choices)
    batch = models.CharField(max_length=60)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    clearance = models.ForeignKey(LineClearance, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(blank=True)

    product_id: int

    class Meta:
        ordering = ["room_id", "-started_at", "-pk"]
        indexes = [models.Index(fields=["room", "started_at"], name="manufacturing_roomuse_at")]

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the room's site."""
        return _room_site(self)

    def __str__(self) -> str:
        return f"use of room {self.room.code} for {self.product.code} {self.batch}"
