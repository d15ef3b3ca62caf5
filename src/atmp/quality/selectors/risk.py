"""The risk register (ICH Q9(R1) §4.4 risk review): approved assessments per product and process."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from atmp.accounts.models import User
from atmp.quality.models.risk import FmeaRow, RiskAssessment


@dataclass(frozen=True)
class RegisterEntry:
    """An approved assessment and its highest-risk rows (by residual RPN, else RPN), highest first."""

    assessment: RiskAssessment
    rows: list[FmeaRow]

    @property
    def highest(self) -> int:
        """Return the assessment's highest remaining RPN."""
        return max((remaining(r) for r in self.rows), default=0)


def remaining(row: FmeaRow) -> int:
    """Return the risk that remains of a row: its residual RPN once scored, else its RPN."""
    return row.residual_rpn if row.residual_rpn is not None else row.rpn


def register(
    *,
    viewer: User,
    product: str = "",
    process: str = "",
    site_id: int | None = None,
    top: int = 3,
) -> list[RegisterEntry]:
    """Return the approved assessments of a product or process the viewer sees, riskiest first."""
    found = RiskAssessment.objects.filter(status="approved", voided=False)
    if product.strip():
        found = found.filter(product__iexact=product.strip())
    if process.strip():
        found = found.filter(process__iexact=process.strip())
    if site_id is not None:
        found = found.filter(site_id=site_id)
    mine = viewer.site_ids()
    if mine is not None:
        found = found.filter(Q(site_id__in=mine))
    entries = []
    for assessment in found.select_related("site").order_by("-pk"):
        rows = sorted(
            FmeaRow.objects.filter(assessment=assessment, voided=False), key=lambda r: (-remaining(r), r.position)
        )
        entries.append(RegisterEntry(assessment, rows[: max(top, 1)]))
    return sorted(entries, key=lambda e: (-e.highest, e.assessment.number))
