"""Open a recall from a trace's root: the quality module's recall filled with the impact, every lot recalled.

Issue 13 item 7; EU GMP Part IV ch. 14 (Quality defects and product recalls) and Part I Ch. 8. One audited
change, or nothing: the quality recall is opened (quality.services.recalls.open_recall), every affected lot goes
into its scope (add_scope, linked "concerns"), every patient (by COI) and consignee (by site code) becomes a
recipient to reach (add_recipient), and every affected lot still usable moves to `recalled` through the lot
workflow, so that from then on record_use, administer and shipping refuse it. A lot still in quarantine (made
from the recalled one, never released) is rejected instead, as the lot workflow has it: a lot is recalled only
once it was released; both states are final and never used.

Refused (docs/traceability.md, "Recall impact"): without a reason; by a user who may not take
QA's decision (quality.decide: the lot workflow's recall needs it, and opening a recall needs
records.write, which every role holding it has); when an open recall already concerns the root
(a second click, or a second person, would otherwise open a duplicate: add to the open one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import User
from atmp.ledger import writer
from atmp.ledger.errors import Conflict, ReasonRequired
from atmp.quality.models.recalls import Recall, RecipientKind
from atmp.quality.services import recalls as quality
from atmp.trace.models import Lot, Person
from atmp.trace.selectors import recall as selectors
from atmp.trace.units import plain
from atmp.workflow import engine, links
from atmp.workflow.engine import today
from atmp.workflow.models import Link, Relation

DECIDE = "quality.decide"
# What the action does to a lot in each state (workflows/lots.py): a lot once released is recalled,
# one still in quarantine is rejected; a rejected or recalled lot is never used already.
ACTION = {"released": "recall", "expired": "recall", "consumed": "recall", "quarantine": "reject"}
BATCH = quality.MAX_ITEMS  # add_scope takes at most this many items a call


@dataclass(frozen=True)
class Opened:
    """What the action did: the quality recall, the lots recalled, those rejected, and those left as they were."""

    recall: Recall
    recalled: list[str]
    rejected: list[str]  # in quarantine: never released, so rejected rather than recalled
    unchanged: list[tuple[str, str]]  # (lot number, status): rejected or recalled already, or every lot of a mock
    impact: selectors.Impact


def open_recall_of(root: Lot | Person, *, mock: bool = False) -> Recall | None:
    """Return the open recall (or, with mock, the open mock recall) that already concerns the root, or None.

    A mock recall exercises the procedure: it never stands in the way of a real one, nor a real one
    in the way of an exercise.
    """
    sources = Link.objects.filter(
        source_type=Recall.record_type(),
        relation=Relation.CONCERNS,
        target_type=root.record_type(),
        target_id=str(root.pk),
        voided=False,
    ).values_list("source_id", flat=True)
    ids = [int(i) for i in sources]
    return Recall.objects.filter(pk__in=ids, status__in=quality.OPEN, voided=False, mock=mock).order_by("pk").first()


def _description(x: selectors.ImpactedLot) -> str:
    """Return a scope row's description: the lot, its material and status, and where its units are."""
    where = x.where
    parts = [f"{x.number} ({x.facts.material}), {x.facts.status}"]
    if where.in_stock:
        place = f" at {where.site}" + (f" {where.location}" if where.location else "")
        parts.append(f"{plain(where.remaining)} {where.unit} in stock{place}")
    if where.consumed_into:
        parts.append(f"consumed into {len(where.consumed_into)} lot(s)")
    if where.administered_to:
        parts.append(f"administered to {len(where.administered_to)} patient(s)")
    if where.shipped:
        parts.append(f"shipped {len(where.shipped)} time(s)")
    text = "; ".join(parts)
    return text if len(text) <= 200 else text[:199] + "…"


