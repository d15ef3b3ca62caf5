"""What the traceability services check before they write: codes, units and quantities, times.

The text, choice and date checks are the quality system's (atmp.quality.services.edits), kept once.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.ledger import clock
from atmp.quality.services import edits
from atmp.trace import units

# A lot number or material code: what a label, a scan, a URL and a shell carry unchanged.
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def code(value: Any, field: str, *, limit: int) -> str:
    """Return a code (letters, digits, '.', '_', '-'; no spaces), or refuse it naming the field."""
    text = edits.text(value, field, required=True, limit=limit)
    if not CODE.match(text):
        raise InvalidInput(field, f"{text!r}: letters, digits, '.', '_' and '-' only, starting with a letter or digit")
    return text


def unit(value: Any, field: str = "unit") -> str:
    """Return a UCUM code of the site's table, or refuse it listing the known ones."""
    try:
        return units.unit(value, field=field).code
    except units.UnitError as exc:
        raise InvalidInput(exc.field, exc.message) from None


def quantity(value: Any, field: str = "quantity") -> Decimal:
    """Return a positive quantity of at most three decimal places, or refuse it."""
    try:
        return units.quantity(value, field=field)
    except units.UnitError as exc:
        raise InvalidInput(exc.field, exc.message) from None


def convert(amount: Decimal, source: str, target: str, *, field: str = "unit") -> Decimal:
    """Return the amount converted to the target unit, or refuse two units of different dimensions."""
    try:
        return units.convert(amount, source, target, field=field)
    except units.UnitError as exc:
        raise InvalidInput(exc.field, exc.message) from None


def moment(value: dt.datetime | str | None, field: str, *, skew: dt.timedelta | None = None) -> dt.datetime:
    """Return an aware time not in the future (now when none is given), from a datetime or ISO text.

    With skew, a time at most that far ahead of the server's clock is accepted as the present: a
    scanner's or a ward computer's clock may run a little ahead of the server's.
    """
    if value in (None, ""):
        return clock.now()
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(field, f"{value!r} is not a time like 2026-12-01T09:30:00+01:00") from None
    if not isinstance(value, dt.datetime):
        raise InvalidInput(field, "must be a date and time")
    if skew is None:
        return edits.past_moment(value, field)
    if value.tzinfo is None:
        raise InvalidInput(field, "give a time with its zone, e.g. 2026-12-01T09:30:00+01:00")
    if value > clock.now() + skew:
        minutes = int(skew.total_seconds() // 60)
        raise InvalidInput(
            field, f"{value.isoformat()} is in the future (more than {minutes} min ahead of the server's clock)"
        )
    return value
