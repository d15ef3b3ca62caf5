"""Chain of custody: ship lots, hand them over by scanning both sides, import the shipper's
temperature log, and administer at the bedside by scanning the patient and the product.

Rules (Regulation (EC) 1394/2007 Art. 15; EU GMP Part IV ch. 6 (Documentation), 'traceability data'): a shipment and a
courier's tracking identifier each name one shipment; a recalled, rejected, consumed, expired or
voided lot is never shipped, nor a quarantined one to a treatment centre or the bedside; two
patients' products never travel in one shipment. A scan that does not name what the hand-over
expects (a lot of the shipment, the COI of the person it belongs to) blocks it; so does the
bedside scan of a product made for another patient. A blocked attempt is not lost: it is saved as
a hand-over with outcome "blocked" and the rule, and a deviation is opened and linked to it, in
one audited change; then the refusal is raised (docs/adr/0017). A scan that cannot be read at all
(an unknown lot, a wrong check character) is bad input: nothing is written. A product made for no
one patient (allogeneic) is given only to the patient its last shipment was for. Hand-over times,
the sites of a shipment's two ends and the patient a shipment is for are checked in custody_checks.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see
from atmp.files.services import store_and_attach
from atmp.ledger import writer
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.quality.models.deviations import Deviation
from atmp.quality.selectors.deviations import linked_deviations
from atmp.quality.services import edits
from atmp.quality.services.deviations import open_deviation
from atmp.trace import temperature
from atmp.trace.models import (
    Administration,
    Handover,
    HandoverOutcome,
    Lot,
    Person,
    Shipment,
    ShipmentLot,
    Stage,
    TemperatureLog,
)
from atmp.trace.selectors import scan
from atmp.trace.selectors.intended import intended_patient, last_shipment
from atmp.trace.selectors.labels import patient_of
from atmp.trace.services import checks
from atmp.trace.services.custody_checks import (
    CLOCK_SKEW,
    check_order,
    destination_site_named,
    handover_site,
    party_site,
    patient_named,
)
from atmp.trace.services.genealogy import _locked, administer, may_give, mix_up, usable_on
from atmp.workflow import links

# Stages a lot still in quarantine may travel to: it is made, tested and stored before release
# (apheresis to the manufacturing site, samples to QC); it reaches a patient only released.
QUARANTINE_ALLOWED = frozenset({Stage.COLLECTION, Stage.COURIER, Stage.MANUFACTURING, Stage.QC, Stage.STORAGE})
NEVER_SHIPPED = frozenset({"recalled", "rejected", "consumed", "expired"})
MAX_LOG_BYTES = 20 * 1024 * 1024


class HandoverBlocked(RuleViolation):
    """A hand-over or administration refused by a mismatched scan; the blocked attempt and its deviation are saved."""

    def __init__(self, message: str, *, handover: Handover, deviation: Deviation, field: str) -> None:
        super().__init__(
            f"{field}: {message}; blocked: the attempt is recorded ({handover.record_key}) "
            f"and deviation {deviation.number} is opened"
        )
        self.handover = handover
        self.deviation = deviation
        self.field = field


# --- shipments ------------------------------------------------------------------------------


def _temperature(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(field, f"{value!r} is not a temperature in °C") from None
    if not number.is_finite() or not temperature.COLD <= number <= temperature.HOT:
        raise InvalidInput(field, f"{value!r} °C is outside {temperature.COLD}…{temperature.HOT} °C")
    return number.quantize(Decimal("0.01"))


def owner_of(lot: Lot) -> Person | None:
    """Return the person a lot belongs to: its donor, or the patient it is made for (autologous), or None."""
    if lot.donor_id is not None:
        return lot.donor
    return patient_of(lot)


def shippable(lot: Lot, stage: str, day: dt.date) -> str | None:
    """Return the rule that forbids shipping the lot to a stage on the day, or None."""
    if lot.voided:
        return f"lot {lot.number} is voided"
    if lot.status == "recalled":
        return f"lot {lot.number} is recalled: a recalled lot is never shipped"
    if lot.status in NEVER_SHIPPED:
        return f"lot {lot.number} is {lot.state_label().lower()}: it is not shipped"
    if lot.status == "quarantine":
        if stage in QUARANTINE_ALLOWED:
            return None
        return f"lot {lot.number} is in quarantine: only a released lot is shipped to the {Stage(stage).label.lower()}"
    return usable_on(lot, day, what="shipped")


def ship(
    *,
    actor: User,
    number: str,
    lots: list[Lot],
    origin: str,
    destination: str,
    destination_stage: str,
    tracking: str = "",
    courier: str = "",
    temperature_low: Decimal | str | None = None,
    temperature_high: Decimal | str | None = None,
    shipped_at: dt.datetime | str | None = None,
    destination_site: Site | str | None = None,
    patient: Person | str | None = None,
    reason: str = "",
) -> Shipment:
    """Record a shipment of lots under its unique shipment and tracking identifiers; refuse a lot that may not go.

    With patient, the shipment is for that patient: an allogeneic product (made for no patient) is
    then given at the bedside to them alone; a lot that belongs to another person is refused.
    """
    if not lots:
        raise InvalidInput("lots", "name at least one lot the shipment carries")
    if len({lot.pk for lot in lots}) != len(lots):
        raise InvalidInput("lots", "a lot is named twice")
    site = lots[0].site
    edits.check_writer(actor, Shipment, site=site)
    for lot in lots:
        if not can_see(actor, lot):
            raise InvalidInput("lots", f"there is no lot {lot.number}")
    low, high = _temperature(temperature_low, "temperature_low"), _temperature(temperature_high, "temperature_high")
    if (low is None) != (high is None):
        raise InvalidInput("temperature_high" if high is None else "temperature_low", "give both ends of the range")
    if low is not None and high is not None and low >= high:
        raise InvalidInput("temperature_high", f"{high} °C is not above the low end {low} °C")
    shipment = Shipment(
        number=checks.code(number, "number", limit=60),
        tracking=checks.code(tracking, "tracking", limit=60) if str(tracking or "").strip() else "",
        site=site,
        courier=edits.text(courier, "courier", limit=200),
        origin=edits.text(origin, "origin", required=True, limit=200),
        destination=edits.text(destination, "destination", required=True, limit=200),
        destination_stage=edits.choice(destination_stage, "destination_stage", Stage.values),
        temperature_low=low,
        temperature_high=high,
        shipped_at=checks.moment(shipped_at, "shipped_at"),
        destination_site=destination_site_named(destination_site, site),
    )
    recipient = patient_named(patient, actor)
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()  # the identifiers are checked against what is stored: one shipment at a time
        if Shipment._base_manager.filter(number=shipment.number).exists():
            raise Conflict(f"number: there is already a shipment {shipment.number}; a shipment identifier names one")
        if shipment.tracking and Shipment._base_manager.filter(tracking=shipment.tracking).exists():
            raise Conflict(
                f"tracking: tracking identifier {shipment.tracking} is already another shipment's; it names one"
            )
        owners: dict[int, Person] = {}
        stored = [_locked(lot) for lot in lots]
        for lot in stored:
            broken = shippable(lot, shipment.destination_stage, shipment.shipped_at.date())
            if broken:
                raise RuleViolation(f"lots: {broken}")
            owner = owner_of(lot)
            if owner is not None:
                owners[owner.pk] = owner
        if len(owners) > 1:
            cois = ", ".join(sorted(p.coi for p in owners.values()))
            raise RuleViolation(f"lots: they belong to {cois}: two persons' products never travel in one shipment")
        if recipient is not None:
            for lot in stored:
                owner = owner_of(lot)
                if owner is not None and owner.pk != recipient.pk:
                    whose = f"is made for {owner.coi}" if owner.kind == "patient" else f"is the donation of {owner.coi}"
                    raise RuleViolation(
                        f"lots: lot {lot.number} {whose}, not for the patient it is shipped for, {recipient.coi}"
                    )
        shipment.person = recipient or next(iter(owners.values()), None)
        ch.save(shipment)
        for lot in stored:
            ch.save(ShipmentLot(shipment=shipment, lot=lot))
    return shipment


def lots_of(shipment: Shipment) -> list[Lot]:
    """Return the lots a shipment carries, in the order they were added."""
    return [
        item.lot
        for item in ShipmentLot.objects.filter(shipment=shipment, voided=False)
        .select_related("lot", "lot__material")
        .order_by("pk")
    ]


def find_shipment(identifier: str, *, field: str = "shipment", user: User | None = None) -> Shipment:
    """Return the shipment of a shipment or tracking identifier (one the user may see), or refuse naming the field."""
    text = str(identifier).strip()
    found = (
        Shipment.objects.select_related("site", "person", "destination_site").filter(number=text, voided=False).first()
        or Shipment.objects.select_related("site", "person", "destination_site")
        .filter(tracking=text, voided=False)
        .exclude(tracking="")
        .first()
    )
    if not text or found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no shipment {identifier!r}")
    return found


# --- scans and blocked attempts ---------------------------------------------------------------


@dataclass(frozen=True)
class _Side:
    """One side's scan: the text read, and the lot number and COI it named."""

    text: str
    lot: Lot | None
    coi: str


