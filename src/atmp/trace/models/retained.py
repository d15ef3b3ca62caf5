"""The void guard every traceability record shares: a void is checked against the retention rule.

The rule (atmp.trace.retention.void_refusal, docs/adr/0018) is checked by the write path itself
(GmpRecord.check_change runs inside every audited save, after the ledger's lock), so no entry
point, present or future, voids a lot, a use, an administration or a person around it.
"""

from __future__ import annotations

from typing import Any

from atmp.ledger.errors import RuleViolation


class VoidGuard:
    """Refuse a void the retention rule forbids (mixed into the traceability models before their base)."""

    voided: bool

    def check_change(self, old: dict[str, Any] | None, action: str) -> None:
        """Refuse a save the base refuses, and a void before the record may be voided."""
        super().check_change(old, action)  # type: ignore[misc]  # the model base that follows in the MRO
        if old is not None and self.voided and not old.get("voided"):
            from atmp.trace.retention import void_refusal

            refused = void_refusal(self)
            if refused:
                raise RuleViolation(refused)
