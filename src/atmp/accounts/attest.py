"""Accounts inside the proof: a digest of what decides who may sign, attested by every change of it.

The digest covers an account's username, printed name, active and administrative flags, password
hash, MFA state and secret, whether it must change its password, and its API tokens (hash, name,
scope, expiry, revocation). Counters that
change on every sign-in (failed attempts, the last TOTP step, the last login) are left out: they
decide nothing about who may sign. Every service that changes a covered field appends its entry
through `account_event`, so the entry carries the digest after the change; `atmp verify` recomputes
it for every account (atmp.ledger.attested). The digest is a SHA-256 over values that include a
salted Argon2id hash and the MFA secret as stored: it reveals neither, and is never exported alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from atmp.ledger.attested import ATTESTED_VERSION, AttestedRow
from atmp.ledger.canonical import dumps, sha256_hex
from atmp.ledger.records import to_json
from atmp.ledger.writer import Change

USER_TYPE = "accounts.user"
ACCOUNT_FIELDS = (
    "username", "full_name", "is_active", "is_staff", "is_superuser", "password", "mfa_enabled", "mfa_secret",
    "must_change_password",
)  # fmt: skip
TOKEN_FIELDS = ("key_hash", "name", "scope", "expires_at", "revoked")


def digest_of(account: Mapping[str, Any], tokens: Iterable[Mapping[str, Any]]) -> str:
    """Return the digest of an account's covered fields and its tokens' (plain values, as read)."""
    body = {name: to_json(account[name]) for name in ACCOUNT_FIELDS}
    body["tokens"] = sorted(([to_json(t[name]) for name in TOKEN_FIELDS] for t in tokens), key=lambda t: t[0])
    return sha256_hex(dumps(body))


def security_digest(user: Any) -> str:
    """Return the digest of a user as stored now, tokens included."""
    from atmp.accounts.models import ApiToken, User

    account = User.objects.filter(pk=user.pk).values(*ACCOUNT_FIELDS).get()
    tokens = ApiToken.objects.filter(user_id=user.pk).values(*TOKEN_FIELDS)
    return digest_of(account, tokens)


def account_event(
    ch: Change, user: Any, *, action: str, changes: Mapping[str, Any] | None = None, reason: str | None = None
) -> None:
    """Append the entry of a change to an account's covered state, attesting the state after it."""
    ch.event(
        action=action,
        record_type=USER_TYPE,
        record_id=str(user.pk),
        record_version=ATTESTED_VERSION,
        changes=changes,
        snapshot_hash=security_digest(user),
        reason=reason,
    )


def current_accounts() -> Iterator[AttestedRow]:
    """Yield every account's digest now, for `atmp verify` (two queries, whatever the number of users)."""
    from atmp.accounts.models import ApiToken, User

    tokens: dict[int, list[dict[str, Any]]] = {}
    for token in ApiToken.objects.order_by().values("user_id", *TOKEN_FIELDS).iterator(chunk_size=2000):
        tokens.setdefault(token["user_id"], []).append(token)
    for account in User.objects.order_by("pk").values("pk", *ACCOUNT_FIELDS).iterator(chunk_size=2000):
        yield AttestedRow(
            record_id=str(account["pk"]),
            label=f"account {account['username']}",
            digest=digest_of(account, tokens.get(account["pk"], ())),
        )
