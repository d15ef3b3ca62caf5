"""Equipment: register it, record its qualification stages, set its regimes, and answer whether it may be used.

`usable` is the one place the rules of use live (EU GMP Chapter 3 §3.41, Part IV ch. 5 (Equipment) and ch. 10
(Qualification and validation), Annex 15 §3-§5): the equipment is of the class asked for, qualified and in
service, its calibration and maintenance are not overdue, and it is clean (within its clean hold time). Batch
execution and the logbook's use entry both ask it; each refusal starts with the rule's name.

Cleaning is between batches, not between the steps of one batch (Part IV ch. 9, 'prevention of
cross-contamination in production', and Annex 1 §4.34 ask for cleaning between batches and products, and within
validated hold times): a use leaves the equipment dirty for anything else, but the same batch's later steps may
use it again while the clean hold time of its last cleaning runs, provided nothing else used it since that
cleaning.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import IO, Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see
from atmp.files.services import store
from atmp.ledger import writer
from atmp.ledger.errors import Conflict
from atmp.manufacturing import due
from atmp.manufacturing.models import CleanStatus, EntryKind, Equipment, LogbookEntry, Product
from atmp.manufacturing.workflows.equipment import STAGES
from atmp.quality.services import edits
from atmp.trace.services import checks
from atmp.workflow import engine

# An equipment class: lowercase letters, digits and '_' (what a master batch record names, e.g. "bsc").
CLASS = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_INTERVAL_DAYS = 3660  # ten years: a longer interval is a typing error
MAX_HOLD_HOURS = 24 * 366

# The rules of use, by name, in the order usable() checks them.
RULES = (
    "retired",
    "wrong class",
    "not qualified",
    "calibration overdue",
    "maintenance overdue",
    "not clean",
    "changeover missing",
)


def checked_class(value: Any, field: str = "equipment_class") -> str:
    """Return an equipment class (lowercase letters, digits, '_'), or refuse it naming the field."""
    text = edits.text(value, field, required=True, limit=40).lower()
    if not CLASS.match(text):
        raise InvalidInput(field, f"{text!r}: lowercase letters, digits and '_' only, starting with a letter")
    return text


def interval(value: Any, field: str, *, limit: int = MAX_INTERVAL_DAYS) -> int | None:
    """Return a positive whole number (days or hours) up to the limit, None for none, or refuse it."""
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(field, f"{value!r} is not a whole number") from None
    if not 1 <= number <= limit:
        raise InvalidInput(field, f"must be between 1 and {limit}")
    return number


def checked_endpoint(value: Any) -> str:
    """Return the OPC UA endpoint in canonical form ('' for none), or refuse it naming `opcua_endpoint`."""
    from atmp.manufacturing.opcua import endpoint_url

    text = edits.text(value, "opcua_endpoint", limit=200)
    if not text:
        return ""
    try:
        return endpoint_url(text)
    except InvalidInput as exc:
        raise InvalidInput("opcua_endpoint", str(exc).partition(": ")[2]) from None


def register_equipment(
    *,
    actor: User,
    code: str,
    name: str,
    equipment_class: str,
    site: Site,
    location: str = "",
    calibration_interval_days: Any = None,
    maintenance_interval_days: Any = None,
    cleaning_required: bool = True,
    clean_hold_hours: Any = None,
    opcua_endpoint: str = "",
    reason: str = "",
) -> Equipment:
    """Register a piece of equipment at a site, in commissioning (not yet usable), dirty until first cleaned."""
    edits.check_writer(actor, Equipment, site=site)
    equipment = Equipment(
        code=checks.code(code, "code", limit=40),
        name=edits.text(name, "name", required=True, limit=200),
        equipment_class=checked_class(equipment_class),
        site=site,
        location=edits.text(location, "location", limit=200),
        calibration_interval_days=interval(calibration_interval_days, "calibration_interval_days"),
        maintenance_interval_days=interval(maintenance_interval_days, "maintenance_interval_days"),
        cleaning_required=bool(cleaning_required),
        clean_hold_hours=interval(clean_hold_hours, "clean_hold_hours", limit=MAX_HOLD_HOURS),
        opcua_endpoint=checked_endpoint(opcua_endpoint),
    )
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()  # two people registering the same asset code at once: the second is refused by name
        if Equipment._base_manager.filter(code=equipment.code).exists():
            raise Conflict(f"code: there is already equipment {equipment.code}")
        ch.save(equipment)
    return equipment


def set_regimes(
    *,
    actor: User,
    equipment: Equipment,
    reason: str,
    version: int | None = None,
    **values: Any,
) -> Equipment:
    """Change the location, class, intervals or cleaning regime; the due dates are computed again."""
    edits.check_may_edit(actor, equipment, version=version)
    allowed = {
        "name": lambda v: edits.text(v, "name", required=True, limit=200),
        "location": lambda v: edits.text(v, "location", limit=200),
        "equipment_class": checked_class,
        "calibration_interval_days": lambda v: interval(v, "calibration_interval_days"),
        "maintenance_interval_days": lambda v: interval(v, "maintenance_interval_days"),
        "cleaning_required": bool,
        "clean_hold_hours": lambda v: interval(v, "clean_hold_hours", limit=MAX_HOLD_HOURS),
        "opcua_endpoint": checked_endpoint,
    }
    checked = edits.check_fields(values, allowed)
    for name, value in checked.items():
        setattr(equipment, name, value)
    checked["calibration_due"] = due.due_date(equipment.last_calibrated, equipment.calibration_interval_days)
    checked["maintenance_due"] = due.due_date(equipment.last_maintained, equipment.maintenance_interval_days)
    return edits.apply(actor=actor, record=equipment, values=checked, reason=reason)


def record_qualification_stage(
    *,
    actor: User,
    equipment: Equipment,
    stage: str,
    done_on: dt.date | str,
    report: IO[bytes],
    report_name: str,
    reason: str = "",
    note: str = "",
) -> LogbookEntry:
    """Record an IQ, OQ or PQ: its date and its report (stored, hashed), with a logbook entry, in one change."""
    edits.check_may_edit(actor, equipment, version=None, states=("commissioning", "out_of_service"))
    stage = edits.choice(str(stage).lower(), "stage", STAGES)
    day = edits.date(done_on, "done_on", required=True)
    assert day is not None  # required
    if day > engine.today():
        raise InvalidInput("done_on", "cannot be in the future")
    note = edits.text(note, "note")
    with writer.change(actor=actor, reason=reason or f"{stage.upper()} of {equipment.code}") as ch:
        stored = store(actor=actor, stream=report, name=report_name, site=equipment.site, reason=ch.reason)
        setattr(equipment, f"{stage}_date", day)
        setattr(equipment, f"{stage}_report", stored)
        ch.save(equipment)
        entry = LogbookEntry(
            equipment=equipment,
            kind=EntryKind.QUALIFICATION,
            at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
            purpose=stage.upper(),
            note=note,
            report=stored,
        )
        ch.save(entry)
    return entry


def qualify(*, actor: User, equipment: Equipment, password: str, reason: str, otp: str | None = None) -> Equipment:
    """Approve the equipment's qualification (QA, signed 'approved'): from now on it may be used."""
    engine.transition(actor, equipment, "qualify", reason=reason, password=password, otp=otp)
    return equipment


