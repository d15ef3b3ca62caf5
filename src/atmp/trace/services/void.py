"""Void a traceability record with its reason: a correction, never a deletion (the row and the ledger stay).

The retention rule (atmp.trace.retention, docs/adr/0018) is checked by the write path itself
(models/retained.py): a lot or person that live records rely on is never voided; a use whose
output left quarantine, and an administration, are kept live until their retention end.
"""

from __future__ import annotations

from typing import Any

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.ledger import writer
from atmp.ledger.errors import ReasonRequired, RecordVoided, RuleViolation
from atmp.trace.models import Administration, Lot, Person, Use

VOIDABLE = (Lot, Use, Administration, Person)


def void_record(*, actor: User, record: Any, reason: str, owner: str = "") -> Any:
    """Void a lot, use, administration or person with the reason; refused where retention forbids it.

    A use recorded by another record (a batch step's material addition: `made_by`) is voided only by
    that record's own correction, which passes its key as owner: voided here, the batch record
    would still claim the addition.
    """
    if not isinstance(record, VOIDABLE):
        raise InvalidInput("record", f"{record.record_key} is not a lot, use, administration or person")
    if isinstance(record, Use) and record.made_by and record.made_by != owner:
        raise RuleViolation(
            f"{record.record_key} was recorded by {record.made_by}: correct it there (the record keeps it)"
        )
    if not actor.can(record.write_permission) or not can_see(actor, record):
        raise NotAllowed(f"your roles or sites do not allow voiding {record.record_key}")
    if not reason.strip():
        raise ReasonRequired(f"{record.record_key}: say why it is voided ('reason')")
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()  # no use or administration of it is recorded meanwhile
        stored = type(record)._base_manager.get(pk=record.pk)
        if stored.voided:
            raise RecordVoided(f"{record.record_key} is voided already")
        stored.voided = True
        ch.save(stored)
    return stored