def _read(text: str, field: str, actor: User, shipment: Shipment | None = None) -> _Side:
    """Read a scan as the actor sees the records; at a shipment's hand-over, against every site's lots and COIs.

    The product in hand is what its label says wherever it was registered: a user of the destination
    site scans the shipping site's lots, and a scan naming another site's product is a mix-up to
    block, not an unreadable scan.
    """
    try:
        found = scan.read(text, viewer=actor)
    except scan.ScanRefused as exc:
        refused = InvalidInput(field + exc.field.removeprefix("scan"), str(exc).split(": ", 1)[-1])
        if shipment is None:
            raise refused from None
        try:
            found = scan.read(text)
        except scan.ScanRefused:
            raise refused from None
    person = found.person
    return _Side(text=str(text).strip(" \t\r\n"), lot=found.lot, coi=person.coi if person is not None else "")


def _read_product(text: str, actor: User) -> _Side:
    """Read the bedside's product scan as the actor sees the records, or, at a site of ours a shipment
    brought it to, as the shipping site registered it (genealogy.may_give; docs/adr/0017, amendment)."""
    try:
        return _read(text, "product_scan", actor)
    except InvalidInput:
        try:
            found = scan.read(text)
        except scan.ScanRefused:
            found = None
        if found is None or found.lot is None or not may_give(actor, found.lot):
            raise
    person = found.person
    return _Side(text=str(text).strip(" \t\r\n"), lot=found.lot, coi=person.coi if person is not None else "")


