"""Change control (ICH Q10 §3.2.3, Q12): open, edit, link what a change affects, tasks, the QP's approval.

Status moves only through the workflow (`atmp workflow do CC submit|approve|…`); the rules of each
transition are declared in atmp.quality.workflows.changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts import signing
from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see, require
from atmp.ledger import clock, writer
from atmp.ledger.errors import Conflict, RuleViolation, StaleRecord
from atmp.ledger.models import Signature
from atmp.ledger.records import GmpRecord
from atmp.quality.models.changes import AFFECTED_KINDS, ChangeControl, ChangeTask, RegulatoryClass
from atmp.quality.models.risk import RiskAssessment
from atmp.quality.services import edits
from atmp.quality.services.risk import check_edit
from atmp.quality.workflows.changes import QP_ROLE, qp_approvals, risk_assessments
from atmp.workflow import links
from atmp.workflow.models import Link

TEXTS = {
    "title": 200,
    "description": 20000,
    "justification": 20000,
    "classification_rationale": 10000,
    "regulatory_approval_ref": 200,
    "effectiveness_review": 20000,
}
FLAGS = ("comparability_required", "affects_certified_product")
AFFECTED = tuple(f"affected_{k}" for k in AFFECTED_KINDS)
EDITABLE = (*TEXTS, *FLAGS, *AFFECTED, "regulatory_classification")
# What may change in which state: the change itself until it is approved; afterwards only the
# effectiveness review, written during the review (an approval vouches for the content it signed).
EDITABLE_IN = {
    "draft": frozenset(EDITABLE) - {"effectiveness_review"},
    "assessment": frozenset(EDITABLE) - {"effectiveness_review"},
    "approval": frozenset(EDITABLE) - {"effectiveness_review"},
    "effectiveness_review": frozenset({"effectiveness_review"}),
}
MAX_ITEMS = 100
MAX_ITEM = 200
# A document a change revises is linked 'revises'; anything else it affects, 'concerns'.
REVISED_TYPES = ("quality.document",)


def _items(field: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise InvalidInput(field, "must be a list of names")
    items = [edits.text(v, field, limit=MAX_ITEM) for v in value]
    items = [v for v in items if v]
    if len(items) > MAX_ITEMS:
        raise InvalidInput(field, f"at most {MAX_ITEMS} items")
    if len(set(items)) != len(items):
        raise InvalidInput(field, "names an item twice")
    return items


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in fields.items():
        if key in TEXTS:
            values[key] = edits.text(value, key, limit=TEXTS[key], required=key == "title")
        elif key in FLAGS:
            if not isinstance(value, bool):
                raise InvalidInput(key, "true or false")
            values[key] = value
        elif key in AFFECTED:
            values[key] = _items(key, value)
        elif key == "regulatory_classification":
            value = (value or "").strip() if isinstance(value, str) else value
            if value not in ("", *RegulatoryClass.values):
                raise InvalidInput(
                    key, f"{value!r} is not a classification; one of: {', '.join(RegulatoryClass.values)}"
                )
            values[key] = value
        else:
            raise InvalidInput(key, f"cannot be changed; editable fields: {', '.join(EDITABLE)}")
    return values


def open_change(
    *,
    actor: User,
    site: Site,
    title: str,
    reason: str = "",
    affected_records: list[GmpRecord] | None = None,
    risk_assessment: RiskAssessment | None = None,
    **fields: Any,
) -> ChangeControl:
    """Open a change control at a site; records it affects and its risk assessment are linked in the same change."""
    require(actor, ChangeControl.write_permission)
    if site is None or site.voided or not can_see(actor, site):
        raise InvalidInput("site", "name a live site of yours")
    values = _clean({"title": title, **fields})
    if "effectiveness_review" in values:
        raise InvalidInput("effectiveness_review", "is written during the effectiveness review, not when opening")
    with writer.change(actor=actor, reason=reason) as ch:
        number = next_number_cc(ch)
        change = ChangeControl(number=number, site=site, **values)
        ch.save(change)
        for record in affected_records or []:
            _link_affected(actor, change, record, reason)
        if risk_assessment is not None:
            _link_risk(actor, change, risk_assessment, reason)
    return change


def next_number_cc(ch: writer.Change) -> str:
    """Return the next change control number (CC-2026-0001) under the ledger's lock."""
    from atmp.quality.numbering import next_number

    return next_number(ch, ChangeControl, "CC", clock.now().year)


