"""Apply a record type's declared workflow: what a user may do now, and doing it as one audited change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import User
from atmp.accounts.roles import Role
from atmp.accounts.services import can_see
from atmp.ledger import clock, writer
from atmp.ledger.errors import (
    Conflict,
    LedgerError,
    ReasonRequired,
    RecordVoided,
    RuleViolation,
    SignatureRefused,
    StaleRecord,
)
from atmp.ledger.records import GmpRecord
from atmp.ledger.signatures import MEANINGS
from atmp.workflow.machine import Transition, Workflow
from atmp.workflow.models import WorkflowRecord


@dataclass(frozen=True)
class Option:
    """A transition leaving the record's current state, and why this user may not take it (if not)."""

    transition: Transition
    reasons: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        """Return True when nothing stands in the way."""
        return not self.reasons

    @property
    def name(self) -> str:
        """Return the transition's name."""
        return self.transition.name

    @property
    def meaning_label(self) -> str | None:
        """Return the label of the signature the transition needs, if it needs one."""
        meaning = self.transition.meaning
        return MEANINGS.get(meaning, meaning) if meaning else None


def workflow_of(record: GmpRecord) -> Workflow:
    """Return the record type's workflow, or refuse a record that has none."""
    if not isinstance(record, WorkflowRecord):
        raise InvalidInput("record", f"{record.record_type()} records have no workflow")
    return record.workflow


def is_workflow_record(record: GmpRecord) -> bool:
    """Return True when the record moves through a declared workflow."""
    return isinstance(record, WorkflowRecord)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def missing_fields(record: WorkflowRecord, transition: Transition) -> list[str]:
    """Return the fields the target state needs that the record leaves empty."""
    missing = []
    for name in transition.required:
        field = record._meta.get_field(name)
        if _blank(getattr(record, getattr(field, "attname", name))):
            missing.append(name)
    return missing


def _field_label(record: WorkflowRecord, name: str) -> str:
    return str(getattr(record._meta.get_field(name), "verbose_name", name))


def _reasons(actor: User, record: WorkflowRecord, transition: Transition) -> list[tuple[type[LedgerError], str]]:
    """Return every rule standing in the way, most fundamental first, with the error each raises."""
    wf = record.workflow
    reasons: list[tuple[type[LedgerError], str]] = []
    if record.voided:
        return [(RecordVoided, f"{record.record_key} is voided")]
    if record.status not in transition.sources:
        allowed = ", ".join(wf.label(s) for s in transition.sources)
        reasons.append(
            (Conflict, f"'{transition.label}' is taken from {allowed}, and the record is {wf.label(record.status)}")
        )
        return reasons
    if not actor.can(transition.permission):
        reasons.append((NotAllowed, f"your roles do not grant {transition.permission!r}"))
    if not can_see(actor, record):
        reasons.append((NotAllowed, f"{record.record_key} belongs to a site that is not yours"))
    for name in missing_fields(record, transition):
        reasons.append(
            (InvalidInput, f"{name}: '{_field_label(record, name)}' must be filled in to {transition.label.lower()}")
        )
    for precondition in transition.preconditions:
        broken = precondition(record)
        if broken:
            reasons.append((RuleViolation, broken))
    if transition.meaning:
        from atmp.accounts import signing

        try:
            signing.check_can_sign(actor, record, transition.meaning)
        except LedgerError as exc:
            reasons.append((SignatureRefused, str(exc)))
    # Who may take it: for a signed transition, a rule about the signer (refused like the signature).
    refusal = SignatureRefused if transition.meaning else NotAllowed
    for rule in transition.actor_rules:
        broken = rule(record, actor)
        if broken:
            reasons.append((refusal, broken))
    return reasons


def available(actor: User, record: GmpRecord) -> list[Option]:
    """Return the transitions that leave the record's current state, each with what stands in its way."""
    if not isinstance(record, WorkflowRecord) or record.voided:
        return []
    return [
        Option(transition=t, reasons=tuple(text for _, text in _reasons(actor, record, t)))
        for t in record.workflow.from_state(record.status)
    ]


def check(actor: User, record: GmpRecord, name: str) -> Transition:
    """Return the named transition if the actor may take it now, or raise the first rule in its way."""
    wf = workflow_of(record)
    transition = wf.transition(name)
    if transition is None:
        known = ", ".join(t.name for t in wf.transitions)
        raise InvalidInput("transition", f"{record.record_type()} has no transition {name!r}; it has: {known}")
    reasons = _reasons(actor, record, transition)  # type: ignore[arg-type]
    if reasons:
        kind, text = reasons[0]
        if kind is InvalidInput:
            field, _, message = text.partition(": ")
            raise InvalidInput(field, message)
        raise kind(text)
    return transition


