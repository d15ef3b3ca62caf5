"""Migrations that add audited fields to existing records keep `atmp verify` green with this.

Adding an audited field changes every existing row's snapshot (a new key), which verify would
otherwise report as a change made outside the ledger. The migration records, in one change with its
reason, an entry per existing row carrying the snapshot as found (computed from the migration's own
historical model, as GmpRecord.snapshot computes it) and the fields added with their values.
"""

from __future__ import annotations

from typing import Any


def record_fields_added(model: Any, record_type: str, changes: dict[str, list[Any]], reason: str) -> int:
    """Record each row of `model` (a migration's historical model) with its new snapshot; return how many."""
    from atmp.ledger.canonical import dumps, sha256_hex
    from atmp.ledger.records import _as_stored, to_json
    from atmp.ledger.writer import change

    rows = list(model._base_manager.order_by("pk"))
    if not rows:
        return 0
    fields = model._meta.concrete_fields
    with change(actor=None, reason=reason) as ch:
        for row in rows:
            snapshot = {f.attname: to_json(_as_stored(f, getattr(row, f.attname))) for f in fields}
            ch.event(
                action="fields_added",
                record_type=record_type,
                record_id=str(row.pk),
                record_version=row.version,
                changes=changes,
                snapshot_hash=sha256_hex(dumps(snapshot)),
            )
    return len(rows)