def update_change(
    *, actor: User, change: ChangeControl, reason: str, version: int | None = None, **fields: Any
) -> ChangeControl:
    """Change a change control's content, with a reason; what may change depends on its state."""
    check_edit(actor, change, version=version, reason=reason)
    values = _clean(fields)
    allowed = EDITABLE_IN.get(change.status, frozenset())
    frozen = sorted(set(values) - allowed)
    if frozen:
        raise Conflict(
            f"{change.number} is {change.state_label().lower()}: {frozen[0]} cannot change now"
            + (f" (only: {', '.join(sorted(allowed))})" if allowed else " (nothing can)")
        )
    try:
        with writer.change(actor=actor, reason=reason) as ch:
            for key, value in values.items():
                setattr(change, key, value)
            ch.save(change)
    except BaseException:
        change.refresh_from_db()
        raise
    return change


def _open_for_links(change: ChangeControl) -> None:
    if change.workflow.is_final(change.status):
        raise Conflict(f"{change.number} is {change.state_label().lower()}: it takes no new links")


def _link_affected(actor: User, change: ChangeControl, record: GmpRecord, reason: str) -> Link:
    relation = "revises" if record.record_type() in REVISED_TYPES else "concerns"
    return links.link(actor=actor, source=change, target=record, relation=relation, reason=reason)


def _link_risk(actor: User, change: ChangeControl, assessment: GmpRecord, reason: str) -> Link:
    if not isinstance(assessment, RiskAssessment):
        raise InvalidInput("risk_assessment", f"{assessment.record_key} is not a risk assessment")
    if assessment.status == "cancelled":
        raise InvalidInput("risk_assessment", f"{assessment.number} is cancelled")
    return links.link(actor=actor, source=assessment, target=change, relation="supports", reason=reason)


def link_affected(*, actor: User, change: ChangeControl, record: GmpRecord, reason: str = "") -> Link:
    """Link a record the change affects: a document it revises ('revises'), anything else ('concerns')."""
    require(actor, ChangeControl.write_permission)
    _open_for_links(change)
    return _link_affected(actor, change, record, reason)


def link_risk_assessment(*, actor: User, change: ChangeControl, assessment: GmpRecord, reason: str = "") -> Link:
    """Link the risk assessment the change rests on (the assessment 'supports' the change)."""
    require(actor, ChangeControl.write_permission)
    _open_for_links(change)
    return _link_risk(actor, change, assessment, reason)


def _owner(field: str, owner: User | None, change: ChangeControl) -> User:
    if owner is None:
        raise InvalidInput(field, "a task has an owner")
    if not owner.is_active:
        raise InvalidInput(field, f"{owner.username} is disabled")
    if "system_admin" in owner.roles() or not owner.can("records.write"):
        raise InvalidInput(field, f"{owner.username} does not take GMP work")
    if not can_see(owner, change):
        raise InvalidInput(field, f"{owner.username} does not work at the change's site")
    return owner


