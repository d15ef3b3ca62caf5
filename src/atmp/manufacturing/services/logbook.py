"""The equipment logbook: every use, cleaning, calibration, maintenance and breakdown, as audited entries.

A use is refused by `usable` with the rule's name, and leaves equipment that is cleaned before use
dirty (for anything but the batch it was for, whose later steps may use it again within the clean
hold time: services.equipment.dirty_rule). A calibration result can ALWAYS be entered while the
equipment is not retired, even when it is overdue or out of service: otherwise an out-of-calibration
instrument could never come back (issue 14 §5). A failed calibration takes the equipment out of
service and opens a deviation linked to the entry and the equipment, in the same audited change as
the entry (the pattern of trace's blocked hand-over, docs/adr/0017); a breakdown takes it out of
service.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.files.services import store
from atmp.ledger import writer
from atmp.ledger.errors import RecordVoided, RuleViolation
from atmp.manufacturing import due
from atmp.manufacturing.models import CleanStatus, EntryKind, Equipment, LogbookEntry, Outcome, Product
from atmp.manufacturing.services.equipment import usable
from atmp.quality.models.deviations import Deviation
from atmp.quality.services import edits
from atmp.quality.services.deviations import open_deviation
from atmp.trace.services import checks
from atmp.workflow import engine, links


def _check(actor: User, equipment: Equipment) -> None:
    """Refuse an actor who may not write here, and retired or voided equipment."""
    if not actor.can(LogbookEntry.write_permission) or not can_see(actor, equipment):
        raise NotAllowed(f"your roles or sites do not allow writing in {equipment.code}'s logbook")
    if equipment.voided:
        raise RecordVoided(f"{equipment.record_key} is voided: its logbook takes no entries")
    if equipment.status == "retired":
        raise RuleViolation(f"retired: {equipment.code} is retired; its logbook takes no entries")


def _entry(equipment: Equipment, kind: str, at: Any, **fields: Any) -> LogbookEntry:
    return LogbookEntry(
        equipment=equipment,
        kind=kind,
        at=checks.moment(at, "at"),
        purpose=edits.text(fields.pop("purpose", ""), "purpose", limit=200),
        note=edits.text(fields.pop("note", ""), "note"),
        **fields,
    )


def _report(actor: User, equipment: Equipment, report: IO[bytes] | None, name: str, reason: str) -> Any:
    return None if report is None else store(actor=actor, stream=report, name=name, site=equipment.site, reason=reason)


def record_use(
    *,
    actor: User,
    equipment: Equipment,
    purpose: str,
    at: dt.datetime | str | None = None,
    equipment_class: str | None = None,
    note: str = "",
    reason: str = "",
    product: Product | None = None,
    batch: str = "",
) -> LogbookEntry:
    """Record a use of the equipment, refused with the rule's name when it may not be used; it is dirty after.

    With a product, the use records it and its GMO class, and another product's last use needs a
    changeover cleaning first. With a batch, that batch's later uses do not need a cleaning first.
    """
    _check(actor, equipment)
    entry = _entry(equipment, EntryKind.USE, at, purpose=purpose, note=note)
    entry.batch = edits.text(batch, "batch", limit=60)
    if not entry.purpose:
        raise InvalidInput("purpose", "must be filled in: say what it was used for (the batch, the step)")
    if product is not None:
        entry.product, entry.gmo_class = product, product.gmo_class
    refused = usable(equipment, on=entry.at, equipment_class=equipment_class, product=product, batch=entry.batch)
    if refused:
        raise RuleViolation(refused)
    with writer.change(actor=actor, reason=reason or f"use of {equipment.code}: {entry.purpose}") as ch:
        ch.save(entry)
        if equipment.cleaning_required and equipment.clean_status != CleanStatus.DIRTY:
            equipment.clean_status = CleanStatus.DIRTY
            ch.save(equipment)
    return entry


def record_cleaning(
    *,
    actor: User,
    equipment: Equipment,
    at: dt.datetime | str | None = None,
    note: str = "",
    reason: str = "",
    changeover: bool = False,
) -> LogbookEntry:
    """Record a cleaning (a changeover cleaning between products, if so): clean until its hold time or next use."""
    _check(actor, equipment)
    entry = _entry(equipment, EntryKind.CLEANING, at, note=note, changeover=bool(changeover))
    with writer.change(actor=actor, reason=reason or f"cleaning of {equipment.code}") as ch:
        ch.save(entry)
        # A cleaning entered late (for an earlier time) does not make clean what a later use made dirty.
        if equipment.cleaned_at is None or entry.at >= equipment.cleaned_at:
            equipment.clean_status = CleanStatus.CLEAN
            equipment.cleaned_at = entry.at
            equipment.clean_until = due.clean_until(entry.at, equipment.clean_hold_hours)
            ch.save(equipment)
    return entry


def record_maintenance(
    *,
    actor: User,
    equipment: Equipment,
    at: dt.datetime | str | None = None,
    note: str = "",
    report: IO[bytes] | None = None,
    report_name: str = "",
    reason: str = "",
) -> LogbookEntry:
    """Record a preventive maintenance done: the next one falls due one interval after it."""
    _check(actor, equipment)
    entry = _entry(equipment, EntryKind.MAINTENANCE, at, note=note, outcome=Outcome.PASSED)
    with writer.change(actor=actor, reason=reason or f"maintenance of {equipment.code}") as ch:
        entry.report = _report(actor, equipment, report, report_name, ch.reason)
        ch.save(entry)
        day = entry.at.date()
        if equipment.last_maintained is None or day > equipment.last_maintained:
            equipment.last_maintained = day
            equipment.maintenance_due = due.due_date(day, equipment.maintenance_interval_days)
            ch.save(equipment)
    return entry


def record_calibration(
    *,
    actor: User,
    equipment: Equipment,
    passed: bool,
    at: dt.datetime | str | None = None,
    note: str = "",
    report: IO[bytes] | None = None,
    report_name: str = "",
    reason: str = "",
) -> tuple[LogbookEntry, Deviation | None]:
    """Enter a calibration result, whatever the equipment's calibration status (never refused as overdue).

    Passed: the calibration is current again and the next one is due one interval later. Failed: the
    equipment goes out of service and a deviation is opened, linked to the entry and the equipment.
    """
    _check(actor, equipment)
    entry = _entry(
        equipment, EntryKind.CALIBRATION, at, note=note, outcome=Outcome.PASSED if passed else Outcome.FAILED
    )
    deviation = None
    with writer.change(actor=actor, reason=reason or f"calibration of {equipment.code}") as ch:
        entry.report = _report(actor, equipment, report, report_name, ch.reason)
        ch.save(entry)
        day = entry.at.date()
        if passed:
            if equipment.last_calibrated is None or day > equipment.last_calibrated:
                equipment.last_calibrated = day
                equipment.calibration_due = due.due_date(day, equipment.calibration_interval_days)
                ch.save(equipment)
        else:
            deviation = _failed(ch, actor, equipment, entry)
    return entry, deviation


def _failed(ch: writer.Change, actor: User, equipment: Equipment, entry: LogbookEntry) -> Deviation:
    """Take the equipment out of service and open the deviation about the failed calibration (joins the change)."""
    if equipment.status in ("commissioning", "qualified"):
        engine.transition(actor, equipment, "take_out_of_service", reason=f"failed calibration {entry.record_key}")
    deviation = open_deviation(
        actor=actor,
        site=equipment.site,
        title=f"Failed calibration of {equipment.code}",
        description=(
            f"{equipment} ({equipment.equipment_class}, {equipment.location or 'no location'}) failed its calibration "
            f"at {entry.at.isoformat(timespec='minutes')}: {entry.note or 'no detail given'}. It was taken out of "
            f"service by atmp; the impact on what it was used for since its last passed calibration "
            f"({equipment.last_calibrated or 'never'}) is to be assessed. Entry {entry.record_key}."
        ),
        occurred_at=entry.at,
        area=equipment.location,
        immediate_actions="Equipment taken out of service by atmp; it returns only with QA's signed approval.",
        source=entry,
        reason=ch.reason,
    )
    links.link(actor=actor, source=deviation, target=equipment, relation="concerns", reason=ch.reason)
    return deviation


def record_breakdown(
    *, actor: User, equipment: Equipment, note: str, at: dt.datetime | str | None = None, reason: str = ""
) -> LogbookEntry:
    """Record a breakdown: the equipment goes out of service until QA returns it."""
    _check(actor, equipment)
    entry = _entry(equipment, EntryKind.BREAKDOWN, at, note=note)
    if not entry.note:
        raise InvalidInput("note", "must be filled in: say what failed")
    with writer.change(actor=actor, reason=reason or f"breakdown of {equipment.code}") as ch:
        ch.save(entry)
        if equipment.status in ("commissioning", "qualified"):
            engine.transition(actor, equipment, "take_out_of_service", reason=ch.reason)
    return entry