def overdue_rule(equipment: Equipment, on: dt.date) -> str | None:
    """Return the rule broken by overdue (or never done) calibration or maintenance on the day, or None."""
    if due.is_overdue(equipment.calibration_due, on, required=equipment.calibration_interval_days is not None):
        if equipment.calibration_due is None:
            return f"calibration overdue: {equipment.code} has never been calibrated"
        return (
            f"calibration overdue: {equipment.code} was due for calibration on {equipment.calibration_due.isoformat()}"
        )
    if due.is_overdue(equipment.maintenance_due, on, required=equipment.maintenance_interval_days is not None):
        if equipment.maintenance_due is None:
            return f"maintenance overdue: {equipment.code} has never been maintained"
        return (
            f"maintenance overdue: {equipment.code} was due for maintenance on {equipment.maintenance_due.isoformat()}"
        )
    return None


def equipment_changeover_missing(equipment: Equipment, product: Product, *, on: dt.datetime) -> str | None:
    """Return the changeover rule broken when the equipment was last used for another product or GMO class.

    EU GMP Part IV ch. 9 (Production), 'prevention of cross-contamination in production', as for rooms: a
    cabinet that served one product, or one GMO class, gets a changeover cleaning before another. A use recorded
    without a product (a balance's weighing, media preparation) is not taken as another product's.
    """
    last = (
        LogbookEntry.objects.filter(equipment=equipment, kind=EntryKind.USE, voided=False, at__lte=on)
        .exclude(product=None)
        .select_related("product")
        .order_by("-at", "-pk")
        .first()
    )
    if last is None or last.product is None:
        return None
    if last.product_id == product.pk and last.gmo_class == product.gmo_class:
        return None
    done = LogbookEntry.objects.filter(
        equipment=equipment, kind=EntryKind.CLEANING, changeover=True, voided=False, at__gte=last.at, at__lte=on
    )
    if done.exists():
        return None
    gmo = "not a GMO" if last.gmo_class == "none" else f"GMO class {last.gmo_class}"
    return (
        f"changeover missing: {equipment.code} was last used for {last.product.code} ({gmo}) at "
        f"{last.at.isoformat(timespec='minutes')}; a changeover cleaning is needed before {product.code}"
    )


