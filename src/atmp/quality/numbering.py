"""Human record numbers such as DEV-2026-0042: one sequence per record type and year, never reused."""

from __future__ import annotations

import re

from atmp.ledger.records import GmpRecord
from atmp.ledger.writer import Change


def next_number(ch: Change, model: type[GmpRecord], prefix: str, year: int, *, field: str = "number") -> str:
    """Return the next free number of the type for the year, under the ledger's lock (no two alike)."""
    ch.hold()
    stem = f"{prefix}-{year}-"
    taken = model._base_manager.filter(**{f"{field}__startswith": stem}).values_list(field, flat=True)
    pattern = re.compile(rf"^{re.escape(stem)}(\d+)$")
    highest = max((int(m.group(1)) for t in taken if (m := pattern.match(t))), default=0)
    return f"{stem}{highest + 1:04d}"
