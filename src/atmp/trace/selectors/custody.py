"""Reading the chain of custody: a shipment with its lots, hand-overs and temperature logs, as the
API and CLI documents and as the custody page's timeline; the log's chart as SVG geometry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from atmp.ledger.records import rfc3339
from atmp.trace.models import Handover, Shipment, TemperatureLog
from atmp.trace.services.custody import linked_deviations, lots_of


def _common(record: Any) -> dict[str, Any]:
    return {"id": record.pk, "record": record.record_key, "version": record.version}


def _celsius(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def handover_document(h: Handover) -> dict[str, Any]:
    """Return a hand-over as HandoverOut."""
    return {
        **_common(h),
        "shipment": h.shipment.number if h.shipment is not None else None,
        "site": h.site.code,
        "stage": h.stage,
        "at": rfc3339(h.at),
        "place": h.place,
        "from_party": h.from_party,
        "to_party": h.to_party,
        "condition": h.condition,
        "giver_scan": {"lot": h.giver_lot or None, "coi": h.giver_coi or None},
        "receiver_scan": {"lot": h.receiver_lot or None, "coi": h.receiver_coi or None},
        "expected_coi": h.expected_coi or None,
        "outcome": h.outcome,
        "rule": h.rule,
        "deviations": [d.number for d in linked_deviations(h)],
    }


def log_document(log: TemperatureLog) -> dict[str, Any]:
    """Return a temperature log as TemperatureLogOut."""
    return {
        **_common(log),
        "shipment": log.shipment.number,
        "file": log.file.record_key,
        "name": log.file.name,
        "low": str(log.low),
        "high": str(log.high),
        "range_from": log.range_from,
        "readings": log.readings,
        "first_at": rfc3339(log.first_at),
        "last_at": rfc3339(log.last_at),
        "min": str(log.minimum),
        "max": str(log.maximum),
        "seconds_out_of_range": log.seconds_out_of_range,
        "excursion": log.excursion,
        "deviations": [d.number for d in linked_deviations(log)],
    }


def shipment_document(s: Shipment) -> dict[str, Any]:
    """Return a shipment as ShipmentOut, with its lots, hand-overs and logs."""
    return {
        **_common(s),
        "number": s.number,
        "tracking": s.tracking or None,
        "site": s.site.code,
        "courier": s.courier,
        "origin": s.origin,
        "destination": s.destination,
        "destination_stage": s.destination_stage,
        "destination_site": s.destination_site.code if s.destination_site is not None else None,
        "coi": s.person.coi if s.person is not None else None,
        "temperature_low": _celsius(s.temperature_low),
        "temperature_high": _celsius(s.temperature_high),
        "shipped_at": rfc3339(s.shipped_at),
        "lots": [lot.number for lot in lots_of(s)],
        "handovers": [handover_document(h) for h in handovers_of(s)],
        "temperature_logs": [log_document(x) for x in logs_of(s)],
    }


def handovers_of(shipment: Shipment) -> list[Handover]:
    """Return a shipment's hand-overs, accepted and blocked, in time order (its bedside ones too)."""
    return list(
        Handover.objects.filter(shipment=shipment, voided=False).select_related("shipment", "site").order_by("at", "pk")
    )


def logs_of(shipment: Shipment) -> list[TemperatureLog]:
    """Return a shipment's temperature logs, oldest first."""
    return list(
        TemperatureLog.objects.filter(shipment=shipment, voided=False).select_related("file", "shipment").order_by("pk")
    )


# --- the log's chart -------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A temperature log drawn in a 600 × 200 box: the band, the line, the points out of range, the axes' labels."""

    width: int
    height: int
    band_y: float
    band_height: float
    points: str
    outside: list[tuple[float, float]]
    y_labels: list[tuple[float, str]]
    x_labels: list[tuple[float, str, str]]  # x, label, which end of the axis (start or end)


def chart(readings: list[tuple[dt.datetime, Decimal]], low: Decimal, high: Decimal) -> Chart:
    """Return the geometry of a log's chart with its acceptable range as a band."""
    width, height, left, right, top, bottom = 600, 200, 48, 8, 8, 24
    temps = [float(c) for _, c in readings]
    band_low, band_high = max(float(low), min(temps) - 5), min(float(high), max(temps) + 5)
    lowest, highest = min(*temps, band_low), max(*temps, band_high)
    span = (highest - lowest) or 1.0
    lowest, highest = lowest - span * 0.1, highest + span * 0.1
    start, end = readings[0][0], readings[-1][0]
    seconds = (end - start).total_seconds() or 1.0

    def x(at: dt.datetime) -> float:
        return round(left + (at - start).total_seconds() / seconds * (width - left - right), 1)

    def y(c: float) -> float:
        return round(top + (highest - c) / (highest - lowest) * (height - top - bottom), 1)

    ticks = [lowest + (highest - lowest) * i / 4 for i in range(5)]
    return Chart(
        width=width,
        height=height,
        band_y=y(band_high),
        band_height=round(y(band_low) - y(band_high), 1),
        points=" ".join(f"{x(at)},{y(float(c))}" for at, c in readings),
        outside=[(x(at), y(float(c))) for at, c in readings if not low <= c <= high],
        y_labels=[(y(t), f"{t:.1f}") for t in ticks],
        x_labels=[(x(start), start.strftime("%d %H:%M"), "start"), (x(end), end.strftime("%d %H:%M"), "end")],
    )