def _mismatch(side: _Side, lots: list[Lot], expected: str, who: str) -> str | None:
    """Return why a side's scan does not match the shipment's lots and expected COI, or None."""
    numbers = [lot.number for lot in lots]
    if side.lot is not None and side.lot.number not in numbers:
        return (
            f"the {who}'s scan names lot {side.lot.number}, which this shipment does not carry ({', '.join(numbers)})"
        )
    if side.coi and side.coi != expected:
        expects = f"COI {expected}" if expected else "no person's product"
        return f"the {who}'s scan names COI {side.coi}, but the shipment carries {expects}: a mix-up"
    if side.lot is None and not side.coi:
        return f"the {who}'s scan names neither a lot nor a COI"
    return None


def _block(ch: writer.Change, actor: User, attempt: Handover, rule: str, *, title: str) -> Deviation:
    """Save the attempt as a blocked hand-over and open the deviation that concerns it (joins the change)."""
    attempt.outcome = HandoverOutcome.BLOCKED
    attempt.rule = rule[:500]
    ch.save(attempt)
    deviation = open_deviation(
        actor=actor,
        site=attempt.site,
        title=title,
        description=(
            f"{attempt.get_stage_display()} at {attempt.place}, {attempt.from_party} → {attempt.to_party}: "
            f"{rule}. The hand-over was blocked and recorded as {attempt.record_key}."
        ),
        occurred_at=attempt.at,
        area=attempt.place,
        immediate_actions="Hand-over blocked by atmp; the product stays with the giver until QA decides.",
        source=attempt,
        reason=ch.reason,
    )
    if attempt.shipment is not None:
        links.link(actor=actor, source=deviation, target=attempt.shipment, relation="concerns", reason=ch.reason)
    return deviation