def recall(
    *, actor: User, root: Lot | Person, classification: str, reason: str, mock: bool = False, title: str = ""
) -> Opened:
    """Open a quality recall of all the root reaches, with its recipients, and recall every lot (a mock: none)."""
    if not reason.strip():
        raise ReasonRequired("reason: say why the product is recalled (the defect and its risk)")
    if not actor.can(DECIDE):
        raise NotAllowed(f"your roles do not grant {DECIDE!r}: recalling lots is QA's decision")
    name = root.number if isinstance(root, Lot) else root.coi
    with writer.change(actor=actor, reason=reason) as ch:
        # The impact is read under the ledger's append lock: no use or administration of an affected
        # lot is recorded between reading what the recall reaches and recalling it.
        ch.hold()
        found = selectors.impact(root)
        hidden = len(found.lots) - len(found.visible_to(actor.site_ids()).lots)
        if hidden:
            # Every affected lot is recalled or none: a recall reaching sites the actor does not work
            # at is opened by someone who works at all of them (or at every site).
            raise NotAllowed(
                f"recalling {name} reaches {hidden} lot(s) at sites you do not work at: "
                "it needs a QA user of every site it reaches"
            )
        already = open_recall_of(root, mock=mock)
        if already is not None:
            raise Conflict(
                f"{already.number} is open and already concerns {name}: add to it rather than opening another"
            )
        opened = quality.open_recall(
            actor=actor,
            site=root.site,
            title=title.strip() or f"Recall of {name}",
            recall_reason=reason,
            classification=classification,
            decision_date=today(),  # this action is the decision to recall: the recall may start at once
            mock=mock,
            reason=reason,
        )
        items = [
            quality.ScopeItem(
                record=f"{Lot.record_type()}:{x.facts.id}",
                description=_description(x),
                quantity_distributed=x.facts.quantity,
                unit=x.facts.unit,
            )
            for x in found.lots
        ]
        for start in range(0, len(items), BATCH):
            quality.add_scope(actor=actor, recall=opened, items=items[start : start + BATCH], reason=reason)
        if isinstance(root, Person):
            links.link(actor=actor, source=opened, target=root, relation=Relation.CONCERNS, reason=reason)
        for patient in found.patients:
            quality.add_recipient(
                actor=actor, recall=opened, reference=patient.coi, kind=RecipientKind.PATIENT, reason=reason
            )
        for consignee in found.consignees:
            quality.add_recipient(
                actor=actor, recall=opened, reference=consignee.reference, kind=consignee.kind, reason=reason
            )
        if mock:
            # An exercise: the scope, the recipients and the recall's steps are real; the lots stay as they
            # are and go on being used (EU GMP Part I Ch. 8: the recall arrangements are evaluated periodically).
            moved: dict[str, list[Any]] = {
                "recall": [],
                "reject": [],
                "unchanged": [(x.number, x.facts.status) for x in found.lots],
            }
        else:
            moved = _recall_lots(actor, found, reason)
    return Opened(
        recall=opened, recalled=moved["recall"], rejected=moved["reject"], unchanged=moved["unchanged"], impact=found
    )


def _recall_lots(actor: User, found: selectors.Impact, reason: str) -> dict[str, list[Any]]:
    """Recall (or, in quarantine, reject) every affected lot through the lot workflow, inside the caller's change."""
    ids = [x.facts.id for x in found.lots]
    lots: dict[int, Lot] = {}
    for start in range(0, len(ids), BATCH):
        lots.update(Lot.objects.in_bulk(ids[start : start + BATCH]))
    moved: dict[str, list[Any]] = {"recall": [], "reject": [], "unchanged": []}
    for x in found.lots:
        lot = lots.get(x.facts.id)
        if lot is None:
            raise InvalidInput("root", f"lot {x.number} changed while it was recalled; try again")
        step = ACTION.get(lot.status)
        if step is None:
            moved["unchanged"].append((lot.number, lot.status))
            continue
        engine.transition(actor, lot, step, reason=reason)
        moved[step].append(lot.number)
    return moved
