"""The genealogy: record that a quantity of one lot went into another, and that a lot was given to a patient.

Rules (EU GMP Part IV ch. 6 (Documentation), 'traceability data', ch. 7 (Starting and raw materials) and ch. 9
(Production); Regulation 1394/2007 Art. 15): only a released lot, within its expiry, is used or administered,
never a recalled one; a use takes no more than remains of the lot; the genealogy stays a DAG (a lot is never
made, however indirectly, from itself); a lot is given only to the patient it is meant for (`mix_up`: made for
them, or shipped for them), whichever entry point records it: the API, the CLI and the pages call `administer`,
the bedside calls it after its scans (and records a blocked attempt with the same rule), the bulk import words
it the same way. The input lot's row is locked before its state and remainder are read, so two uses at once
cannot both pass.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.db import connection

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.ledger import writer
from atmp.ledger.errors import RuleViolation
from atmp.ledger.records import model_for
from atmp.quality.services import edits
from atmp.trace.models import Administration, Lot, Person, PersonKind, Shipment, Use
from atmp.trace.selectors import genealogy
from atmp.trace.selectors.intended import intended_patient, last_shipment
from atmp.trace.services import checks
from atmp.trace.units import is_container, plain

RECORD_KEY = re.compile(r"^(?P<type>[a-z_]+\.[a-z_]+):(?P<id>[1-9]\d{0,17})$")


def _locked(lot: Lot) -> Lot:
    """Return the lot as stored now, its row locked to the end of the transaction.

    On PostgreSQL SELECT … FOR UPDATE makes a second use of the same lot wait until the first
    commits, then read the remainder it left. SQLite's transactions are IMMEDIATE (atmp.config):
    the first write lock is taken at BEGIN, so writers are already one at a time. Callers take the
    ledger's append lock first (Change.hold): every ledger write locks the head, then the rows it
    changes, and taking the two in the other order here could deadlock with a transition of the lot.
    """
    rows = Lot.objects.select_related("material")
    if connection.vendor == "postgresql":
        rows = rows.select_for_update(of=("self",))
    return rows.get(pk=lot.pk)


def usable_on(lot: Lot, day: dt.date, *, what: str) -> str | None:
    """Return the rule that forbids using or administering the lot on the day, or None."""
    if lot.voided:
        return f"lot {lot.number} is voided"
    if lot.status == "recalled":
        return f"lot {lot.number} is recalled: a recalled lot is never {what}"
    if lot.status != "released":
        return f"lot {lot.number} is {lot.state_label().lower()}: only a released lot is {what}"
    if lot.expiry_date is not None and lot.expiry_date < day:
        return f"lot {lot.number} expired on {lot.expiry_date.isoformat()}: it is not {what} on {day.isoformat()}"
    return None


def mix_up_rule(lot: str, meant: str, why: str, given: str) -> str:
    """Return the words of the mix-up rule: lot `lot`, made or shipped (`why`) for `meant`, given to `given`."""
    verb = "is made" if why == "made for" else "was shipped"
    return f"lot {lot} {verb} for {meant}, not for {given}: a mix-up"


def mix_up(lot: Lot, patient: Person, shipment: Shipment | None = None) -> str | None:
    """Return the rule broken when the lot is given to the patient (a product meant for another), or None.

    The chain of identity's one check before any administration is recorded (docs/adr/0017): a lot
    made for one patient (autologous) is theirs; a lot made for none (allogeneic) is meant for the
    patient its last shipment (or the shipment given) was for; a lot meant for nobody in particular
    passes here (the bedside, which must bind a bag to a wristband, refuses it on its own).
    """
    meant = intended_patient(lot, shipment)
    if meant is None or meant.patient.pk == patient.pk:
        return None
    return mix_up_rule(lot.number, meant.patient.coi, meant.why, patient.coi)


def may_give(actor: User, lot: Lot) -> bool:
    """Return True when the actor may give the lot: they see it, or its last shipment came to a site they work at.

    A treatment centre that is another site of ours sees the shipments sent to it, not the shipping
    site's lots (docs/adr/0017, amendment): a product shipped to it is in its hands, to be given there.
    """
    if can_see(actor, lot):
        return True
    shipment = last_shipment(lot)
    if shipment is None or shipment.destination_site_id is None:
        return False
    ids = actor.site_ids()
    return ids is None or shipment.destination_site_id in ids


def _made_by(value: str) -> str:
    """Return the key of the record that performs the use (type:id of a stored record), or ''."""
    key = edits.text(value, "made_by", limit=100)
    if not key:
        return ""
    match = RECORD_KEY.match(key)
    model = model_for(match["type"]) if match else None
    if match is None or model is None or not model._base_manager.filter(pk=int(match["id"])).exists():
        raise InvalidInput("made_by", f"{key!r} names no stored record (give type:id, e.g. manufacturing.step:12)")
    return key


def record_use(
    *,
    actor: User,
    input: Lot,
    output: Lot,
    quantity: Decimal | str | int,
    unit: str,
    at: dt.datetime | str | None = None,
    made_by: str = "",
    reason: str = "",
) -> Use:
    """Record that a quantity of the input lot went into the output lot: one edge of the genealogy."""
    edits.check_writer(actor, Use, site=output.site)
    if not can_see(actor, input):
        raise InvalidInput("input", f"there is no lot {input.number}")
    use = Use(
        input=input,
        output=output,
        quantity=checks.quantity(quantity),
        unit=checks.unit(unit),
        at=checks.moment(at, "at"),
        made_by=_made_by(made_by),
    )
    taken = checks.convert(use.quantity, use.unit, input.unit)  # mg of a lot counted in mL: refused here
    if input.pk == output.pk:
        raise RuleViolation(f"lot {input.number} cannot be made from itself")
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()
        source = _locked(input)
        broken = usable_on(source, use.at.date(), what="used")
        if broken:
            raise RuleViolation(broken)
        made = Lot.objects.get(pk=output.pk)
        if made.voided or made.status != "quarantine":
            raise RuleViolation(
                f"lot {made.number} is {made.state_label().lower()}: a lot is made (its inputs recorded) "
                "while it is in quarantine, before its release"
            )
        if genealogy.is_ancestor(made.pk, of_id=source.pk):
            raise RuleViolation(
                f"lot {made.number} is already among what {source.number} was made from: "
                "using it would make a cycle in the genealogy"
            )
        _check_left(source, taken, use.quantity, use.unit)
        ch.save(use)
    return use


def _check_left(source: Lot, taken: Decimal, quantity: Decimal, unit: str) -> None:
    """Refuse taking more of the lot than remains of it (its quantity less its live uses and administrations)."""
    left = source.quantity - genealogy.used(source)
    if taken > left:
        asked = f"{plain(quantity)} {unit}"
        if unit != source.unit:
            asked += f" (= {plain(taken)} {source.unit})"
        raise RuleViolation(f"lot {source.number} has {plain(left)} {source.unit} left: {asked} is more than remains")


def administer(
    *,
    actor: User,
    lot: Lot,
    patient: Person,
    at: dt.datetime | str | None = None,
    quantity: Decimal | str | int | None = None,
    unit: str | None = None,
    reason: str = "",
) -> Administration:
    """Record that the lot (or a quantity of it) was given to the patient: where a forward trace reaches people.

    With a quantity (in the lot's unit unless another of its dimension is named) the administration
    takes it from what remains of the lot, as a use does; without one it takes, and records, one
    container of a lot counted in bags or vials, or all that remains of any other.
    """
    edits.check_writer(actor, Administration, site=patient.site)
    if not may_give(actor, lot):
        raise InvalidInput("lot", f"there is no lot {lot.number}")
    if patient.voided:
        raise InvalidInput("patient", f"person {patient.coi} is voided")
    if patient.kind != PersonKind.PATIENT:
        raise InvalidInput("patient", f"{patient.coi} is a {patient.kind}, not a patient: only a patient is treated")
    given = Administration(lot=lot, patient=patient, at=checks.moment(at, "at"))
    taken = None
    if quantity is not None and str(quantity).strip() != "":
        given.quantity = checks.quantity(quantity)
        given.unit = checks.unit(unit or lot.unit)
        taken = checks.convert(given.quantity, given.unit, lot.unit)
    elif unit:
        raise InvalidInput("unit", "give the quantity the unit counts, or neither")
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()
        source = _locked(lot)
        broken = usable_on(source, given.at.date(), what="administered") or mix_up(source, patient)
        if broken:
            raise RuleViolation(broken)
        if taken is not None and given.quantity is not None:
            _check_left(source, taken, given.quantity, given.unit)
        else:
            # Without a quantity an administration takes one container (a bag, a vial), or all that
            # remains of a lot counted otherwise, and records it (docs/traceability.md, "What an
            # administration takes").
            left = genealogy.remaining(source)
            dose = Decimal(1) if is_container(source.unit) else left
            if left <= 0 or dose > left:
                raise RuleViolation(
                    f"lot {source.number} has {plain(left)} {source.unit} left: nothing remains to administer"
                )
            given.quantity, given.unit = dose, source.unit
        ch.save(given)
    return given