def held_because(shipment: Shipment) -> str | None:
    """Return why a shipment is held (an excursion whose deviation is not closed), or None."""
    for log in TemperatureLog.objects.filter(shipment=shipment, voided=False, excursion=True):
        open_ones = _open_deviations_of(log)
        if open_ones:
            return (
                f"shipment {shipment.number} is held: its temperature log {log.record_key} shows an excursion "
                f"and deviation {', '.join(open_ones)} is not closed"
            )
    return None


def _open_deviations_of(record: Any) -> list[str]:
    return [d.number for d in linked_deviations(record) if d.status not in ("closed", "cancelled")]


def _attempt(
    *,
    site: Site,
    stage: str,
    at: dt.datetime | str | None,
    place: str,
    from_party: str,
    to_party: str,
    condition: str,
) -> Handover:
    """Return an unsaved hand-over of the checked fields (the scans are added by the caller)."""
    return Handover(
        site=site,
        stage=edits.choice(stage, "stage", Stage.values),
        at=checks.moment(at, "at", skew=CLOCK_SKEW),
        place=edits.text(place, "place", required=True, limit=200),
        from_party=edits.text(from_party, "from_party", required=True, limit=200),
        to_party=edits.text(to_party, "to_party", required=True, limit=200),
        condition=edits.text(condition, "condition", limit=500),
    )


def record_handover(
    *,
    actor: User,
    shipment: Shipment,
    stage: str,
    giver_scan: str,
    receiver_scan: str,
    place: str,
    from_party: str,
    to_party: str,
    condition: str = "",
    at: dt.datetime | str | None = None,
    reason: str = "",
) -> Handover:
    """Hand a shipment over when both sides' scans match it; otherwise save the blocked attempt, open a
    deviation linked to it, and raise HandoverBlocked."""
    site = handover_site(actor, shipment, str(stage))
    edits.check_writer(actor, Handover, site=site)
    if shipment.voided:
        raise InvalidInput("shipment", f"shipment {shipment.number} is voided")
    attempt = _attempt(
        site=site,
        stage=stage,
        at=at,
        place=place,
        from_party=from_party,
        to_party=to_party,
        condition=condition,
    )
    if attempt.stage == Stage.BEDSIDE:
        raise InvalidInput("stage", "the bedside is reached by administering the product (administer_by_scan)")
    check_order(attempt, shipment)
    giver = _read(giver_scan, "giver_scan", actor, shipment)
    receiver = _read(receiver_scan, "receiver_scan", actor, shipment)
    lots = lots_of(shipment)
    expected = shipment.person.coi if shipment.person is not None else ""
    attempt.shipment = shipment
    attempt.expected_coi = expected
    attempt.giver_scan, attempt.giver_lot, attempt.giver_coi = giver.text, _number(giver.lot), giver.coi
    attempt.receiver_scan, attempt.receiver_lot, attempt.receiver_coi = (
        receiver.text,
        _number(receiver.lot),
        receiver.coi,
    )
    attempt.lot = giver.lot if giver.lot is not None and giver.lot in lots else None
    held = held_because(shipment)
    if held:
        raise RuleViolation(held)
    wrong = [
        (f, r)
        for f, r in (
            ("giver_scan", _mismatch(giver, lots, expected, "giver")),
            ("receiver_scan", _mismatch(receiver, lots, expected, "receiver")),
        )
        if r
    ]
    if not wrong and giver.coi and receiver.coi and giver.coi != receiver.coi:
        wrong = [("receiver_scan", f"the two sides scanned different COIs ({giver.coi}, {receiver.coi})")]
    if wrong:
        field, rule = wrong[0]
        with writer.change(actor=actor, reason=reason or "hand-over blocked by a mismatched scan") as ch:
            deviation = _block(ch, actor, attempt, rule, title=f"Mismatched scan at hand-over of {shipment.number}")
        raise HandoverBlocked(rule, handover=attempt, deviation=deviation, field=field)
    attempt.outcome = HandoverOutcome.ACCEPTED
    with writer.change(actor=actor, reason=reason) as ch:
        ch.save(attempt)
    return attempt


