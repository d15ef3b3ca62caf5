"""Controlled documents and training: documents, versions, training requirements, read-and-understood.

Status changes go through atmp.workflow.transition only (atmp.quality.workflows.documents); these
services create and edit content, and sign a trainee's read-and-understood.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from atmp.accounts import signing
from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import Site, User
from atmp.accounts.roles import Role
from atmp.accounts.services import can_see
from atmp.ledger import clock, signatures, writer
from atmp.ledger.errors import Conflict, LedgerError, ReasonRequired, RuleViolation, SignatureRefused, StaleRecord
from atmp.ledger.records import GmpRecord
from atmp.quality.models.documents import (
    NUMBER_PREFIXES,
    Document,
    DocumentType,
    DocumentVersion,
    TrainingRecord,
    TrainingRequirement,
)
from atmp.quality.services import edits

READ_UNDERSTOOD = "read_understood"
# A version in preparation: a document has at most one at a time (the next version starts from the last).
IN_PREPARATION = ("draft", "in_review", "approved")
MAX_INTERVAL_MONTHS = 120
MAX_GRACE_DAYS = 365


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the date `months` calendar months after `day` (the 31st becomes the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _interval(value: int) -> int:
    if not 1 <= value <= MAX_INTERVAL_MONTHS:
        raise InvalidInput("review_interval_months", f"must be between 1 and {MAX_INTERVAL_MONTHS} months")
    return value


def _may_write(actor: User, record: GmpRecord, permission: str = "records.write") -> None:
    if not actor.can(permission):
        raise NotAllowed(f"your roles do not grant {permission!r}")
    if not can_see(actor, record):
        raise NotAllowed(f"{record.record_key} belongs to a site that is not yours")


def _owner(owner: User) -> User:
    if not owner.is_active:
        raise InvalidInput("owner", f"{owner.username} is disabled")
    if not owner.roles() - {Role.INSPECTOR, Role.SYSTEM_ADMIN}:
        raise InvalidInput(
            "owner", f"{owner.username} holds no GMP role: a document is owned by someone who does GMP work"
        )
    return owner


def _seen(record: GmpRecord, version: int) -> None:
    if version != record.version:
        raise StaleRecord(
            f"{record.record_key}: you saw version {version}, version {record.version} is current; reload and try again"
        )


def _next_document_number(ch: writer.Change, prefix: str) -> str:
    ch.hold()  # under the ledger's lock: no two documents get the same number
    stem = f"{prefix}-"
    taken = Document._base_manager.filter(number__startswith=stem).values_list("number", flat=True)
    pattern = re.compile(rf"^{re.escape(stem)}(\d+)$")
    highest = max((int(m.group(1)) for t in taken if (m := pattern.match(t))), default=0)
    return f"{stem}{highest + 1:04d}"


def add_document(
    *,
    actor: User,
    title: str,
    document_type: str,
    owner: User,
    site: Site | None = None,
    review_interval_months: int = 24,
    number: str = "",
    reason: str = "",
) -> Document:
    """Register a controlled document (numbered SOP-0001, POL-0001 … unless a number is given)."""
    if document_type not in DocumentType.values:
        raise InvalidInput(
            "document_type", f"{document_type!r} is not a document type; one of: {', '.join(DocumentType.values)}"
        )
    document = Document(
        title=edits.text(title, "title", limit=200, required=True),
        document_type=document_type,
        owner=_owner(owner),
        site=site,
        review_interval_months=_interval(review_interval_months),
    )
    number = edits.text(number, "number", limit=40)
    _may_write(actor, document)
    if site is not None and not can_see(actor, site):
        raise NotAllowed(f"site {site.code} is not one of your sites")
    with writer.change(actor=actor, reason=reason) as ch:
        if number:
            ch.hold()
            if Document._base_manager.filter(number=number).exists():
                raise Conflict(f"number: document {number} exists already; a document number is never reused")
            document.number = number
        else:
            document.number = _next_document_number(ch, NUMBER_PREFIXES[document_type])
        document.save()
    return document


def update_document(
    *,
    actor: User,
    document: Document,
    reason: str,
    version: int,
    title: str | None = None,
    owner: User | None = None,
    review_interval_months: int | None = None,
) -> Document:
    """Change a document's title, owner or review interval, with a reason, from the version the user saw."""
    _may_write(actor, document)
    if not reason.strip():
        raise ReasonRequired(f"{document.record_key}: say why ('reason'): the change is recorded (Annex 11 §9)")
    _seen(document, version)
    if title is not None:
        document.title = edits.text(title, "title", limit=200, required=True)
    if owner is not None:
        document.owner = _owner(owner)
    if review_interval_months is not None:
        document.review_interval_months = _interval(review_interval_months)
    try:
        with writer.change(actor=actor, reason=reason):
            document.save()
    except BaseException:
        document.refresh_from_db()
        raise
    return document