def transition(
    actor: User,
    record: GmpRecord,
    name: str,
    *,
    reason: str,
    password: str | None = None,
    otp: str | None = None,
    version: int | None = None,
    opening: str | None = None,
) -> WorkflowRecord:
    """Take the named transition as one audited change, signed when it needs a signature.

    version: the version the actor saw; a record that moved on since is refused (StaleRecord).
    opening: for a record not yet written, the reason atmp opens it with, in the same change (a refusal
    leaves it unwritten).
    """
    if not isinstance(record, WorkflowRecord):
        raise InvalidInput("record", f"{record.record_type()} records have no workflow")
    if version is not None and version != record.version:
        raise StaleRecord(
            f"{record.record_key}: you saw version {version}, version {record.version} is current; reload and try again"
        )
    if not reason.strip():
        raise ReasonRequired(f"{record.record_key}: say why ('reason'): every transition is a change (Annex 11 §9)")
    step = check(actor, record, name)
    if step.meaning and not password:
        label = MEANINGS.get(step.meaning, step.meaning)
        raise InvalidInput("password", f"'{step.label}' is signed '{label}': give your password to sign")

    unsaved = record._state.adding
    if unsaved and opening is None:
        raise InvalidInput("record", f"{record.record_type()}: a record not yet written is opened with a reason")
    kept = (record.status, record.last_transition, record.finished_at, record.version)

    def move(ch: writer.Change) -> None:
        if unsaved:
            with ch.by_atmp(opening or ""):
                ch.save(record)
        record.status = step.target
        record.last_transition = step.name
        if record.workflow.is_final(step.target):
            record.finished_at = clock.now()
        for compute in step.computes:
            compute(record, actor)
        ch.save(record, action="transition")
        for effect in step.effects:
            effect(ch, record, actor)

    try:
        if step.meaning:
            from atmp.accounts import signing

            signing.sign_change(
                signer=actor,
                record=record,
                meaning=step.meaning,
                password=password or "",
                otp=otp,
                reason=reason,
                first=move,
            )
        else:
            with writer.change(actor=actor, reason=reason) as ch:
                move(ch)
    except BaseException:
        if unsaved:  # the change rolled back: the record was never written
            record.pk, record._state.adding = None, True
            record.status, record.last_transition, record.finished_at, record.version = kept
        else:
            record.refresh_from_db()  # the change rolled back: forget the status set in memory
        raise
    return record


def assign(
    actor: User,
    record: GmpRecord,
    *,
    reason: str,
    assignee: User | None = None,
    role: str = "",
    due_date: dt.date | None = None,
    version: int | None = None,
) -> WorkflowRecord:
    """Assign the record to a person or a role (or neither) with a due date, as one audited change."""
    if not isinstance(record, WorkflowRecord):
        raise InvalidInput("record", f"{record.record_type()} records have no workflow")
    if record.voided:
        raise RecordVoided(f"{record.record_key} is voided: it cannot be assigned")
    if record.workflow.is_final(record.status):
        raise Conflict(f"{record.record_key} is {record.state_label()}: a finished record is not assigned")
    if not actor.can(record.write_permission) or not can_see(actor, record):
        raise NotAllowed(f"your roles or sites do not allow assigning {record.record_key}")
    if version is not None and version != record.version:
        raise StaleRecord(f"{record.record_key}: you saw version {version}, version {record.version} is current")
    if role and role not in Role.values:
        raise InvalidInput("role", f"{role!r} is not a role; one of: {', '.join(Role.values)}")
    if role == Role.SYSTEM_ADMIN or (assignee is not None and Role.SYSTEM_ADMIN in assignee.roles()):
        raise InvalidInput("assignee", "an administrator does not take GMP work (Annex 11 §12)")
    if assignee is not None and not assignee.is_active:
        raise InvalidInput("assignee", f"{assignee.username} is disabled")
    if assignee is not None and not can_see(assignee, record):
        raise InvalidInput("assignee", f"{assignee.username} does not work at the record's site")
    record.assignee = assignee
    record.assigned_role = role
    record.due_date = due_date
    try:
        with writer.change(actor=actor, reason=reason) as ch:
            ch.save(record, action="assign")
    except BaseException:
        record.refresh_from_db()
        raise
    if assignee is not None and assignee.pk != actor.pk:
        from atmp.workflow.notify import notify

        due = f", due {due_date}" if due_date else ""
        notify(
            to=[assignee],
            subject=f"Assigned to you: {record.work_title()}",
            body=f"{actor.full_name} assigned {record.record_key} to you{due}: {reason}",
            record=record,
        )
    return record


def today() -> dt.date:
    """Return today's date in UTC, the date due dates are compared with."""
    return clock.now().date()


def is_overdue(record: GmpRecord, *, on: dt.date | None = None) -> bool:
    """Return True when the record's due date has passed and it is not in a final state."""
    if not isinstance(record, WorkflowRecord) or record.voided or record.due_date is None:
        return False
    return record.due_date < (on or today()) and not record.workflow.is_final(record.status)
