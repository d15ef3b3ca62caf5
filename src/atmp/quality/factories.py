"""Factories of the quality records for tests, benchmarks and the contract walks: make_<thing>(*, actor, **fields)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from atmp.accounts.models import User

_n = itertools.count(1)


def _site(fields: dict[str, Any]) -> Any:
    from atmp.testing import make_site

    return fields.pop("site", None) or make_site()


def make_supplier(*, actor: User, **fields: Any) -> Any:
    """Create a supplier serving every site (unless a site is given)."""
    from atmp.quality.services import suppliers

    return suppliers.add_supplier(
        actor=actor, name=fields.pop("name", f"Supplier {next(_n)}"), site=fields.pop("site", None), **fields
    )


def make_supplier_approval(*, actor: User, **fields: Any) -> Any:
    """Create a pending qualification of a supplier for a material."""
    from atmp.quality.services import suppliers

    supplier = fields.pop("supplier", None) or make_supplier(actor=actor)
    fields.setdefault("kind", "material")
    fields.setdefault("scope", f"MAT-{next(_n):04d}")
    return suppliers.add_approval(actor=actor, supplier=supplier, **fields)


def make_quality_agreement(*, actor: User, **fields: Any) -> Any:
    """Create a draft quality agreement in force for a year from today."""
    from atmp.quality.services import suppliers
    from atmp.workflow.engine import today

    supplier = fields.pop("supplier", None) or make_supplier(actor=actor)
    fields.setdefault("effective_date", today())
    fields.setdefault("expiry_date", today() + dt.timedelta(days=365))
    return suppliers.add_agreement(
        actor=actor, supplier=supplier, title=fields.pop("title", f"Quality agreement {next(_n)}"), **fields
    )


def make_supplier_audit(*, actor: User, **fields: Any) -> Any:
    """Create a planned on-site audit of a supplier."""
    from atmp.quality.services import suppliers
    from atmp.workflow.engine import today

    supplier = fields.pop("supplier", None) or make_supplier(actor=actor)
    fields.setdefault("audit_date", today())
    fields.setdefault("audit_type", "on_site")
    return suppliers.add_audit(actor=actor, supplier=supplier, title=fields.pop("title", f"Audit {next(_n)}"), **fields)


def make_audit_finding(*, actor: User, **fields: Any) -> Any:
    """Create a minor finding of an audit under way."""
    from atmp.quality.services import suppliers
    from atmp.workflow import engine

    audit = fields.pop("audit", None)
    if audit is None:
        audit = make_supplier_audit(actor=actor)
        engine.transition(actor, audit, "start", reason="test set-up")
    fields.setdefault("classification", "minor")
    fields.setdefault("description", "Temperature log not countersigned")
    return suppliers.add_audit_finding(actor=actor, audit=audit, **fields)


def make_complaint(*, actor: User, **fields: Any) -> Any:
    """Create a received complaint from a hospital."""
    from atmp.quality.services import complaints
    from atmp.workflow.engine import today

    fields.setdefault("received_date", today())
    fields.setdefault("source", "hospital")
    fields.setdefault("description", "Bag arrived with a cracked port")
    return complaints.open_complaint(
        actor=actor, site=_site(fields), title=fields.pop("title", f"Complaint {next(_n)}"), **fields
    )


def make_recall(*, actor: User, **fields: Any) -> Any:
    """Create an initiated class II recall (with_scope: and one batch in its scope, so that it can start)."""
    from atmp.quality.services import recalls
    from atmp.workflow.engine import today

    with_scope = fields.pop("with_scope", False)
    fields.setdefault("recall_reason", "Potency below specification found on stability")
    fields.setdefault("classification", "class_ii")
    fields.setdefault("decision_date", today())
    recall = recalls.open_recall(
        actor=actor, site=_site(fields), title=fields.pop("title", f"Recall {next(_n)}"), **fields
    )
    if with_scope:
        make_recall_scope(actor=actor, recall=recall)
    return recall


def make_recall_scope(*, actor: User, **fields: Any) -> Any:
    """Create one scope row of a new recall (the batch stands in as a site record)."""
    from atmp.quality.services import recalls
    from atmp.testing import make_site

    recall = fields.pop("recall", None) or make_recall(actor=actor)
    target = fields.pop("target", None) or make_site()
    item = recalls.ScopeItem(
        record=target.record_key,
        description=fields.pop("description", "Batch AAV-001"),
        quantity_distributed=fields.pop("quantity_distributed", 10),
        unit=fields.pop("unit", "bags"),
    )
    return recalls.add_scope(actor=actor, recall=recall, items=[item], reason="test set-up")[0]


def make_recall_recipient(*, actor: User, **fields: Any) -> Any:
    """Create a consignee to reach in a new recall."""
    from atmp.quality.services import recalls

    recall = fields.pop("recall", None) or make_recall(actor=actor)
    fields.setdefault("kind", "hospital")
    return recalls.add_recipient(
        actor=actor, recall=recall, reference=fields.pop("reference", f"HOSP-{next(_n):03d}"), **fields
    )


def make_self_inspection(*, actor: User, **fields: Any) -> Any:
    """Create a planned self-inspection led by the actor."""
    from atmp.quality.services import inspections
    from atmp.workflow.engine import today

    fields.setdefault("planned_date", today())
    fields.setdefault("area", "Aseptic filling")
    return inspections.plan_inspection(
        actor=actor,
        site=_site(fields),
        title=fields.pop("title", f"Self-inspection {next(_n)}"),
        lead_auditor=fields.pop("lead_auditor", actor),
        **fields,
    )


def make_inspection_finding(*, actor: User, **fields: Any) -> Any:
    """Create a minor finding of a self-inspection under way."""
    from atmp.quality.services import inspections
    from atmp.workflow import engine

    inspection = fields.pop("inspection", None)
    if inspection is None:
        inspection = make_self_inspection(actor=actor)
        engine.transition(actor, inspection, "start", reason="test set-up")
    fields.setdefault("classification", "minor")
    fields.setdefault("description", "Gowning poster out of date")
    return inspections.add_finding(actor=actor, inspection=inspection, **fields)
