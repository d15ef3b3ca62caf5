"""Reads of recalls: the reconciliation of what was distributed with what came back."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from atmp.quality.models.recalls import Recall


@dataclass(frozen=True)
class ScopeLine:
    """One batch or lot: distributed, accounted for (returned + destroyed + administered), and the gap."""

    record: str
    description: str
    unit: str
    distributed: Decimal
    returned: Decimal
    destroyed: Decimal
    administered: Decimal

    @property
    def accounted(self) -> Decimal:
        """Return returned + destroyed + administered."""
        return self.returned + self.destroyed + self.administered

    @property
    def outstanding(self) -> Decimal:
        """Return what is distributed and not accounted for."""
        return self.distributed - self.accounted


@dataclass(frozen=True)
class Reconciliation:
    """A recall's reconciliation: the lines, who is not notified yet, and the rule that stops closure (if any)."""

    lines: tuple[ScopeLine, ...]
    recipients: int
    not_notified: tuple[str, ...]
    explanation: str

    @property
    def quantities_add_up(self) -> bool:
        """Return True when every line is fully accounted for."""
        return all(line.outstanding == 0 for line in self.lines)

    @property
    def broken_rule(self) -> str | None:
        """Return why the recall cannot close yet, or None (EU GMP Part IV ch. 14: recalls are reconciled)."""
        if not self.lines:
            return "the recall has no batch or lot in its scope"
        if self.not_notified:
            return f"every recipient must be notified first; not yet: {', '.join(self.not_notified)}"
        if not self.quantities_add_up and not self.explanation.strip():
            gaps = ", ".join(
                f"{line.record} ({line.outstanding} {line.unit}".rstrip() + ")"
                for line in self.lines
                if line.outstanding != 0
            )
            return f"the quantities do not add up ({gaps} not accounted for): reconcile them or explain the difference"
        return None

    @property
    def complete(self) -> bool:
        """Return True when nothing stops closure."""
        return self.broken_rule is None


def reconciliation(recall: Recall) -> Reconciliation:
    """Return the recall's reconciliation from its live scope rows and recipients."""
    lines = tuple(
        ScopeLine(
            record=row.record,
            description=row.description,
            unit=row.unit,
            distributed=Decimal(row.quantity_distributed),
            returned=Decimal(row.quantity_returned),
            destroyed=Decimal(row.quantity_destroyed),
            administered=Decimal(row.quantity_administered),
        )
        for row in recall.scope.filter(voided=False).order_by("pk")
    )
    recipients = list(recall.recipients.filter(voided=False).order_by("pk"))
    not_notified = tuple(f"{r.kind} {r.reference}" for r in recipients if r.notified_at is None)
    return Reconciliation(lines, len(recipients), not_notified, recall.reconciliation_note)


def open_recalls(*, site_id: int | None = None) -> int:
    """Return how many recalls are not closed or cancelled (at the site, or everywhere)."""
    rows = Recall.objects.filter(voided=False).exclude(status__in=("closed", "cancelled"))
    if site_id is not None:
        rows = rows.filter(site_id=site_id)
    return rows.count()