def _check_effective_date(effective_date: dt.date | None) -> dt.date | None:
    if effective_date is not None and not dt.date(2000, 1, 1) <= effective_date <= dt.date(2999, 12, 31):
        raise InvalidInput("effective_date", "must be a date between 2000-01-01 and 2999-12-31")
    return effective_date


def _review_due(document: Document, effective_date: dt.date | None) -> dt.date | None:
    return add_months(effective_date, document.review_interval_months) if effective_date else None


def add_version(
    *,
    actor: User,
    document: Document,
    change_summary: str = "",
    effective_date: dt.date | None = None,
    reason: str = "",
) -> DocumentVersion:
    """Start the document's next version as a draft; refused while another version is in preparation."""
    _may_write(actor, document)
    if document.voided:
        raise Conflict(f"{document.record_key} is voided: it takes no new version")
    draft = DocumentVersion(
        document=document,
        change_summary=edits.text(change_summary, "change_summary", limit=5000),
        effective_date=_check_effective_date(effective_date),
        review_due=_review_due(document, effective_date),
    )
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()  # under the ledger's lock: two people starting a version at once get one each, in turn
        versions = DocumentVersion._base_manager.filter(document=document, voided=False)
        pending = versions.filter(status__in=IN_PREPARATION).first()
        if pending is not None:
            raise Conflict(
                f"{document.number} version {pending.label} is {pending.state_label()}: one version is "
                "prepared at a time; finish or cancel it first"
            )
        labels = [
            int(v)
            for v in DocumentVersion._base_manager.filter(document=document).values_list("label", flat=True)
            if v.isdecimal()
        ]
        draft.label = str(max(labels, default=0) + 1)
        draft.save()
    return draft


def update_version(
    *,
    actor: User,
    document_version: DocumentVersion,
    reason: str,
    version: int,
    change_summary: str | None = None,
    effective_date: dt.date | None = None,
) -> DocumentVersion:
    """Change a draft version's change summary or effective date (the review date follows)."""
    _may_write(actor, document_version)
    if document_version.status != "draft":
        raise Conflict(
            f"{document_version.record_key} is {document_version.state_label()}: only a draft is edited; "
            "return it to draft first"
        )
    if not reason.strip():
        raise ReasonRequired(f"{document_version.record_key}: say why ('reason'): the change is recorded (Annex 11 §9)")
    _seen(document_version, version)
    if change_summary is not None:
        document_version.change_summary = edits.text(change_summary, "change_summary", limit=5000)
    if effective_date is not None:
        document_version.effective_date = _check_effective_date(effective_date)
        document_version.review_due = _review_due(document_version.document, effective_date)
    try:
        with writer.change(actor=actor, reason=reason):
            document_version.save()
    except BaseException:
        document_version.refresh_from_db()
        raise
    return document_version