def _number(lot: Lot | None) -> str:
    return lot.number if lot is not None else ""


# --- temperature logs ----------------------------------------------------------------------------


def range_of(shipment: Shipment) -> tuple[Decimal, Decimal, str]:
    """Return the range a shipment's temperature is held to (°C) and where it comes from, or refuse."""
    if shipment.temperature_low is not None and shipment.temperature_high is not None:
        return shipment.temperature_low, shipment.temperature_high, f"shipment {shipment.number}"
    low, high, sources = temperature.COLD, temperature.HOT, []
    for lot in lots_of(shipment):
        stated = temperature.storage_range(lot.material.storage)
        if stated is None:
            raise InvalidInput(
                "temperature_low",
                f"shipment {shipment.number} has no range and material {lot.material.code}'s storage "
                f"({lot.material.storage or 'not stated'!s}) states none in °C: give the range",
            )
        low, high = max(low, stated[0]), min(high, stated[1])
        sources.append(f"material {lot.material.code} ({lot.material.storage})")
    if low >= high:
        raise InvalidInput(
            "temperature_low", f"the lots' storage conditions have no common range: {'; '.join(sources)}"
        )
    return low, high, "; ".join(dict.fromkeys(sources))[:200]


def import_temperature_log(
    *,
    actor: User,
    shipment: Shipment,
    stream: IO[bytes],
    name: str,
    reason: str = "",
) -> TemperatureLog:
    """Keep the shipper's CSV log with the shipment (atmp.files), summarise it against the shipment's
    range, and on an excursion open a deviation linked to the log and the shipment: it holds the shipment."""
    site = party_site(actor, shipment)
    edits.check_writer(actor, TemperatureLog, site=site)
    if shipment.voided:
        raise InvalidInput("shipment", f"shipment {shipment.number} is voided")
    data = stream.read(MAX_LOG_BYTES + 1)
    if len(data) > MAX_LOG_BYTES:
        raise InvalidInput("temperature_log", f"larger than {MAX_LOG_BYTES} bytes: split the log")
    try:
        readings = temperature.read_csv(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidInput("temperature_log", "not UTF-8 text: export the log as CSV") from None
    except temperature.LogError as exc:
        raise InvalidInput(exc.field, exc.message) from None
    low, high, source = range_of(shipment)
    summary = temperature.summarise(readings, low, high)
    why = reason or f"temperature log of shipment {shipment.number}"
    with writer.change(actor=actor, reason=why) as ch:
        attachment = store_and_attach(
            actor=actor, record=shipment, stream=io.BytesIO(data), name=name, reason=why, note="temperature log"
        )
        log = TemperatureLog(
            shipment=shipment,
            file=attachment.stored_file,
            low=low,
            high=high,
            range_from=source,
            readings=summary.readings,
            first_at=summary.first_at,
            last_at=summary.last_at,
            minimum=summary.minimum,
            maximum=summary.maximum,
            seconds_out_of_range=summary.seconds_out_of_range,
            excursion=summary.excursion,
        )
        ch.save(log)
        if summary.excursion:
            deviation = open_deviation(
                actor=actor,
                site=site,
                title=f"Temperature excursion in shipment {shipment.number}",
                description=(
                    f"The shipper's log {attachment.stored_file.name} has {summary.out_of_range} of "
                    f"{summary.readings} readings outside {low}…{high} °C ({source}), "
                    f"{summary.seconds_out_of_range} s in all; min {summary.minimum} °C, max {summary.maximum} °C."
                ),
                occurred_at=summary.first_at,
                area=shipment.destination,
                immediate_actions="Shipment held by atmp: no hand-over until this deviation is closed.",
                source=log,
                reason=why,
            )
            links.link(actor=actor, source=deviation, target=shipment, relation="concerns", reason=why)
    return log


def readings_of(log: TemperatureLog) -> list[tuple[dt.datetime, Decimal]]:
    """Return a kept log's readings, read again from its stored file."""
    from atmp.files.services import open_blob

    with open_blob(log.file) as blob:
        return temperature.read_csv(blob.read().decode("utf-8"))


# --- the bedside --------------------------------------------------------------------------------


def administer_by_scan(
    *,
    actor: User,
    patient_scan: str,
    product_scan: str,
    place: str,
    at: dt.datetime | str | None = None,
    given_by: str = "",
    reason: str = "",
) -> Administration:
    """Give a product at the bedside once the patient's wristband and the product's label are scanned and
    match; a product made for another patient is refused, the attempt recorded with a deviation."""
    patient_side = _read(patient_scan, "patient_scan", actor)
    product_side = _read_product(product_scan, actor)
    if patient_side.lot is not None or not patient_side.coi:
        raise InvalidInput("patient_scan", "scan the patient's wristband: it names a COI, not a lot")
    if product_side.lot is None:
        raise InvalidInput("product_scan", "scan the product's label: it names a lot")
    patient = Person.objects.select_related("site").get(coi=patient_side.coi, voided=False)
    lot = product_side.lot
    edits.check_writer(actor, Handover, site=patient.site)
    attempt = _attempt(
        site=patient.site,
        stage=Stage.BEDSIDE,
        at=at,
        place=place,
        from_party=given_by or actor.full_name or actor.username,
        to_party=f"patient {patient.coi}",
        condition="",
    )
    attempt.shipment = last_shipment(lot)
    if attempt.shipment is not None:
        check_order(attempt, attempt.shipment)
    attempt.lot = lot
    attempt.giver_scan, attempt.giver_lot, attempt.giver_coi = product_side.text, lot.number, product_side.coi
    attempt.receiver_scan, attempt.receiver_coi = patient_side.text, patient.coi
    # Made for one patient (autologous), or, made for none (allogeneic), shipped for one: no COI binds
    # such a bag to the wristband, so the shipment that brought it must name this patient (ADR 0017).
    meant = intended_patient(lot, attempt.shipment)
    if meant is None:
        how = f"its last shipment {attempt.shipment.number}" if attempt.shipment is not None else "it"
        raise RuleViolation(
            f"product_scan: lot {lot.number} is not made for one patient (allogeneic): it is given only to the "
            f"patient it was shipped for, and {how} was not shipped for a patient; ship it for {patient.coi}"
        )
    attempt.expected_coi = meant.patient.coi
    rule = mix_up(lot, patient, attempt.shipment)  # the rule every administration asks, in its words
    if rule is None and product_side.coi and product_side.coi != patient.coi:
        rule = f"the product's label names COI {product_side.coi}, not the patient scanned, {patient.coi}: a mix-up"
    if rule:
        with writer.change(actor=actor, reason=reason or "administration blocked by a mismatched scan") as ch:
            deviation = _block(ch, actor, attempt, rule, title=f"Mismatched scan at the bedside: lot {lot.number}")
        raise HandoverBlocked(rule, handover=attempt, deviation=deviation, field="product_scan")
    with writer.change(actor=actor, reason=reason) as ch:
        given = administer(actor=actor, lot=lot, patient=patient, at=attempt.at, reason=reason)
        attempt.outcome = HandoverOutcome.ACCEPTED
        attempt.administration = given
        ch.save(attempt)
    return given
