"""Cell banks and seed stocks (ICH Q5D §2.2): a lot of a cell line or vector seed, with its bank attributes.

A bank IS a lot (docs/adr/0024): its vials are the lot's quantity (counted in {vial}), a vial taken
out is a genealogy use of the lot, what remains is the lot's remainder, and its status (quarantine,
released by QA's signature, ...) is the lot's. This record, one per lot, keeps only what a bank adds:
its kind, the bank it was made from, storage, the in-vitro cell age at banking and the validated
limit of in-vitro cell age for production (ICH Q5D §2.3.3), with its justification.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from atmp.ledger.records import GmpRecord
from atmp.trace.bank_panel import AGE_UNITS, KINDS
from atmp.trace.models.lots import Lot

__all__ = ["CellBank"]


class CellBank(GmpRecord):
    """The bank attributes of a lot: kind, parent bank, storage, cell age at banking and the limit for production."""

    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="bank")
    kind = models.CharField(max_length=8, choices=list(KINDS.items()))
    # The bank whose vials it was made from (a WCB's MCB, a WVS's MVS); the genealogy holds the use.
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    vector_production = models.BooleanField(
        default=False, help_text="Its cells or seeds produce a viral vector: tested for replication-competent virus."
    )
    storage = models.CharField(max_length=200, help_text="e.g. LN2 vapour phase, ≤ −150 °C, dewar D2 rack 3.")
    age_unit = models.CharField(max_length=12, choices=list(AGE_UNITS.items()))
    age_at_banking = models.PositiveIntegerField(help_text="In-vitro cell age when banked, from the MCB's thaw.")
    age_limit = models.PositiveIntegerField(help_text="The most passages or doublings from this bank's thaw.")
    limit_basis = models.TextField(help_text="The validation that justifies the limit (report, study).")

    site_path: ClassVar[str | None] = "lot__site_id"
    lot_id: int
    parent_id: int | None

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.kind.upper()} {self.lot.number}"

    @property
    def label(self) -> str:
        """Return how a rule names the bank: its lot number, after its kind unless the number starts with it."""
        number = self.lot.number
        return number if number.upper().startswith(self.kind.upper()) else f"{self.kind.upper()} {number}"
