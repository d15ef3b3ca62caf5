"""Donors and patients, pseudonymous: a chain-of-identity (COI) code and nothing that identifies the person.

GDPR Art. 4(5) and DESIGN.md principle 8: no name, birth date or hospital number is stored here nor
ever enters the ledger; who the person is is kept apart, sealed (atmp.trace.models.identities),
and reached through the COI by the roles that need it (docs/personal-data.md).
"""

from __future__ import annotations

from django.db import models

from atmp.accounts.models import Site
from atmp.ledger.records import GmpRecord
from atmp.trace.models.retained import VoidGuard

__all__ = ["Person", "PersonKind"]


class PersonKind(models.TextChoices):
    """A donor gives starting material; a patient receives the product (and, autologous, also donates)."""

    DONOR = "donor", "Donor"
    PATIENT = "patient", "Patient"


class Person(VoidGuard, GmpRecord):
    """A donor or a patient, known to atmp only by their COI code in the site's scheme."""

    coi = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=16, choices=PersonKind.choices)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")

    site_id: int

    class Meta:
        ordering = ["coi"]

    def __str__(self) -> str:
        return f"{self.coi} ({self.kind})"
