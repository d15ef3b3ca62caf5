"""Lay out a statistics result document for a page: a summary list and a table per list of rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from atmp.stats.report import shown

MAX_ROWS = 200  # a page shows this many rows of a table; the JSON download has them all


@dataclass
class Table:
    """A list of rows of the document, shown as a table."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    total: int


@dataclass
class Sections:
    """The document as a page shows it."""

    summary: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def sections(document: dict[str, Any]) -> Sections:
    """Return the document's scalars as a summary and its lists of records as tables (provenance apart)."""
    out = Sections()
    for key, value in document.items():
        if key in ("provenance", "plot"):
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.tables.append(_table(key, value))
        elif isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            rows = [{"name": name, **row} for name, row in value.items()]
            out.tables.append(_table(key, rows))
        else:
            out.summary.append((key, shown(value)))
    return out


def _table(title: str, rows: list[dict[str, Any]]) -> Table:
    columns: list[str] = []
    for row in rows[:MAX_ROWS]:
        columns.extend(k for k in row if k not in columns)
    body = [[shown(row.get(c)) for c in columns] for row in rows[:MAX_ROWS]]
    return Table(title=title, columns=columns, rows=body, total=len(rows))
