"""Which patient a lot is meant for: the one it is made for (autologous), or the one it was shipped for.

The chain of identity's question before a product is given at the bedside (docs/adr/0017-chain-of-custody.md).
"""

from __future__ import annotations

from typing import NamedTuple

from atmp.trace.models import Lot, Person, PersonKind, Shipment, ShipmentLot
from atmp.trace.selectors.labels import patient_of


class Intended(NamedTuple):
    """The patient a lot is meant for, and why: "made for" (its genealogy) or "shipped for" (its last shipment)."""

    patient: Person
    why: str


def last_shipment(lot: Lot) -> Shipment | None:
    """Return the lot's latest live shipment, or None if it was never shipped."""
    item = ShipmentLot.objects.filter(lot=lot, voided=False, shipment__voided=False).select_related("shipment").last()
    return item.shipment if item is not None else None


def intended_patient(lot: Lot, shipment: Shipment | None = None) -> Intended | None:
    """Return the patient the lot is meant for, or None when it is meant for nobody in particular.

    A lot made for one patient (their donation, or one patient reached backward) is theirs; a lot
    made for no patient (allogeneic) is meant for the patient its last shipment (or the shipment
    given) was for, if any.
    """
    made_for = patient_of(lot)
    if made_for is not None:
        return Intended(made_for, "made for")
    shipment = shipment if shipment is not None else last_shipment(lot)
    if shipment is not None and shipment.person is not None and shipment.person.kind == PersonKind.PATIENT:
        return Intended(shipment.person, "shipped for")
    return None
