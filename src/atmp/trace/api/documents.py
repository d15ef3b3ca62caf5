"""The JSON documents of traceability records and traces, shared by the API and the CLI."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from atmp.api.schemas import bounded
from atmp.ledger.records import rfc3339
from atmp.trace import retention
from atmp.trace.models import Administration, Lot, Material, Person, Use
from atmp.trace.selectors import genealogy
from atmp.trace.selectors.genealogy import Trace, TracedLot
from atmp.trace.selectors.recall import Impact, ImpactedLot
from atmp.trace.services.recalls import Opened
from atmp.trace.units import plain


def _integer_as_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# A quantity in a JSON body: decimal text ("0.25"), or an integer; never a float (binary, inexact).
QuantityIn = Annotated[
    str,
    BeforeValidator(_integer_as_text),
    bounded(40),
    Field(description='A decimal as text, e.g. "500" or "0.25" (at most 3 places), or an integer.'),
]


def _common(record: Any) -> dict[str, Any]:
    return {"id": record.pk, "record": record.record_key, "version": record.version}


def _kept_until(record: Any) -> dict[str, Any]:
    """Return the record's retention end (ISO date; None while a lot it leads to has no expiry date)."""
    ends = retention.retention_end(record)
    return {"retention_end": ends.isoformat() if ends else None}


def material_document(m: Material) -> dict[str, Any]:
    """Return a material as MaterialOut."""
    return {
        **_common(m),
        "code": m.code,
        "name": m.name,
        "type": m.type,
        "unit": m.unit,
        "storage": m.storage,
        "gtin": m.gtin,
        "isbt128_product_code": m.isbt128_product_code,
    }


def lot_document(lot: Lot) -> dict[str, Any]:
    """Return a lot as LotOut: its state, quantity and what remains of it (in its unit)."""
    return {
        **_common(lot),
        "status": lot.status,
        "status_label": lot.state_label(),
        "number": lot.number,
        "material": lot.material.code,
        "material_type": lot.material.type,
        "site": lot.site.code,
        "supplier": lot.supplier.number if lot.supplier is not None else None,
        "supplier_lot": lot.supplier_lot,
        "donor": lot.donor.coi if lot.donor is not None else None,
        "expiry_date": lot.expiry_date.isoformat() if lot.expiry_date else None,
        "quantity": plain(lot.quantity),
        "remaining": plain(genealogy.remaining(lot)),
        "unit": lot.unit,
        "location": lot.location,
        "received_at": rfc3339(lot.received_at),
        **_kept_until(lot),
    }


def person_document(p: Person) -> dict[str, Any]:
    """Return a person as PersonOut: the COI, the kind and the site, nothing else."""
    return {**_common(p), "coi": p.coi, "kind": p.kind, "site": p.site.code, **_kept_until(p)}


def use_document(u: Use) -> dict[str, Any]:
    """Return a use as UseOut."""
    return {
        **_common(u),
        "input": u.input.number,
        "output": u.output.number,
        "quantity": plain(u.quantity),
        "unit": u.unit,
        "at": rfc3339(u.at),
        "made_by": u.made_by,
        **_kept_until(u),
    }


def administration_document(a: Administration) -> dict[str, Any]:
    """Return an administration as AdministrationOut."""
    return {
        **_common(a),
        "lot": a.lot.number,
        "patient": a.patient.coi,
        "at": rfc3339(a.at),
        "quantity": None if a.quantity is None else plain(a.quantity),
        "unit": a.unit,
        **_kept_until(a),
    }


def traced_lot_document(x: TracedLot) -> dict[str, Any]:
    """Return a lot a trace reached: its number, material, type, status, site and level."""
    return {
        "lot": x.number,
        "material": x.material,
        "type": x.type,
        "status": x.status,
        "site": x.site,
        "level": x.level,
    }


def trace_document(found: Trace, elapsed_ms: float) -> dict[str, Any]:
    """Return a trace: {"root", "lots", "patients" (forward) or "donors" (backward), "elapsed_ms"}."""
    people = "patients" if found.direction == "forward" else "donors"
    return {
        "root": found.root,
        "lots": [traced_lot_document(x) for x in found.lots],
        people: [{"coi": p.coi, "kind": p.kind, "site": p.site, "level": p.level} for p in found.persons],
        "elapsed_ms": elapsed_ms,
    }


def impacted_lot_document(x: ImpactedLot) -> dict[str, Any]:
    """Return a lot a recall reaches: as a trace shows it, with where its units are."""
    f, where = x.facts, x.where
    return {
        "lot": f.number,
        "material": f.material,
        "type": f.type,
        "status": f.status,
        "site": f.site,
        "level": f.level,
        "quantity": plain(f.quantity),
        "unit": f.unit,
        "whereabouts": {
            "places": where.places,
            "in_stock": {"quantity": plain(where.remaining), "site": where.site, "location": where.location}
            if where.in_stock
            else None,
            "consumed_into": [
                {"lot": u.lot, "quantity": plain(u.quantity), "unit": u.unit} for u in where.consumed_into
            ],
            "administered_to": [
                {"coi": p.coi, "quantity": None if p.quantity is None else plain(p.quantity), "unit": p.unit}
                for p in where.administered_to
            ],
            "shipped": [{"shipment": s.shipment, "consignee": s.consignee} for s in where.shipped],
        },
    }


def impact_document(found: Impact, elapsed_ms: float) -> dict[str, Any]:
    """Return a recall impact: {"root", "lots", "patients", "consignees", "elapsed_ms"}; persons by COI only."""
    return {
        "root": found.root,
        "lots": [impacted_lot_document(x) for x in found.lots],
        "patients": [{"coi": p.coi, "site": p.site} for p in found.patients],
        "consignees": [
            {"site": c.site, "kind": c.kind, "reference": c.reference, "lots": list(c.lots)} for c in found.consignees
        ],
        "elapsed_ms": elapsed_ms,
    }


def opened_recall_document(opened: Opened) -> dict[str, Any]:
    """Return what opening a recall did as RecallOpenedOut (the API's answer and the CLI's document)."""
    rc = opened.recall
    return {
        "id": rc.pk,
        "record": rc.record_key,
        "number": rc.number,
        "root": opened.impact.root,
        "recalled": opened.recalled,
        "rejected": opened.rejected,
        "unchanged": [number for number, _ in opened.unchanged],
    }