def dirty_rule(equipment: Equipment, *, on: dt.datetime, batch: str = "") -> str | None:
    """Return the `not clean` rule dirty equipment breaks for the batch, or None when only that batch dirtied it."""
    uses = LogbookEntry.objects.filter(equipment=equipment, kind=EntryKind.USE, voided=False, at__lte=on)
    if equipment.cleaned_at is not None:
        uses = uses.filter(at__gte=equipment.cleaned_at)
    by = set(uses.values_list("batch", flat=True))
    if batch and by == {batch}:
        return None
    last = uses.order_by("-at", "-pk").first()
    if last is not None and last.batch:
        return f"not clean: {equipment.code} is dirty from batch {last.batch}; clean it before use"
    return f"not clean: {equipment.code} is dirty; clean it before use"


def usable(
    equipment: Equipment,
    *,
    on: dt.datetime,
    equipment_class: str | None = None,
    product: Product | None = None,
    batch: str = "",
) -> str | None:
    """Return why the equipment may not be used at the moment (the rule named first), or None when it may.

    With a product, equipment last used for another product or GMO class needs a changeover cleaning.
    With a batch, dirty equipment that only this batch used since its cleaning stays usable by it.
    """
    if equipment.voided or equipment.status == "retired":
        return f"retired: {equipment.code} is {'voided' if equipment.voided else 'retired'}"
    if equipment_class is not None and equipment.equipment_class != equipment_class:
        return f"wrong class: {equipment.code} is a {equipment.equipment_class}, the step needs a {equipment_class}"
    if equipment.status != "qualified":
        return f"not qualified: {equipment.code} is {equipment.state_label().lower()}; only qualified equipment is used"
    overdue = overdue_rule(equipment, on.date())
    if overdue:
        return overdue
    if equipment.cleaning_required:
        if equipment.clean_status != CleanStatus.CLEAN:
            dirty = dirty_rule(equipment, on=on, batch=batch)
            if dirty:
                return dirty
        if equipment.clean_until is not None and on > equipment.clean_until:
            until = equipment.clean_until.isoformat(timespec="minutes")
            return f"not clean: {equipment.code}'s cleaning expired at {until}; clean it again before use"
    if product is not None:
        return equipment_changeover_missing(equipment, product, on=on)
    return None


def find_equipment(code: str, *, field: str = "equipment", user: User | None = None) -> Equipment:
    """Return the live equipment of the code (one the user may see), or refuse naming the field."""
    found = Equipment.objects.select_related("site").filter(code=str(code).strip(), voided=False).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no equipment {code!r}")
    return found
