"""Exports of the audit trail: JSON Lines that an auditor verifies with contrib/atmp_verify.py, and CSV.

Both stream: rows come from a chunked cursor and are written as they arrive, so the ledger's size
never has to fit in memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any, BinaryIO

from atmp.ledger.canonical import entry_bytes
from atmp.ledger.selectors import ENTRY_COLUMNS

FORMATS = ("jsonl", "csv")
CSV_COLUMNS = ENTRY_COLUMNS  # the stored columns, verbatim


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
    """Write the entries as UTF-8 CSV with a header row, verbatim (roles and changes as JSON); return the count."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(CSV_COLUMNS)
        count = 0
        for row in rows:
            writer.writerow(row)
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
