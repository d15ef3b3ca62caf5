"""Reads of the supplier area: may a material be accepted from a supplier, which agreements expire soon."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from atmp.quality.models.suppliers import QualityAgreement, Supplier, SupplierApproval, SupplyKind
from atmp.workflow.engine import today


@dataclass(frozen=True)
class Decision:
    """The answer of may_accept: ok, the rule that decided it (a stable code), and why, in words.

    rule is one of: "approved", "conditional" (ok), and "unknown_supplier", "disqualified",
    "not_qualified", "approval_expired", "no_agreement", "agreement_expired",
    "agreement_not_in_force" (not ok).
    """

    ok: bool
    reason: str
    rule: str
    approval: str | None = None
    agreement: str | None = None

    def __bool__(self) -> bool:
        return self.ok


def _code(material: object) -> str:
    code = getattr(material, "code", material)
    return str(code).strip()


def _supplier(supplier: object) -> Supplier | None:
    if isinstance(supplier, Supplier):
        return supplier
    return Supplier.objects.filter(number=str(supplier).strip(), voided=False).first()


def may_accept(material: object, supplier: object, on: dt.date | None = None) -> Decision:
    """Return whether the material may be received from the supplier on the date, naming the rule that decides.

    material: a material code, or any object with a `code` attribute. supplier: a Supplier or its
    number (SUP-2026-0001). on: the date of receipt (today when None). The qualification's state is
    its current one; its validity and the agreement's dates are compared with `on`.
    """
    on = on or today()
    code = _code(material)
    found = _supplier(supplier)
    if found is None or found.voided:
        return Decision(False, f"supplier {supplier!s} is not registered", "unknown_supplier")
    approvals = SupplierApproval.objects.filter(
        supplier=found, kind=SupplyKind.MATERIAL, scope=code, voided=False
    ).exclude(status="withdrawn")
    approval = approvals.order_by("-pk").first()
    if approval is not None and approval.status == "disqualified":
        return Decision(
            False, f"{found.number} is disqualified for material {code}", "disqualified", approval.record_key
        )
    if approval is None or approval.status not in ("approved", "conditional"):
        state = f" (its qualification is {approval.state_label().lower()})" if approval else ""
        return Decision(
            False,
            f"{found.number} is not approved for material {code}{state}",
            "not_qualified",
            approval.record_key if approval else None,
        )
    if approval.valid_until is not None and approval.valid_until < on:
        return Decision(
            False,
            f"{found.number}'s approval for material {code} expired on {approval.valid_until.isoformat()}",
            "approval_expired",
            approval.record_key,
        )
    agreements = QualityAgreement.objects.filter(supplier=found, status="approved", voided=False)
    if not agreements.exists():
        return Decision(False, f"{found.number} has no approved quality agreement", "no_agreement", approval.record_key)
    in_force = agreements.filter(effective_date__lte=on, expiry_date__gte=on).order_by("-expiry_date").first()
    if in_force is None:
        latest = agreements.order_by("-expiry_date").first()
        assert latest is not None and latest.expiry_date is not None and latest.effective_date is not None
        if latest.expiry_date < on:
            return Decision(
                False,
                f"{found.number}'s quality agreement {latest.number} expired on {latest.expiry_date.isoformat()}",
                "agreement_expired",
                approval.record_key,
                latest.record_key,
            )
        return Decision(
            False,
            f"{found.number}'s quality agreement {latest.number} is in force only from "
            f"{latest.effective_date.isoformat()}",
            "agreement_not_in_force",
            approval.record_key,
            latest.record_key,
        )
    if approval.status == "conditional":
        return Decision(
            True,
            f"conditional: {approval.conditions}",
            "conditional",
            approval.record_key,
            in_force.record_key,
        )
    return Decision(
        True,
        f"{found.number} is approved for material {code} under {in_force.number}",
        "approved",
        approval.record_key,
        in_force.record_key,
    )


def expiring_agreements(
    *, within_days: int, on: dt.date | None = None, site_ids: frozenset[int] | None = None
) -> QuerySet[QualityAgreement]:
    """Return the approved agreements whose expiry falls within the next N days (from `on`), soonest first."""
    on = on or today()
    rows = QualityAgreement.objects.filter(
        voided=False, status="approved", expiry_date__gte=on, expiry_date__lte=on + dt.timedelta(days=within_days)
    )
    if site_ids is not None:
        from django.db.models import Q

        rows = rows.filter(Q(supplier__site_id__in=site_ids) | Q(supplier__site__isnull=True))
    return rows.order_by("expiry_date", "pk")