def add_task(
    *,
    actor: User,
    change: ChangeControl,
    title: str,
    owner: User | None,
    due_date: dt.date | None = None,
    reason: str = "",
) -> ChangeTask:
    """Add an implementation task with its owner and due date, until the change is implemented."""
    require(actor, ChangeTask.write_permission)
    if not can_see(actor, change):
        raise NotAllowed(f"{change.record_key} belongs to a site that is not yours")
    if change.status not in ("draft", "assessment", "approval", "implementation"):
        raise Conflict(f"{change.number} is {change.state_label().lower()}: tasks are planned until it is implemented")
    task = ChangeTask(
        change=change,
        title=edits.text(title, "title", limit=200, required=True),
        owner=_owner("owner", owner, change),
        due_date=due_date,
    )
    with writer.change(actor=actor, reason=reason) as ch:
        ch.save(task)
    return task


def update_task(
    *,
    actor: User,
    task: ChangeTask,
    reason: str,
    version: int | None = None,
    title: str | None = None,
    owner: User | None = None,
    due_date: dt.date | None = None,
) -> ChangeTask:
    """Change an open task's title, owner or due date, with a reason."""
    check_edit(actor, task, version=version, reason=reason)
    change = task.change
    if task.done:
        raise Conflict(f"task {task.pk} is done: a done task does not change")
    if change.status not in ("draft", "assessment", "approval", "implementation"):
        raise Conflict(f"{change.number} is {change.state_label().lower()}: its tasks no longer change")
    try:
        with writer.change(actor=actor, reason=reason) as ch:
            if title is not None:
                task.title = edits.text(title, "title", limit=200, required=True)
            if owner is not None:
                task.owner = _owner("owner", owner, change)
            if due_date is not None:
                task.due_date = due_date
            ch.save(task)
    except BaseException:
        task.refresh_from_db()
        raise
    return task


def complete_task(
    *,
    actor: User,
    task: ChangeTask,
    evidence: str,
    reason: str,
    done_on: dt.date | None = None,
    version: int | None = None,
) -> ChangeTask:
    """Mark a task done, on a date not in the future, with the evidence that it is done."""
    check_edit(actor, task, version=version, reason=reason)
    change = task.change
    if change.status != "implementation":
        raise Conflict(f"{change.number} is {change.state_label().lower()}: tasks are done during implementation")
    if task.done:
        raise Conflict(f"task {task.pk} is already done")
    evidence = edits.text(evidence, "evidence", limit=10000, required=True)
    today = clock.now().date()
    day = done_on or today
    if day > today:
        raise InvalidInput("done_on", "a task is not done in the future")
    try:
        with writer.change(actor=actor, reason=reason) as ch:
            task.done, task.done_on, task.evidence = True, day, evidence
            ch.save(task)
    except BaseException:
        task.refresh_from_db()
        raise
    return task


def qp_approve(
    *, actor: User, change: ChangeControl, password: str, otp: str | None = None, version: int | None = None
) -> Signature:
    """Give a Qualified Person's approval of an assessed change to certified product (a signature 'approved').

    Given before the change is submitted, so that QA's approval signs a version of its own
    (atmp.quality.workflows.changes explains why).
    """
    if not can_see(actor, change):
        raise NotAllowed(f"{change.record_key} belongs to a site that is not yours")
    if QP_ROLE not in actor.roles():
        raise NotAllowed("the QP's approval is given by a Qualified Person")
    if version is not None and version != change.version:
        raise StaleRecord(f"{change.record_key}: you saw version {version}, version {change.version} is current")
    if change.status != "assessment":
        raise Conflict(
            f"{change.number} is {change.state_label().lower()}: a QP approves the assessed change before it is "
            "submitted for QA's approval"
        )
    if not change.affects_certified_product:
        raise RuleViolation(f"{change.number} does not affect certified product: it needs no QP's approval")
    if not change.regulatory_classification or not change.classification_rationale.strip():
        raise RuleViolation("classify the change (with its rationale) before the QP approves it")
    if not risk_assessments(change):
        raise RuleViolation("link the change's risk assessment before the QP approves it")
    if qp_approvals(change):
        raise Conflict(f"a QP's approval of {change.number} stands already")
    return signing.sign(signer=actor, record=change, meaning="approved", password=password, otp=otp)
