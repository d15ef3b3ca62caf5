"""What the chain of custody checks about time and about the parties: a hand-over's time order, the
site of ours a shipment goes to, the site a hand-over belongs to, the patient a shipment is for.

docs/adr/0017 (amendment) and docs/traceability.md ("Hand-over times"); the custody services call these.
"""

from __future__ import annotations

import datetime as dt

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see
from atmp.trace.models import Handover, HandoverOutcome, Person, Shipment

# A hand-over's time may be this far ahead of the server's clock: it is typed or stamped on a scanner
# or a ward computer whose clock may run a little ahead (docs/traceability.md, "Hand-over times").
CLOCK_SKEW = dt.timedelta(minutes=5)


def patient_named(value: Person | str | None, actor: User) -> Person | None:
    """Return the patient a shipment is for (by COI, one the actor may see), or None."""
    if value is None or value == "":
        return None
    person = value if isinstance(value, Person) else Person.objects.filter(coi=str(value).strip(), voided=False).first()
    if person is None or person.voided or not can_see(actor, person):
        raise InvalidInput("patient", f"there is no patient {value!r}")
    if person.kind != "patient":
        raise InvalidInput("patient", f"{person.coi} is a {person.kind}, not a patient")
    return person


def destination_site_named(value: Site | str | None, origin: Site) -> Site | None:
    """Return the site of ours a shipment goes to (by code), or None; refuse an unknown or the shipping site."""
    if value is None or value == "":
        return None
    site = value if isinstance(value, Site) else Site.objects.filter(code=str(value).strip().upper()).first()
    if site is None or site.voided:
        raise InvalidInput("destination_site", f"there is no site {value!r}")
    if site.pk == origin.pk:
        raise InvalidInput(
            "destination_site",
            f"{site.code} is the shipping site: name a destination site only for another site of ours",
        )
    return site


def works_at(actor: User, site: Site) -> bool:
    """Return True when the actor works at the site (or at every site)."""
    ids = actor.site_ids()
    return ids is None or site.pk in ids


def handover_site(actor: User, shipment: Shipment, stage: str) -> Site:
    """Return the site a hand-over by the actor belongs to: the destination site for the receiving hand-over
    (the stage the shipment goes to) recorded by a user who works there, else the shipping site (ADR 0017)."""
    destination = shipment.destination_site
    if destination is not None and stage == shipment.destination_stage and works_at(actor, destination):
        return destination
    return shipment.site


def party_site(actor: User, shipment: Shipment) -> Site:
    """Return the site the actor acts for on a shipment: the shipping site if they work there, else its destination."""
    if shipment.destination_site is None or works_at(actor, shipment.site):
        return shipment.site
    return shipment.destination_site


def check_order(attempt: Handover, shipment: Shipment) -> None:
    """Refuse a hand-over time before the shipment left or before its previous accepted hand-over."""
    if attempt.at < shipment.shipped_at:
        raise InvalidInput(
            "at",
            f"{attempt.at.isoformat()} is before shipment {shipment.number} left (shipped_at "
            f"{shipment.shipped_at.isoformat()}): a hand-over follows the shipment's departure",
        )
    previous = (
        Handover.objects.filter(shipment=shipment, voided=False, outcome=HandoverOutcome.ACCEPTED)
        .order_by("-at", "-pk")
        .first()
    )
    if previous is not None and attempt.at < previous.at:
        raise InvalidInput(
            "at",
            f"{attempt.at.isoformat()} is before the previous accepted hand-over of shipment {shipment.number} "
            f"({previous.get_stage_display()} at {previous.at.isoformat()}): hand-overs follow each other in time",
        )
