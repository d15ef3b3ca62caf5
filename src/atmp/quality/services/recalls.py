"""Recalls: decision, scope, recipients, and the reconciliation of what came back (EU GMP Part IV ch. 14,
Quality defects and product recalls).

The contract other modules call (traceability fills a recall's scope from its genealogy):

    add_scope(*, actor, recall, items: list[ScopeItem], reason) -> list[RecallScope]

Each ScopeItem names a batch or lot by its record key ("trace.lot:12"), a description, a unit and
the quantity distributed (and, if already known, returned, destroyed and administered: Decimals or
integers, never floats). All items are added in one audited change, or none: a key that names no
record the actor can see, a key already in the recall's scope (or twice in the items), a quantity
that is negative, has more than three decimal places, or is accounted for beyond what was
distributed is refused naming the item (`items[2].record`). A recall that is reconciling, closed or
cancelled takes no new scope (Conflict). Each scope row is also linked from the recall to the record
with the relation "concerns", so the batch's page lists the recall.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.ledger import clock, writer
from atmp.ledger.errors import Conflict
from atmp.quality.models.recalls import Recall, RecallClass, RecallRecipient, RecallScope, RecipientKind
from atmp.quality.numbering import next_number
from atmp.quality.services import edits
from atmp.workflow import links
from atmp.workflow.engine import today
from atmp.workflow.models import Relation

UNSET: Any = object()
OPEN = ("initiated", "in_progress", "reconciliation")
TAKES_SCOPE = ("initiated", "in_progress")
MAX_ITEMS = 1000


@dataclass(frozen=True)
class ScopeItem:
    """A batch or lot to recall: its record key, what it is, and the quantities (Decimal or int)."""

    record: str
    description: str
    quantity_distributed: Decimal | int | str
    unit: str = ""
    quantity_returned: Decimal | int | str = 0
    quantity_destroyed: Decimal | int | str = 0
    quantity_administered: Decimal | int | str = 0


def open_recall(
    *,
    actor: User,
    site: Site,
    title: str,
    recall_reason: str,
    classification: str,
    decision_date: dt.date | str | None = None,
    mock: bool = False,
    reason: str = "",
) -> Recall:
    """Initiate a recall with its reason and EU rapid-alert class (class_i, class_ii, class_iii)."""
    edits.check_writer(actor, Recall, site=site)
    decided = edits.date(decision_date, "decision_date")
    if decided and decided > today():
        raise InvalidInput("decision_date", "must not be in the future")
    recall = Recall(
        site=site,
        title=edits.text(title, "title", required=True, limit=200),
        recall_reason=edits.text(recall_reason, "recall_reason", required=True),
        classification=edits.choice(classification, "classification", RecallClass.values),
        decision_date=decided,
        mock=bool(mock),
    )
    with writer.change(actor=actor, reason=reason) as ch:
        recall.number = next_number(ch, Recall, "RCL", today().year)
        ch.save(recall)
    return recall


def update_recall(
    *,
    actor: User,
    recall: Recall,
    reason: str,
    version: int | None,
    title: str = UNSET,
    recall_reason: str = UNSET,
    classification: str = UNSET,
    decision_date: dt.date | str | None = UNSET,
    reconciliation_note: str = UNSET,
) -> Recall:
    """Correct an open recall, or explain why its quantities do not add up (reconciliation_note)."""
    edits.check_may_edit(actor, recall, version=version, states=OPEN)
    values: dict[str, Any] = {}
    if title is not UNSET:
        values["title"] = edits.text(title, "title", required=True, limit=200)
    if recall_reason is not UNSET:
        values["recall_reason"] = edits.text(recall_reason, "recall_reason", required=True)
    if classification is not UNSET:
        values["classification"] = edits.choice(classification, "classification", RecallClass.values)
    if decision_date is not UNSET:
        decided = edits.date(decision_date, "decision_date")
        if decided and decided > today():
            raise InvalidInput("decision_date", "must not be in the future")
        values["decision_date"] = decided
    if reconciliation_note is not UNSET:
        values["reconciliation_note"] = edits.text(reconciliation_note, "reconciliation_note")
    return edits.apply(actor=actor, record=recall, values=values, reason=reason)


def _accounted_within(field: str, distributed: Decimal, *parts: Decimal) -> None:
    if sum(parts, Decimal(0)) > distributed:
        raise InvalidInput(field, f"returned, destroyed and administered together exceed the {distributed} distributed")


def add_scope(*, actor: User, recall: Recall, items: Sequence[ScopeItem], reason: str) -> list[RecallScope]:
    """Add batches or lots to the recall's scope, each linked from the recall, all in one change or none."""
    edits.check_may_edit(actor, recall, version=None, states=TAKES_SCOPE)
    if not items:
        raise InvalidInput("items", "give at least one batch or lot")
    if len(items) > MAX_ITEMS:
        raise InvalidInput("items", f"at most {MAX_ITEMS} per call")
    rows: list[tuple[RecallScope, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        at = f"items[{i}]"
        if not isinstance(item, ScopeItem):
            raise InvalidInput(at, "must be a ScopeItem")
        target = links.resolve(item.record, field=f"{at}.record", user=actor)
        key = target.record_key
        if key in seen:
            raise InvalidInput(f"{at}.record", f"{key} is given twice")
        seen.add(key)
        distributed = edits.quantity(item.quantity_distributed, f"{at}.quantity_distributed")
        returned = edits.quantity(item.quantity_returned, f"{at}.quantity_returned")
        destroyed = edits.quantity(item.quantity_destroyed, f"{at}.quantity_destroyed")
        administered = edits.quantity(item.quantity_administered, f"{at}.quantity_administered")
        _accounted_within(f"{at}.quantity_returned", distributed, returned, destroyed, administered)
        row = RecallScope(
            recall=recall,
            record=key,
            description=edits.text(item.description, f"{at}.description", required=True, limit=200),
            unit=edits.text(item.unit, f"{at}.unit", limit=20),
            quantity_distributed=distributed,
            quantity_returned=returned,
            quantity_destroyed=destroyed,
            quantity_administered=administered,
        )
        rows.append((row, target))
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()
        taken = set(recall.scope.filter(voided=False, record__in=seen).values_list("record", flat=True))
        if taken:
            raise Conflict(f"{recall.number} already has {', '.join(sorted(taken))} in its scope")
        for row, target in rows:
            ch.save(row)
            links.link(actor=actor, source=recall, target=target, relation=Relation.CONCERNS, reason=reason)
    return [row for row, _ in rows]


def update_scope(
    *,
    actor: User,
    row: RecallScope,
    reason: str,
    version: int | None,
    quantity_returned: Decimal | int | str = UNSET,
    quantity_destroyed: Decimal | int | str = UNSET,
    quantity_administered: Decimal | int | str = UNSET,
    quantity_distributed: Decimal | int | str = UNSET,
) -> RecallScope:
    """Record what came back of a batch or lot: returned, destroyed, administered (never more than distributed)."""
    edits.check_may_edit(actor, row.recall, version=None, states=OPEN)
    edits.check_may_edit(actor, row, version=version)
    values: dict[str, Any] = {}
    for name, value in (
        ("quantity_distributed", quantity_distributed),
        ("quantity_returned", quantity_returned),
        ("quantity_destroyed", quantity_destroyed),
        ("quantity_administered", quantity_administered),
    ):
        if value is not UNSET:
            values[name] = edits.quantity(value, name)
    merged = {
        n: Decimal(values.get(n, getattr(row, n)))
        for n in ("quantity_distributed", "quantity_returned", "quantity_destroyed", "quantity_administered")
    }
    _accounted_within(
        "quantity_returned",
        merged["quantity_distributed"],
        merged["quantity_returned"],
        merged["quantity_destroyed"],
        merged["quantity_administered"],
    )
    return edits.apply(actor=actor, record=row, values=values, reason=reason)


def add_recipient(*, actor: User, recall: Recall, reference: str, kind: str, reason: str = "") -> RecallRecipient:
    """Add a consignee or patient to reach, by a pseudonymous reference (never a name or address)."""
    edits.check_may_edit(actor, recall, version=None, states=TAKES_SCOPE)
    kind = edits.choice(kind, "kind", RecipientKind.values)
    typed = edits.text(reference, "reference", required=True, limit=100)
    recipient = RecallRecipient(
        recall=recall,
        reference=edits.no_personal_data(typed, "reference", pseudonym=kind == RecipientKind.PATIENT),
        kind=kind,
    )
    with writer.change(actor=actor, reason=reason) as ch:
        if recall.recipients.filter(voided=False, kind=recipient.kind, reference=recipient.reference).exists():
            raise Conflict(f"{recall.number} already lists {recipient.kind} {recipient.reference}")
        ch.save(recipient)
    return recipient


def record_notification(
    *,
    actor: User,
    recipient: RecallRecipient,
    reason: str,
    version: int | None,
    notified_at: dt.datetime | None = None,
    response: str = UNSET,
) -> RecallRecipient:
    """Record when the recipient was notified (now by default) and what they answered."""
    edits.check_may_edit(actor, recipient.recall, version=None, states=OPEN)
    edits.check_may_edit(actor, recipient, version=version)
    moment = notified_at or recipient.notified_at or clock.now()
    if moment.tzinfo is None:
        raise InvalidInput("notified_at", "give the time with its time zone, e.g. 2026-12-05T09:30:00+01:00")
    if moment > clock.now() + dt.timedelta(minutes=5):
        raise InvalidInput("notified_at", "must not be in the future")
    values: dict[str, Any] = {"notified_at": moment}
    if response is not UNSET:
        values["response"] = edits.text(response, "response")
    return edits.apply(actor=actor, record=recipient, values=values, reason=reason)
