"""The records a record is made of, as modules declare them: a batch is its steps and their entries.

The kernel knows no module, so a module registers, from its AppConfig.ready, a function that returns
a record's parts; the audit trail's filter then selects "this record and its parts" (a review of a
batch's whole trail, which QP certification asks for) without the ledger importing the module.
Parts are only ever added, never removed (nothing is deleted), so a review's selection, resolved
again later within its seq range, is the one the reviewer was shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# record_type → fn(record_id) -> (record_type, record_id) of every part, voided ones too.
Parts = Callable[[str], Iterable[tuple[str, str]]]
_declared: dict[str, Parts] = {}


def register(record_type: str, parts: Parts) -> None:
    """Declare how to find the parts of a record type (from the module's AppConfig.ready)."""
    _declared[record_type] = parts


def has_parts(record_type: str) -> bool:
    """Return whether records of this type are made of other records."""
    return record_type in _declared


def of(record_type: str, record_id: str) -> dict[str, list[str]]:
    """Return the record and its parts, as record ids by record type (the record alone if it has none)."""
    found: dict[str, list[str]] = {record_type: [record_id]}
    finder = _declared.get(record_type)
    for part_type, part_id in finder(record_id) if finder is not None else ():
        found.setdefault(part_type, []).append(str(part_id))
    return found
