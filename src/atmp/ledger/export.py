"""Exports of the audit trail: JSON Lines that an auditor verifies with contrib/atmp_verify.py, and CSV.

Both stream: rows come from a chunked cursor and are written as they arrive, so the ledger's size
never has to fit in memory. The CSV is a convenience view for spreadsheets: every cell goes through
safe_cell (OWASP CSV injection), so a reason such as `=HYPERLINK(…)` reads as text, never as a
formula; the JSONL stays byte-exact and is the one to verify.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from typing import Any, BinaryIO

from atmp.ledger.canonical import entry_bytes
from atmp.ledger.selectors import ENTRY_COLUMNS

FORMATS = ("jsonl", "csv")
CSV_COLUMNS = ENTRY_COLUMNS  # the stored columns, each cell through safe_cell
# A spreadsheet evaluates a cell that starts with one of these as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value: Any) -> Any:
    """Return a CSV cell a spreadsheet shows as text: a formula-like string gets a leading apostrophe.

    Every CSV atmp writes passes its cells through here. A plain number (-1.5, +3) is left alone:
    it is data, and a spreadsheet reads it as the number it is. A string that already starts with
    apostrophes before a formula character gets one more, so the original is always recoverable
    (original_cell): drop one apostrophe from a cell that starts with "'" followed, after its
    apostrophes, by a formula character.
    """
    if not isinstance(value, str) or _NUMBER.match(value):
        return value
    return "'" + value if value.lstrip("'").startswith(FORMULA_STARTS) else value


def original_cell(cell: str) -> str:
    """Return the value safe_cell was given, from the cell it wrote."""
    if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def jsonl_line(row: tuple[Any, ...]) -> bytes:
    """Return one entry (a tuple of selectors.ENTRY_COLUMNS) as its RFC 8785 line: the hashed body plus `hash`."""
    seq, at, aid, aname, roles, action, rtype, rid, rver, reason, changes, snap, prev, hash_ = row
    # RFC 8785 orders "hash" right after "changes" (c < h < p), and entry_bytes splices the stored,
    # already canonical `changes` text verbatim: appending the hash member to it yields the export
    # line from the one serialiser the hashes are made with (tests/test_export.py compares the
    # result with the rfc8785 package).
    with_hash = f'{changes},"hash":{json.dumps(hash_)}'
    return entry_bytes(seq, at, aid, aname, roles, action, rtype, rid, rver, reason, with_hash, snap, prev) + b"\n"


def write_jsonl(rows: Iterable[tuple[Any, ...]], out: BinaryIO) -> int:
    """Write the entries as JSON Lines; return how many were written."""
    count = 0
    for row in rows:
        out.write(jsonl_line(row))
        count += 1
    return count


def write_csv(rows: Iterable[tuple[Any, ...]], out: BinaryIO) -> int:
    """Write the entries as UTF-8 CSV with a header row (roles and changes as JSON), formula cells neutralised.

    Return the count.
    """
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(CSV_COLUMNS)
        count = 0
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
            count += 1
        text.flush()
    finally:
        text.detach()  # the caller owns the binary stream
    return count


def write(rows: Iterable[tuple[Any, ...]], out: BinaryIO, *, fmt: str) -> int:
    """Write the entries in the given format ('jsonl' or 'csv'); return how many were written."""
    if fmt == "jsonl":
        return write_jsonl(rows, out)
    if fmt == "csv":
        return write_csv(rows, out)
    raise ValueError(f"export format {fmt!r} is not one of {', '.join(FORMATS)}")
