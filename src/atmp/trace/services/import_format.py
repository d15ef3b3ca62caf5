"""The bulk import's line format and its field checks (docs/traceability.md, "Importing a genealogy").

Each kind's fields, the errors that name a line, its field and the rule, the plan of what a checked
file creates, and the checks of one field at a time (each refusal naming the field). Nothing here
reads the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.trace import personal
from atmp.trace.models import PersonKind
from atmp.trace.units import UNITS, UnitError
from atmp.trace.units import quantity as unit_quantity
from atmp.trace.workflows.lots import LOT_WORKFLOW

# Each kind's fields: required, then optional. Any other field is refused (a typo is not ignored).
FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "material": (frozenset({"code", "name", "type"}), frozenset({"unit", "storage"})),
    "lot": (
        frozenset({"id", "material", "quantity"}),
        frozenset({"status", "expiry", "unit", "donor", "received_at", "location", "supplier_lot"}),
    ),
    "use": (frozenset({"input", "output", "quantity", "unit"}), frozenset({"at"})),
    "donor": (frozenset({"coi"}), frozenset({*personal.FIELD_NAMES, "not_a_duplicate"})),
    "patient": (frozenset({"coi"}), frozenset({*personal.FIELD_NAMES, "not_a_duplicate"})),
    "administration": (frozenset({"lot", "patient", "at"}), frozenset({"quantity", "unit"})),
}
KINDS = tuple(FIELDS)
STATUSES = tuple(state.name for state in LOT_WORKFLOW.states)
MAX_ERRORS = 1000  # reported one by one; beyond them, a count
LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class LineError:
    """A refused line: its number (from 1), the field at fault ('' for the line itself), and the rule."""

    line: int
    field: str
    rule: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field + ': ' if self.field else ''}{self.rule}"


class ImportRefused(InvalidInput):
    """The file has bad lines: each is named; nothing was imported."""

    def __init__(self, errors: list[LineError], more: int = 0) -> None:
        self.errors = errors
        self.more = more
        tail = f" (and {more} more)" if more else ""
        first = "; ".join(str(e) for e in errors[:3])
        super().__init__("file", f"{len(errors) + more} bad lines{tail}, nothing imported: {first}")


class Bad(Exception):
    """A refused field of the line being checked (the checker adds the line's number)."""

    def __init__(self, field: str, rule: str) -> None:
        self.field = field
        self.rule = rule


@dataclass
class Plan:
    """What a checked file creates, kind by kind in file order, and the file's SHA-256."""

    sha256: str = ""
    lines: int = 0
    materials: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)
    identities: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (coi, sealed data)
    lots: list[dict[str, Any]] = field(default_factory=list)
    uses: list[dict[str, Any]] = field(default_factory=list)
    administrations: list[dict[str, Any]] = field(default_factory=list)
    statuses: set[str] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        """Return how many records of each kind the file creates."""
        donors = sum(1 for p in self.persons if p["kind"] == PersonKind.DONOR)
        return {
            "material": len(self.materials),
            "lot": len(self.lots),
            "use": len(self.uses),
            "donor": donors,
            "patient": len(self.persons) - donors,
            "identity": len(self.identities),
            "administration": len(self.administrations),
        }


def read(data: bytes | Iterable[bytes]) -> tuple[str, Iterator[tuple[int, bytes]]]:
    """Return the SHA-256 of the whole file and its lines numbered from 1 (blank lines skipped)."""
    chunks = [data] if isinstance(data, bytes) else list(data)
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)

    def lines() -> Iterator[tuple[int, bytes]]:
        number = 0
        for chunk in chunks:
            for raw in chunk.splitlines():
                number += 1
                if raw.strip():
                    yield number, raw

    return digest.hexdigest(), lines()


# --- field checks, each refusal naming the field --------------------------------------------------


# A JSON number with a fraction is read exactly, never as a float (DESIGN principle 7).
decode = json.JSONDecoder(parse_float=Decimal).decode


def field_value(check: Any, value: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """Return what the field check returns, its refusal turned into a Bad naming the field."""
    try:
        return check(value, name, *args, **kwargs)
    except InvalidInput as exc:
        raise Bad(exc.field, str(exc).removeprefix(f"{exc.field}: ")) from None


def unit_code(value: Any, name: str) -> str:
    """Return the UCUM code, or refuse one the site does not use."""
    if value not in UNITS:
        raise Bad(name, f"{value!r} is not a UCUM code this site uses; known: {', '.join(UNITS)}")
    return str(value)


def convertible(source: str, target: str) -> bool:
    """Return True when the two units measure the same dimension."""
    return UNITS[source].dimension == UNITS[target].dimension


def quantity_value(value: Any) -> Decimal:
    """Return the quantity as an exact Decimal, or refuse it naming the field."""
    if isinstance(value, bool):
        raise Bad("quantity", "must be a number")
    try:
        return unit_quantity(value, field="quantity")
    except UnitError as exc:
        raise Bad(exc.field, exc.message) from None


def moment(value: Any, name: str, now: dt.datetime, *, required: bool = False) -> dt.datetime:
    """Return the time in UTC (now when not given and not required), or refuse it naming the field."""
    if value in (None, ""):
        if required:
            raise Bad(name, "is required: give the time it happened, e.g. 2026-12-01T09:30:00+01:00")
        return now
    if not isinstance(value, str):
        raise Bad(name, "must be a time like 2026-12-01T09:30:00+01:00")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise Bad(name, f"{value!r} is not a time like 2026-12-01T09:30:00+01:00") from None
    if moment.tzinfo is None:
        raise Bad(name, "give a time with its zone, e.g. 2026-12-01T09:30:00+01:00")
    if moment > now:
        raise Bad(name, "cannot be in the future")
    return moment.astimezone(dt.UTC)


def chunks(items: Iterable[Any]) -> Iterator[list[Any]]:
    """Yield the items in lists of LOOKUP_CHUNK, the size of one lookup query."""
    batch = list(items)
    for start in range(0, len(batch), LOOKUP_CHUNK):
        yield batch[start : start + LOOKUP_CHUNK]
