"""A shipper's temperature log read from CSV, held to a range in °C: no Django, no database.

    readings = read_csv(text)                      # [(time, °C), …] in time order, or LogError
    summary = summarise(readings, low, high)       # min, max, seconds out of range, excursion
    span = storage_range("-80 °C ± 10 °C")          # (-90, -70), or None when the text states no range

A log is a header row naming a time column ("time", "date", "timestamp"…) and a temperature column
("temp", "°C", "celsius"…), then one reading per row, comma, semicolon or tab separated. Times are
ISO 8601 (a time without a zone is read as UTC); a temperature is a decimal (a decimal comma where
the separator is ';' or a tab). Out-of-range time is counted from each reading out of range to the
next reading (a logger records a change when it happens); any reading out of range is an excursion.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

MAX_READINGS = 200_000
COLD = Decimal("-273.15")  # the lower bound of a range stated as "at most X °C"
HOT = Decimal("9999.99")  # the upper bound of a range stated as "at least X °C"
TIME_NAMES = ("timestamp", "datetime", "date/time", "time", "date", "zeit", "heure")
TEMPERATURE_NAMES = ("temperature", "temp", "°c", "celsius", "degc", "deg c")


class LogError(ValueError):
    """A log that cannot be read: `field` names where (temperature_log, line 12…), the message the rule."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Summary:
    """What a log showed against its range."""

    readings: int
    first_at: dt.datetime
    last_at: dt.datetime
    minimum: Decimal
    maximum: Decimal
    seconds_out_of_range: int
    out_of_range: int
    excursion: bool


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        for i, h in enumerate(lowered):
            if name in h:
                return i
    return None


def _time(text: str, line: int) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace(" ", "T", 1) if " " in text.strip() else text.strip())
    except ValueError:
        raise LogError("temperature_log", f"line {line}: {text!r} is not a time like 2026-12-01T09:30:00Z") from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _celsius(text: str, line: int, *, decimal_comma: bool) -> Decimal:
    value = text.strip().replace("°C", "").replace("°", "").strip()
    if decimal_comma:
        value = value.replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise LogError("temperature_log", f"line {line}: {text!r} is not a temperature in °C") from None
    if not number.is_finite() or not COLD <= number <= HOT:
        raise LogError("temperature_log", f"line {line}: {text!r} °C is not a temperature a shipper logs")
    return number.quantize(Decimal("0.01"))


def read_csv(text: str) -> list[tuple[dt.datetime, Decimal]]:
    """Return the log's readings (time in UTC, °C) in time order, or refuse it naming the line."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not lines[0].strip():
        raise LogError("temperature_log", "empty: a header row (time, temperature) and the readings are expected")
    delimiter = max(",;\t", key=lines[0].count)
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    header = rows[0]
    at, temp = _column(header, TIME_NAMES), _column(header, TEMPERATURE_NAMES)
    if at is None or temp is None or at == temp:
        raise LogError(
            "temperature_log",
            f"line 1: the header {header!r} must name a time column and a temperature column (°C)",
        )
    readings: list[tuple[dt.datetime, Decimal]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(at, temp):
            raise LogError("temperature_log", f"line {number}: {len(row)} columns, {max(at, temp) + 1} expected")
        readings.append((_time(row[at], number), _celsius(row[temp], number, decimal_comma=delimiter != ",")))
        if len(readings) > MAX_READINGS:
            raise LogError("temperature_log", f"more than {MAX_READINGS} readings: split the log")
    if not readings:
        raise LogError("temperature_log", "no readings after the header row")
    readings.sort(key=lambda r: r[0])
    return readings


def summarise(readings: list[tuple[dt.datetime, Decimal]], low: Decimal, high: Decimal) -> Summary:
    """Return the log's minimum, maximum and time out of [low, high]."""
    outside = [not low <= c <= high for _, c in readings]
    seconds = 0.0
    for (at, _), (after, _), out in zip(readings, readings[1:], outside, strict=False):
        if out:
            seconds += (after - at).total_seconds()
    temperatures = [c for _, c in readings]
    return Summary(
        readings=len(readings),
        first_at=readings[0][0],
        last_at=readings[-1][0],
        minimum=min(temperatures),
        maximum=max(temperatures),
        seconds_out_of_range=round(seconds),
        out_of_range=sum(outside),
        excursion=any(outside),
    )


_NUMBER = r"([+\-−]?\d+(?:[.,]\d+)?)"
_PLUS_MINUS = re.compile(_NUMBER + r"\s*°?\s*C?\s*±\s*" + _NUMBER + r"\s*°?\s*C")
_SPAN = re.compile(_NUMBER + r"\s*°?\s*C?\s*(?:-|–|—|to|\.\.)\s*" + _NUMBER + r"\s*°\s*C", re.IGNORECASE)
_AT_MOST = re.compile(r"(?:≤|<=|<|below|at most|not above)\s*" + _NUMBER + r"\s*°\s*C", re.IGNORECASE)
_AT_LEAST = re.compile(r"(?:≥|>=|>|above|at least|not below)\s*" + _NUMBER + r"\s*°\s*C", re.IGNORECASE)


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace("−", "-").replace(",", "."))


def storage_range(text: str) -> tuple[Decimal, Decimal] | None:
    """Return the range in °C a storage condition states ("2–8 °C", "-80 °C ± 10 °C", "≤ -150 °C"), or None."""
    if match := _PLUS_MINUS.search(text):
        centre, spread = _decimal(match[1]), abs(_decimal(match[2]))
        return centre - spread, centre + spread
    if match := _SPAN.search(text):
        first, second = _decimal(match[1]), _decimal(match[2])
        return min(first, second), max(first, second)
    if match := _AT_MOST.search(text):
        return COLD, _decimal(match[1])
    if match := _AT_LEAST.search(text):
        return _decimal(match[1]), HOT
    return None
