"""Signing a record: re-authentication (password, and TOTP where enrolled), role, then the ledger.

Part 11 §11.200(a)(1): each signing uses both identification components (username is the session's,
the password is asked again); Annex 11 §14. Every refused attempt is audited with its reason.
Who may give which meaning is decided here and in atmp.ledger.signatures.check_can_sign, by
check_can_sign below; allowed_meanings is what the dialog and the API offer (docs/adr/0005).
"""

from __future__ import annotations

from collections.abc import Callable

from atmp.accounts.auth import is_locked, register_failure, verify_totp
from atmp.accounts.models import Site, User
from atmp.accounts.roles import meanings_for, signing_meanings_of
from atmp.ledger import reviews, signatures, writer
from atmp.ledger.errors import LedgerError, SignatureRefused
from atmp.ledger.models import AuditTrailReview, Signature
from atmp.ledger.records import GmpRecord


def sign(
    *,
    signer: User,
    record: GmpRecord,
    meaning: str,
    password: str,
    otp: str | None = None,
    outcome: str | None = None,
    findings: str = "",
) -> Signature:
    """Sign the record's current version with the given meaning, or refuse and audit why.

    An audit-trail review is signed with its outcome (and findings): the reviewer's conclusion
    and the move to "reviewed" are the version the signature binds to (reviews.conclude).
    """
    concludes = isinstance(record, AuditTrailReview) and meaning == "audit_trail_reviewed"
    if concludes:
        reviews.check_conclusion(outcome=outcome, findings=findings)  # bad input: refused before anything
    elif outcome or findings:
        raise SignatureRefused("outcome and findings are given only when signing an audit-trail review")

    def conclude(ch: writer.Change) -> None:
        reviews.conclude(ch, record, outcome=outcome, findings=findings)  # type: ignore[arg-type]

    return sign_change(
        signer=signer,
        record=record,
        meaning=meaning,
        password=password,
        otp=otp,
        reason="review concluded" if concludes else "",
        first=conclude if concludes else None,
    )


def sign_change(
    *,
    signer: User,
    record: GmpRecord,
    meaning: str,
    password: str,
    otp: str | None = None,
    reason: str = "",
    first: Callable[[writer.Change], None] | None = None,
) -> Signature:
    """Re-authenticate the signer, make the change `first` makes (if any), and sign the version it writes.

    One transaction: the change and its signature land together or not at all. A workflow
    transition that needs a signature passes its status change as `first` (docs/adr/0011).
    A refusal is audited as a failed signing attempt naming the signer (and the record, unless `first`
    was to write it: then it stays unwritten and the entry names it by its text).
    """
    unsaved = record._state.adding
    try:
        _reauthenticate(signer, password, otp)
        _check_signer(signer, record, meaning)
        with writer.change(actor=signer, reason=reason) as ch:
            if first is not None:
                first(ch)
            return signatures.apply(ch, record=record, meaning=meaning)
    except LedgerError as exc:
        if unsaved:
            record.pk, record._state.adding = None, True  # rolled back with the change
        _audit_refusal(signer, record, meaning, str(exc))
        raise SignatureRefused(str(exc)) from None


def _reauthenticate(signer: User, password: str, otp: str | None) -> None:
    if not signer.is_active or is_locked(signer):
        raise SignatureRefused("your account is disabled or locked: you cannot sign")
    if not signer.check_password(password):
        register_failure(signer, "sign_auth_failed", actor=signer)
        raise SignatureRefused("signature refused: the password is wrong")
    if signer.mfa_enabled and not verify_totp(signer, otp or ""):
        register_failure(signer, "sign_auth_failed", actor=signer)
        raise SignatureRefused("signature refused: the authenticator code is wrong or was already used")


def allowed_meanings(user: User, record: GmpRecord) -> list[str]:
    """Return the meanings the user may give the record's current version now, in the order MEANINGS lists them."""
    offered = []
    for meaning in signatures.MEANINGS:
        try:
            check_can_sign(user, record, meaning)
        except LedgerError:
            continue
        offered.append(meaning)
    return offered


def check_can_sign(signer: User, record: GmpRecord, meaning: str) -> None:
    """Refuse a signature that the signer's roles, sites or GMP forbid, naming the rule."""
    _check_signer(signer, record, meaning)
    signatures.check_can_sign(signer_id=signer.pk, record=record, meaning=meaning)


def _check_signer(signer: User, record: GmpRecord, meaning: str) -> None:
    if meaning not in signatures.MEANINGS:
        raise SignatureRefused(f"meaning {meaning!r} is unknown; use one of: {', '.join(signatures.MEANINGS)}")
    label = signatures.MEANINGS[meaning]
    taken = signing_meanings_of(record)
    what = record._meta.verbose_name_plural
    if meaning not in taken:
        raise SignatureRefused(
            f"{what} are not signed '{label}'; they take: {', '.join(signatures.MEANINGS[m] for m in taken) or 'none'}"
        )
    permission = "audit.review" if meaning == "audit_trail_reviewed" else "records.sign"
    if meaning not in meanings_for(signer.roles(), record) or not signer.can(permission):
        raise SignatureRefused(
            f"your roles ({', '.join(sorted(signer.roles())) or 'none'}) do not allow signing {what} as '{label}'"
        )
    _check_sites(signer, record)


def _check_sites(signer: User, record: GmpRecord) -> None:
    """Refuse a signer who cannot see every site the record concerns."""
    mine = signer.site_ids()
    if mine is None:
        return
    concerned = record.concerned_site_ids()
    if concerned is None:
        raise SignatureRefused(
            f"{record.record_key} concerns every site, and you work at some sites only: "
            "only someone assigned to every site may sign it"
        )
    unseen = concerned - mine
    if unseen:
        codes = ", ".join(Site._base_manager.filter(pk__in=unseen).order_by("code").values_list("code", flat=True))
        raise SignatureRefused(f"{record.record_key} concerns site {codes}, which is not one of your sites")


def _audit_refusal(signer: User, record: GmpRecord, meaning: str, why: str) -> None:
    written = record.pk is not None
    with writer.change(actor=signer, reason=why) as ch:
        ch.event(
            action="sign_failed",
            record_type=record.record_type(),
            record_id=str(record.pk) if written else None,
            record_version=record.version if written else None,
            changes={"meaning": [None, meaning]} | ({} if written else {"record": [None, str(record)]}),
        )
