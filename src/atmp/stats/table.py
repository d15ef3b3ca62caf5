"""A CSV file with a header row, read once, with errors that name the column and the line."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from atmp.stats.collector import collector_paused
from atmp.stats.errors import StatsInputError

FILE = "file"
DELIMITERS = ",;\t"


@dataclass(frozen=True)
class Table:
    """The columns of a CSV file as text, in file order, with the SHA-256 of the bytes read."""

    columns: dict[str, list[str]]
    lines: list[int]  # the file line of each row (the header is line 1), for messages
    sha256: str

    @classmethod
    def from_path(cls, path: str | Path) -> Table:
        """Read a CSV file from disk."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise StatsInputError(FILE, f"cannot read {path}: {exc.strerror}") from None
        return cls.from_bytes(data)

    @classmethod
    def from_bytes(cls, data: bytes) -> Table:
        """Parse CSV bytes (UTF-8, optional BOM; comma, semicolon or tab separated) with a header row."""
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise StatsInputError(FILE, f"is not UTF-8 text (byte {exc.start}); save the CSV as UTF-8") from None
        first = text.split("\n", 1)[0]
        delimiter = max(DELIMITERS, key=first.count) if first else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = next(reader, None)
            if header is None or not any(cell.strip() for cell in header):
                raise StatsInputError(FILE, "is empty: a CSV file with a header row and data rows is needed")
            names = [cell.strip() for cell in header]
            _check_header(names)
            if '"' in text:  # a quoted cell may span lines: count them as the reader reads
                columns, lines = _read_rows(reader, names)
            else:
                # Cells need stripping only if the text has a blank that is not a delimiter (a C-speed scan).
                blanks = " " in text or (delimiter != "\t" and "\t" in text)
                columns, lines = _read_plain_rows(reader, names, strip=blanks)
        except csv.Error as exc:
            raise StatsInputError(FILE, f"line {reader.line_num}: {exc}") from None
        return cls(columns=columns, lines=lines, sha256=hashlib.sha256(data).hexdigest())

    def __len__(self) -> int:
        return len(self.lines)

    def column(self, name: str, *, option: str) -> list[str]:
        """Return a column's cells; `option` is the option that named it, for the message."""
        if name not in self.columns:
            known = ", ".join(repr(c) for c in self.columns)
            raise StatsInputError(option, f"no column {name!r} in the file (its columns: {known})")
        return self.columns[name]

    def labels(self, name: str, *, option: str) -> list[str]:
        """Return a column of names (batch, group, product), refusing empty cells."""
        cells = self.column(name, option=option)
        if "" in cells:  # a C-speed scan; the index only when there is something to report
            i = cells.index("")
            raise StatsInputError(option, f"column {name!r}, line {self.lines[i]}: the cell is empty")
        return cells

    def numbers(self, name: str, *, option: str) -> NDArray[np.float64]:
        """Return a column as finite floats, naming the first missing or non-numeric cell."""
        cells = self.column(name, option=option)
        try:
            values = np.asarray(cells, dtype=np.float64)
        except ValueError:
            values = None
        if values is not None and bool(np.isfinite(values).all()):
            return values
        for i, cell in enumerate(cells):
            where = f"column {name!r}, line {self.lines[i]}"
            if not cell:
                raise StatsInputError(option, f"{where}: the value is missing; every row needs a number")
            try:
                number = float(cell)
            except ValueError:
                hint = " (use a decimal point, not a comma)" if "," in cell else ""
                raise StatsInputError(option, f"{where}: {cell!r} is not a number{hint}") from None
            if not np.isfinite(number):
                raise StatsInputError(option, f"{where}: {cell!r} is not a finite number")
        raise AssertionError("unreachable: a column that failed to convert has a bad cell")  # pragma: no cover


def _read_rows(reader: Any, names: list[str]) -> tuple[dict[str, list[str]], list[int]]:
    """Return the columns and the file line of each row, row by row (any CSV)."""
    columns: dict[str, list[str]] = {name: [] for name in names}
    lines: list[int] = []
    cells_of = list(columns.values())
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue  # blank lines between blocks are common in exported files
        if len(row) != len(names):
            raise _width_error(reader.line_num, len(row), len(names))
        for cells, cell in zip(cells_of, row, strict=True):
            cells.append(cell.strip())
        lines.append(reader.line_num)
    return columns, lines


def _read_plain_rows(reader: Any, names: list[str], *, strip: bool) -> tuple[dict[str, list[str]], list[int]]:
    """Return the columns of a CSV without quotes, where row i of the data is on line i + 2, column-wise.

    The same result as _read_rows, about twice as fast on a million rows: the C reader builds the rows
    with the collector paused (millions of small lists would otherwise trigger it again and again),
    then each column is taken in one pass instead of appending cell by cell.
    """
    with collector_paused():
        return _columns_of(list(reader), names, strip=strip)


def _columns_of(rows: list[list[str]], names: list[str], *, strip: bool) -> tuple[dict[str, list[str]], list[int]]:
    if strip:
        rows = [[cell.strip() for cell in row] for row in rows]
    width = len(names)
    suspects = [i for i, row in enumerate(rows) if len(row) != width or not all(row)]
    blank = set()
    for i in suspects:
        row = rows[i]
        if not any(cell.strip() for cell in row):
            blank.add(i)
        elif len(row) != width:
            raise _width_error(i + 2, len(row), width)
    if blank:
        rows = [row for i, row in enumerate(rows) if i not in blank]
    lines = [i + 2 for i in range(len(rows) + len(blank)) if i not in blank]
    return {name: [row[j] for row in rows] for j, name in enumerate(names)}, lines


def _width_error(line: int, cells: int, width: int) -> StatsInputError:
    return StatsInputError(FILE, f"line {line} has {cells} cells but the header names {width} columns")


def _check_header(names: list[str]) -> None:
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name:
            raise StatsInputError(FILE, f"the header's column {position} has no name")
        if name in seen:
            raise StatsInputError(FILE, f"the header names column {name!r} twice")
        seen.add(name)
