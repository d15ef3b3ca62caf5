"""Chain of custody: shipments, the lots they carry, each hand-over, and the shipper's temperature logs.

Regulation (EC) 1394/2007 Art. 15 and EU GMP Part IV ch. 6 (Documentation), 'traceability data': an ATMP is
traced from collection to the bedside, and for an autologous product the chain of identity must hold at every
hand-over. A hand-over names both sides' scans; one that does not match what the shipment carries is kept as a
*blocked* hand-over, with the deviation it opened linked to it (docs/adr/0017).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from atmp.accounts.models import Site
from atmp.files.models import StoredFile
from atmp.ledger.records import GmpRecord
from atmp.trace.models.genealogy import Administration
from atmp.trace.models.lots import Lot
from atmp.trace.models.persons import Person

__all__ = ["Handover", "HandoverOutcome", "Shipment", "ShipmentLot", "Stage", "TemperatureLog"]


class Stage(models.TextChoices):
    """Where a hand-over puts the product, in the order of the chain (collection to bedside)."""

    COLLECTION = "collection", "Collection centre"
    COURIER = "courier", "Courier"
    MANUFACTURING = "manufacturing", "Manufacturing site"
    QC = "qc", "QC"
    STORAGE = "storage", "Storage"
    TREATMENT_CENTRE = "treatment_centre", "Treatment centre"
    BEDSIDE = "bedside", "Bedside"


class HandoverOutcome(models.TextChoices):
    """A hand-over took place, or was blocked (a mismatched scan): the attempt is kept either way."""

    ACCEPTED = "accepted", "Accepted"
    BLOCKED = "blocked", "Blocked"


class Shipment(GmpRecord):
    """A consignment of lots, named by its shipment identifier and its courier's tracking identifier.

    Both identifiers are unique (a tracking identifier when one is given): a label or a courier's
    message names one shipment. `person` is the donor or patient whose product it carries (one at
    most: two patients' products never travel together), or the patient an allogeneic product is
    shipped for: the COI every hand-over's scans must match. `destination_site` is set when it goes
    to another site of ours, whose users then see it and record its receiving hand-over.
    """

    number = models.CharField(max_length=60, unique=True)
    tracking = models.CharField(max_length=60, blank=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    courier = models.CharField(max_length=200, blank=True)
    origin = models.CharField(max_length=200)
    destination = models.CharField(max_length=200)
    destination_stage = models.CharField(max_length=20, choices=Stage.choices)
    # Another site of ours the shipment goes to, if it does (`destination` stays the words on the
    # label): its users see the shipment and record its receiving hand-over (docs/adr/0017, amendment).
    destination_site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="shipments")
    # The acceptable range of the shipper's temperature, °C; empty: the lots' material storage condition.
    temperature_low = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    temperature_high = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    shipped_at = models.DateTimeField()

    site_id: int
    destination_site_id: int | None
    person_id: int | None

    shared_site_paths: ClassVar[tuple[str, ...]] = ("destination_site_id",)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tracking"], condition=~models.Q(tracking=""), name="trace_shipment_tracking_unique"
            )
        ]

    def __str__(self) -> str:
        return f"shipment {self.number}"


class ShipmentLot(GmpRecord):
    """A lot carried by a shipment."""

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="items")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="shipped_in")
    packaging = models.CharField(max_length=200, blank=True, help_text="What it travels in (a dry shipper, a box).")

    shipment_id: int
    lot_id: int

    site_path: ClassVar[str | None] = "shipment__site_id"
    shared_site_paths: ClassVar[tuple[str, ...]] = ("shipment__destination_site_id",)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["shipment", "lot"], name="trace_shipment_lot_once")]

    def __str__(self) -> str:
        return f"lot {self.lot_id} in shipment {self.shipment_id}"


class Handover(GmpRecord):
    """A hand-over of custody (or, at the bedside, the administration), accepted or blocked.

    Each side's scan is kept as read (`*_scan`, what the reader typed) and as what it named (the
    lot number and COI). `expected_coi` is what both had to match. A blocked hand-over keeps the
    rule that blocked it; the deviation it opened is linked to it (workflow links).
    """

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, null=True, blank=True, related_name="handovers")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    at = models.DateTimeField()
    place = models.CharField(max_length=200)
    from_party = models.CharField(max_length=200)
    to_party = models.CharField(max_length=200)
    condition = models.CharField(max_length=500, blank=True)
    giver_scan = models.CharField(max_length=400)
    giver_lot = models.CharField(max_length=60, blank=True)
    giver_coi = models.CharField(max_length=40, blank=True)
    receiver_scan = models.CharField(max_length=400)
    receiver_lot = models.CharField(max_length=60, blank=True)
    receiver_coi = models.CharField(max_length=40, blank=True)
    expected_coi = models.CharField(max_length=40, blank=True)
    outcome = models.CharField(max_length=10, choices=HandoverOutcome.choices)
    rule = models.CharField(max_length=500, blank=True, help_text="Why it was blocked.")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    administration = models.ForeignKey(
        Administration, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    shipment_id: int | None
    site_id: int
    lot_id: int | None
    administration_id: int | None

    # Both ends of the shipment see its whole chain: the hand-overs on the way and the receiving one.
    shared_site_paths: ClassVar[tuple[str, ...]] = ("shipment__site_id", "shipment__destination_site_id")

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["shipment", "at"], name="trace_handover_chain")]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} hand-over ({self.outcome})"


class TemperatureLog(GmpRecord):
    """A shipper's temperature log: its file (atmp.files), the range it was held to, and what it showed."""

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="temperature_logs")
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    low = models.DecimalField(max_digits=6, decimal_places=2)
    high = models.DecimalField(max_digits=6, decimal_places=2)
    range_from = models.CharField(max_length=200, help_text="Where the range came from: the shipment, or a material.")
    readings = models.PositiveIntegerField()
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    minimum = models.DecimalField(max_digits=6, decimal_places=2)
    maximum = models.DecimalField(max_digits=6, decimal_places=2)
    seconds_out_of_range = models.PositiveIntegerField()
    excursion = models.BooleanField()

    shipment_id: int
    file_id: int

    site_path: ClassVar[str | None] = "shipment__site_id"
    shared_site_paths: ClassVar[tuple[str, ...]] = ("shipment__destination_site_id",)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"temperature log of shipment {self.shipment_id}"
