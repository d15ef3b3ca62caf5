"""The JSON documents of manufacturing records, shared by the API and `--json` of the CLI."""

from __future__ import annotations

from typing import Any

from atmp.ledger import clock
from atmp.manufacturing.models import Equipment, LogbookEntry, ProcessVersion, Product
from atmp.manufacturing.selectors.equipment import due_state
from atmp.manufacturing.selectors.processes import introducing_changes
from atmp.manufacturing.services.equipment import usable


def _common(record: Any) -> dict[str, Any]:
    return {"id": record.pk, "record": record.record_key, "version": record.version}


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def product_document(p: Product) -> dict[str, Any]:
    """Return a product as ProductOut."""
    return {
        **_common(p),
        "code": p.code,
        "name": p.name,
        "atmp_class": p.atmp_class,
        "vector_type": p.vector_type,
        "origin": p.origin,
        "gmo_class": p.gmo_class,
        "containment_level": p.containment_level,
        "description": p.description,
    }


def version_document(v: ProcessVersion) -> dict[str, Any]:
    """Return a process version as ProcessVersionOut, with the change controls that introduced it."""
    return {
        **_common(v),
        "product": v.product.code,
        "site": v.site.code,
        "number": v.number,
        "title": v.title,
        "description": v.description,
        "status": v.status,
        "effective_from": _day(v.effective_from),
        "change_controls": [c.number for c in introducing_changes(v)],
    }


def equipment_document(e: Equipment) -> dict[str, Any]:
    """Return equipment as EquipmentOut: its regimes, due dates and states, and whether it may be used now."""
    now = clock.now()
    return {
        **_common(e),
        "code": e.code,
        "name": e.name,
        "equipment_class": e.equipment_class,
        "site": e.site.code,
        "location": e.location,
        "status": e.status,
        "qualification": {
            s: {"date": _day(getattr(e, f"{s}_date")), "report": _file(getattr(e, f"{s}_report"))}
            for s in ("iq", "oq", "pq")
        },
        "calibration": {
            "interval_days": e.calibration_interval_days,
            "last": _day(e.last_calibrated),
            "due": _day(e.calibration_due),
            "state": due_state(e.calibration_due, e.calibration_interval_days, now.date()),
        },
        "maintenance": {
            "interval_days": e.maintenance_interval_days,
            "last": _day(e.last_maintained),
            "due": _day(e.maintenance_due),
            "state": due_state(e.maintenance_due, e.maintenance_interval_days, now.date()),
        },
        "cleaning": {
            "required": e.cleaning_required,
            "hold_hours": e.clean_hold_hours,
            "status": e.clean_status,
            "cleaned_at": e.cleaned_at.isoformat() if e.cleaned_at else None,
            "clean_until": e.clean_until.isoformat() if e.clean_until else None,
        },
        "opcua_endpoint": e.opcua_endpoint,
        "refused": usable(e, on=now),
    }


def _file(stored: Any) -> dict[str, Any] | None:
    return None if stored is None else {"record": stored.record_key, "name": stored.name, "sha256": stored.sha256}


def entry_document(x: LogbookEntry) -> dict[str, Any]:
    """Return a logbook entry as LogbookEntryOut."""
    return {
        **_common(x),
        "equipment": x.equipment.code,
        "kind": x.kind,
        "at": x.at.isoformat(),
        "by": x.created_by.username if x.created_by is not None else None,
        "outcome": x.outcome,
        "purpose": x.purpose,
        "note": x.note,
        "report": _file(x.report),
        "product": x.product.code if x.product is not None else None,
        "gmo_class": x.gmo_class,
        "changeover": x.changeover,
    }
