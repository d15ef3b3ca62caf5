"""Batches, their steps and entries as documents: what the API answers and the CLI prints with --json."""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.manufacturing.models import Batch, BatchEntry, BatchStep
from atmp.manufacturing.selectors.batches import BatchException, entries_by_step, entries_of, is_verified, verified_ids


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def entry_document(e: BatchEntry, *, verified: bool | None = None) -> dict[str, Any]:
    """Return an entry as the API shows it (`verified` when the caller read it already for many)."""
    row = e.parameter or e.control or e.material
    name = getattr(row, "name", None) or (e.material.material.code if e.material else "")
    return {
        "id": e.pk,
        "record": e.record_key,
        "kind": e.kind,
        "name": name,
        "value": e.value,
        "unit": e.unit,
        "converted": e.converted,
        "amount": None if e.amount is None else f"{e.amount.normalize():f}",
        "flag": e.flag,
        "flag_label": e.get_flag_display(),
        "acknowledged": e.acknowledged,
        "late": e.late,
        "observed_at": e.observed_at.isoformat(),
        "at": e.at.isoformat(),
        "by": e.created_by.ledger_name() if e.created_by else None,
        "supersedes": e.supersedes_id,
        "correction_reason": e.correction_reason,
        "deviation": e.deviation.number if e.deviation else None,
        "lot": e.lot.number if e.lot else None,
        "source": e.source,
        "verified": is_verified(e) if verified is None else verified,
    }


def _entries(step: BatchStep) -> list[dict[str, Any]]:
    rows = entries_of(step)
    verified = verified_ids(rows)
    return [entry_document(e, verified=e.pk in verified) for e in rows]


def step_document(
    s: BatchStep, *, entries: bool = False, read: tuple[list[BatchEntry], set[int]] | None = None
) -> dict[str, Any]:
    """Return a step as the API shows it (with its entries, superseded ones included, when asked).

    `read` is the step's entries and the verified ids among them when the caller read them for many steps.
    """
    return {
        "id": s.pk,
        "record": s.record_key,
        "number": s.number,
        "title": s.mbr_step.title,
        "progress": s.progress,
        "operator": s.operator.ledger_name() if s.operator else None,
        "started_at": _time(s.started_at),
        "ended_at": _time(s.ended_at),
        "room": s.room.code if s.room else None,
        "equipment": list(s.equipment),
        "entries": None
        if not entries
        else _entries(s)
        if read is None
        else [entry_document(e, verified=e.pk in read[1]) for e in read[0]],
    }


def batch_document(
    b: Batch,
    *,
    entries: bool = False,
    read: tuple[list[BatchStep], dict[int, list[BatchEntry]]] | None = None,
) -> dict[str, Any]:
    """Return a batch as the API shows it (its steps' entries read in two queries for all steps).

    `read` is every step of the batch (steps_of) and its entries (entries_by_step) when the caller read
    them already, for the exceptions too (the batch page).
    """
    if read is None:
        steps = list(b.steps.filter(voided=False).select_related("mbr_step", "room", "operator").order_by("number"))
        by_step = entries_by_step(b) if entries and steps else {}
    else:
        steps, by_step = [s for s in read[0] if not s.voided], read[1] if entries else {}
    verified = verified_ids([e for rows in by_step.values() for e in rows])
    return {
        "id": b.pk,
        "record": b.record_key,
        "version": b.version,
        "number": b.number,
        "status": b.status,
        "product": b.product.code,
        "site": b.site.code,
        "mbr": b.mbr_id,
        "patient": b.patient.coi if b.patient else None,
        "output_lot": b.output_lot.number,
        "steps": [step_document(s, entries=entries, read=(by_step.get(s.pk, []), verified)) for s in steps],
    }


def exception_document(x: BatchException) -> dict[str, Any]:
    """Return an exception of review as the API shows it."""
    return {"kind": x.kind, "text": x.text, "record": x.record_key, "at": x.at.isoformat()}
