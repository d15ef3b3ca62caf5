"""The two-person rule for GMP roles: a QA Approver approves (with a signature) or rejects a pending assignment.

An administrator grants a GMP role; it takes effect only when someone else, whose roles sign
'approved', re-authenticates and signs the assignment (Annex 11 §12, EU GMP Chapter 2; PIC/S
PI 041 on segregation of duties). docs/adr/0006-role-approval.md says why it is built this way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from atmp.accounts import signing
from atmp.accounts.errors import AccountError, InvalidInput, NotAllowed
from atmp.accounts.models import RoleAssignment, User
from atmp.ledger import signatures, writer
from atmp.ledger.actors import SYSTEM
from atmp.ledger.errors import LedgerError, SignatureRefused
from atmp.ledger.models import Signature
from atmp.ledger.writer import Change

APPROVED = "approved"


def approve_role_assignment(
    *, actor: User, assignment: RoleAssignment, password: str, otp: str | None = None, reason: str = ""
) -> Signature:
    """Approve a pending GMP role: it becomes active and carries the approver's 'approved' signature.

    One audited change holds both: the system moves the assignment to "active" (the rule acting on
    the approval, so the approver is not its author), and the approver signs that active version.
    A refused attempt is audited like any refused signature.
    """
    try:
        signing._reauthenticate(actor, password, otp)
        signing._check_signer(actor, assignment, APPROVED)
        _check_decidable(actor, assignment)
        why = reason.strip() or f"approved by {actor.ledger_name()}"
        with writer.change(actor=actor, reason=why) as ch:
            with _as_system(ch):
                assignment.status = RoleAssignment.ACTIVE
                ch.save(assignment)
            assignment.user.forget_roles()
            return signatures.apply(ch, record=assignment, meaning=APPROVED)
    except LedgerError as exc:
        assignment.refresh_from_db()
        signing._audit_refusal(actor, assignment, APPROVED, str(exc))
        if isinstance(exc, NotAllowed | SignatureRefused):
            raise
        raise SignatureRefused(str(exc)) from None


def reject_role_assignment(*, actor: User, assignment: RoleAssignment, reason: str) -> RoleAssignment:
    """Refuse a pending role assignment with a reason: it is voided, with status "rejected"."""
    if not _may_approve(actor, assignment):
        raise NotAllowed(f"{actor.username} may not decide on role assignments: it needs a role that signs 'approved'")
    _check_decidable(actor, assignment)
    if not reason.strip():
        raise InvalidInput("reason", "a reason is required to reject a role assignment")
    with writer.change(actor=actor, reason=reason):
        assignment.voided = True
        assignment.status = RoleAssignment.REJECTED
        assignment.save()
    return assignment


def can_decide(actor: User, assignment: RoleAssignment) -> bool:
    """Return True when the actor may approve or reject the assignment (for offering the buttons)."""
    try:
        _check_decidable(actor, assignment)
    except AccountError:
        return False
    return _may_approve(actor, assignment)


def _may_approve(actor: User, assignment: RoleAssignment) -> bool:
    """Return True when the actor's roles and sites let them sign the assignment 'approved'."""
    try:
        signing._check_signer(actor, assignment, APPROVED)
    except LedgerError:
        return False
    return True


def _check_decidable(actor: User, assignment: RoleAssignment) -> None:
    """Refuse a decision on an assignment that is not pending, or on one's own."""
    if assignment.voided or assignment.status != RoleAssignment.PENDING:
        raise AccountError(f"{assignment.record_key} is {assignment.status}: only a pending assignment is decided")
    if assignment.user_id == actor.pk:
        raise NotAllowed("segregation of duties: you cannot decide on your own role assignment")
    sites = actor.site_ids()
    if sites is not None and (assignment.site_id is None or assignment.site_id not in sites):
        raise NotAllowed("you can decide only on role assignments at your own sites")


@contextmanager
def _as_system(ch: Change) -> Iterator[None]:
    """Record the saves inside as atmp's own (the rule moving the record), within the same change."""
    actor = ch.actor
    ch.actor = SYSTEM
    try:
        yield
    finally:
        ch.actor = actor
