"""Signing a record: re-authentication (password, and TOTP where enrolled), role, then the ledger.

Part 11 §11.200(a)(1): each signing uses both identification components (username is the session's,
the password is asked again); Annex 11 §14. Every refused attempt is audited with its reason.
"""

from __future__ import annotations

from atmp.accounts.auth import is_locked, register_failure, verify_totp
from atmp.accounts.models import User
from atmp.accounts.roles import meanings_of
from atmp.ledger import signatures, writer
from atmp.ledger.errors import LedgerError, SignatureRefused
from atmp.ledger.models import Signature
from atmp.ledger.records import GmpRecord


def sign(*, signer: User, record: GmpRecord, meaning: str, password: str, otp: str | None = None) -> Signature:
    """Sign the record's current version with the given meaning, or refuse and audit why."""
    try:
        _reauthenticate(signer, password, otp)
        _check_role(signer, meaning)
        with writer.change(actor=signer, reason="") as ch:
            return signatures.apply(ch, record=record, meaning=meaning)
    except LedgerError as exc:
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


def allowed_meanings(user: User) -> list[str]:
    """Return the meanings the user's roles and permissions allow, in the order MEANINGS lists them."""
    by_role = meanings_of(user.roles())
    return [
        m
        for m in signatures.MEANINGS
        if m in by_role and user.can("audit.review" if m == "audit_trail_reviewed" else "records.sign")
    ]


def _check_role(signer: User, meaning: str) -> None:
    if meaning not in signatures.MEANINGS:
        raise SignatureRefused(f"meaning {meaning!r} is unknown; use one of: {', '.join(signatures.MEANINGS)}")
    if meaning not in allowed_meanings(signer):
        raise SignatureRefused(
            f"your roles ({', '.join(sorted(signer.roles())) or 'none'}) do not allow signing as "
            f"'{signatures.MEANINGS[meaning]}'"
        )


def _audit_refusal(signer: User, record: GmpRecord, meaning: str, why: str) -> None:
    with writer.change(actor=signer, reason=why) as ch:
        ch.event(
            action="sign_failed",
            record_type=record.record_type(),
            record_id=str(record.pk),
            record_version=record.version,
            changes={"meaning": [None, meaning]},
        )