def add_requirement(
    *,
    actor: User,
    document: Document,
    role: str = "",
    user: User | None = None,
    site: Site | None = None,
    grace_days: int = 30,
    note: str = "",
    reason: str = "",
) -> TrainingRequirement:
    """Require training on the document for a role (at one site or all) or for a named person."""
    _may_write(actor, document, "quality.decide")
    if bool(role) == (user is not None):
        raise InvalidInput("role", "name either a role or a user the requirement applies to, not both or neither")
    if role and role not in Role.values:
        raise InvalidInput("role", f"{role!r} is not a role; one of: {', '.join(Role.values)}")
    if role in (Role.INSPECTOR, Role.SYSTEM_ADMIN):
        raise InvalidInput("role", f"{role} does no GMP work and is not trained on GMP documents")
    if user is not None and not user.is_active:
        raise InvalidInput("user", f"{user.username} is disabled")
    if not 0 <= grace_days <= MAX_GRACE_DAYS:
        raise InvalidInput("grace_days", f"must be between 0 and {MAX_GRACE_DAYS} days")
    if site is not None and document.site_id is not None and site.pk != document.site_id:
        raise InvalidInput("site", f"{document.number} applies at one site only; a requirement cannot name another")
    requirement = TrainingRequirement(
        document=document,
        role=role,
        user=user,
        site=site,
        grace_days=grace_days,
        note=edits.text(note, "note", limit=2000),
    )
    with writer.change(actor=actor, reason=reason):
        requirement.save()
    return requirement


def void_requirement(*, actor: User, requirement: TrainingRequirement, reason: str) -> TrainingRequirement:
    """Remove a training requirement: it is voided with the reason, and the ledger keeps it."""
    _may_write(actor, requirement, "quality.decide")
    if requirement.voided:
        raise Conflict(f"{requirement.record_key} is voided already")
    if not reason.strip():
        raise ReasonRequired(f"{requirement.record_key}: say why the requirement is removed ('reason')")
    try:
        with writer.change(actor=actor, reason=reason):
            requirement.voided = True
            requirement.save()
    except BaseException:
        requirement.refresh_from_db()
        raise
    return requirement


def read_and_understood(
    *, actor: User, version: DocumentVersion, password: str, otp: str | None = None
) -> TrainingRecord:
    """Sign the effective version 'Read and understood' and write the trainee's training record, as one change.

    The signature is given on the trainee's own training record, which names the version and freezes
    its snapshot hash; a refused attempt is audited against the version (Part 11 §11.200).
    """
    if version.status != "effective" or version.voided:
        raise RuleViolation(
            f"{version.record_key}: a read-and-understood is signed on the effective version only, "
            f"and version {version.label} is {version.state_label()}"
        )
    if TrainingRecord._base_manager.filter(user=actor, document_version=version, voided=False).exists():
        raise Conflict(
            f"you have signed {version.document.number} version {version.label} as read and understood already"
        )
    record = TrainingRecord(
        user=actor,
        document=version.document,
        document_version=version,
        version_snapshot_hash=version.snapshot_hash(),
    )
    try:
        if not can_see(actor, version):
            raise SignatureRefused(f"{version.record_key} belongs to a site that is not yours")
        signing.check_can_sign(actor, record, READ_UNDERSTOOD)
        from atmp.accounts import auth

        try:
            auth.reauthenticate(actor, password, otp, action="sign_auth_failed")
        except InvalidInput as exc:
            raise SignatureRefused(f"signature refused: {exc}") from None
    except (LedgerError, NotAllowed) as exc:
        _audit_refusal(actor, version, str(exc))
        raise SignatureRefused(str(exc)) from None
    with writer.change(
        actor=actor, reason=f"read and understood {version.document.number} version {version.label}"
    ) as ch:
        ch.hold()
        current = DocumentVersion._base_manager.get(pk=version.pk)
        if current.status != "effective" or current.version != version.version:
            raise Conflict(f"{version.record_key} changed while you read it; reload and sign the version in force")
        record.signed_at = clock.now()
        record.save()
        signatures.apply(ch, record=record, meaning=READ_UNDERSTOOD)
    return record


def _audit_refusal(actor: User, version: DocumentVersion, why: str) -> None:
    with writer.change(actor=actor, reason=why) as ch:
        ch.event(
            action="sign_failed",
            record_type=version.record_type(),
            record_id=str(version.pk),
            record_version=version.version,
            changes={"meaning": [None, READ_UNDERSTOOD]},
        )
