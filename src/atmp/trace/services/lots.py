"""Lots: receive one (from an approved supplier, a donor, or made on site), release it with QA's signature.

Status moves only through the lot's workflow (workflows/lots.py): release, reject, expire, consume
and recall are its transitions, taken with atmp.workflow.transition; release is signed 'Released'.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see
from atmp.ledger import writer
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.quality import may_accept
from atmp.quality.models.suppliers import Supplier
from atmp.quality.services import edits
from atmp.trace.models import Lot, Material, MaterialType, Person
from atmp.trace.models.materials import PURCHASED_TYPES
from atmp.trace.services import checks
from atmp.workflow import engine


def receive_lot(
    *,
    actor: User,
    number: str,
    material: Material,
    site: Site,
    quantity: Decimal | str | int,
    unit: str | None = None,
    expiry_date: dt.date | str | None = None,
    supplier: Supplier | None = None,
    supplier_lot: str = "",
    donor: Person | None = None,
    location: str = "",
    received_at: dt.datetime | str | None = None,
    reason: str = "",
) -> Lot:
    """Enter a lot into the site's stock, in quarantine: received from a supplier, donated, or made on site.

    A lot from a supplier is accepted only if quality.may_accept says the supplier is approved for
    the material on the day of receipt; a material that is only ever bought needs its supplier.
    """
    edits.check_writer(actor, Lot, site=site)
    if material.voided:
        raise InvalidInput("material", f"material {material.code} is voided")
    lot = Lot(
        number=checks.code(number, "number", limit=60),
        material=material,
        site=site,
        quantity=checks.quantity(quantity),
        unit=checks.unit(unit or material.unit),
        expiry_date=edits.date(expiry_date, "expiry_date"),
        supplier=supplier,
        supplier_lot=edits.text(supplier_lot, "supplier_lot", limit=60),
        donor=donor,
        location=edits.text(location, "location", limit=200),
        received_at=checks.moment(received_at, "received_at"),
    )
    checks.convert(Decimal(1), lot.unit, material.unit)  # a lot counts what its material is counted in
    _check_origin(actor, lot)
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()  # the number is checked against what is stored: one receipt at a time
        if Lot._base_manager.filter(number=lot.number).exists():
            raise Conflict(f"number: there is already a lot {lot.number}; a lot number names one lot of any material")
        if Person._base_manager.filter(coi=lot.number).exists():
            raise Conflict(f"number: {lot.number} is a person's COI code; a lot needs a number of its own")
        ch.save(lot)
    return lot


def _check_origin(actor: User, lot: Lot) -> None:
    """Refuse a supplier not approved for the material, a bought material without one, a misplaced donor."""
    material = lot.material
    if lot.supplier is not None:
        if lot.supplier.voided or not can_see(actor, lot.supplier):
            raise InvalidInput("supplier", f"there is no supplier {lot.supplier.number}")
        decision = may_accept(material, lot.supplier, lot.received_at.date())
        if not decision.ok:
            raise RuleViolation(f"supplier: {decision.reason} ({decision.rule}): lot {lot.number} is not received")
    elif material.type in PURCHASED_TYPES:
        raise InvalidInput(
            "supplier", f"{material.code} is a {material.get_type_display().lower()}: name the supplier it came from"
        )
    if lot.donor is not None:
        if material.type != MaterialType.STARTING_MATERIAL:
            raise InvalidInput(
                "donor", f"only a donation (a lot of a starting material) has a donor; {material.code} is not one"
            )
        if lot.donor.voided:
            raise InvalidInput("donor", f"person {lot.donor.coi} is voided")


def release_lot(
    *, actor: User, lot: Lot, password: str, reason: str, otp: str | None = None, version: int | None = None
) -> Lot:
    """Release a quarantined lot for use with QA's signature ('Released'); refused once it has expired."""
    engine.transition(actor, lot, "release", reason=reason, password=password, otp=otp, version=version)
    return lot


def find_lot(number: str, *, field: str = "lot", user: User | None = None) -> Lot:
    """Return the live lot of the number (one the user may see), or refuse naming the field."""
    found = Lot.objects.select_related("material", "site").filter(number=str(number).strip(), voided=False).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no lot {number!r}")
    return found
