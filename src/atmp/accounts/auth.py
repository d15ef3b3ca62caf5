"""Sign-in, lockout, TOTP MFA with replay protection, and API tokens; every outcome is in the ledger."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass

import pyotp
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError

from atmp.accounts import sealed, throttle
from atmp.accounts.attest import account_event
from atmp.accounts.errors import AccountError, InvalidInput, LoginRefused, NotAllowed, Throttled
from atmp.accounts.models import ApiToken, User
from atmp.accounts.services import USER_TYPE, check_manages, require
from atmp.ledger import clock, writer

GENERIC_REFUSAL = "sign-in refused: wrong username, password or code"
TOTP_WINDOW = 1  # RFC 6238 §5.2: accept one step of clock drift either way
TOKEN_DAYS = 30  # a token's lifetime unless its maker asks for a shorter one
TOKEN_MAX_DAYS = 90
TOKEN_SCOPES = {"read": "read only (GET)", "read-write": "read and write"}
USERNAME_SHOWN = 64  # an unknown username is recorded up to this many characters
# Unicode categories left out of a recorded username: controls, formats (bidi overrides,
# zero-width), surrogates, private use, unassigned, and line and paragraph separators.
UNSHOWN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _record(
    user: User | None, action: str, changes: dict[str, list[object]] | None = None, *, actor: User | None = None
) -> None:
    # Each outcome is committed on its own, so a refusal is audited even though the caller raises next.
    with writer.change(actor=actor, reason="") as ch:
        ch.event(action=action, record_type=USER_TYPE, record_id=str(user.pk) if user else None, changes=changes or {})


def is_locked(user: User) -> bool:
    """Return True while the account is locked after repeated failures."""
    return user.locked_until is not None and user.locked_until > clock.now()


def register_failure(user: User, action: str = "login_failed", *, actor: User | None = None) -> None:
    """Count a failed authentication, audit it, and lock the account at the threshold.

    `actor` is who tried, when that is known: the signed-in user whose re-authentication failed
    while signing. A failed sign-in has no known actor (anyone can type a username): atmp records it.
    """
    with writer.change(actor=actor, reason="") as ch:
        # Re-read under lock: concurrent failures must all count towards the lockout.
        fresh = User.objects.select_for_update().get(pk=user.pk)
        fresh.failed_logins += 1
        locked_until = None
        if fresh.failed_logins >= settings.ATMP_LOCKOUT_THRESHOLD:
            locked_until = clock.now() + dt.timedelta(seconds=settings.ATMP_LOCKOUT_SECONDS)
            fresh.locked_until = locked_until
            fresh.failed_logins = 0
        fresh.save(update_fields=["failed_logins", "locked_until"])
        user.failed_logins, user.locked_until = fresh.failed_logins, fresh.locked_until
        ch.event(
            action=action, record_type=USER_TYPE, record_id=str(user.pk), changes={"username": [None, user.username]}
        )
        if locked_until is not None:
            ch.event(
                action="lockout",
                record_type=USER_TYPE,
                record_id=str(user.pk),
                changes={"locked_until": [None, locked_until.isoformat()]},
            )


def authenticate(*, username: str, password: str, otp: str | None = None, client: str | None = None) -> User:
    """Return the user when username, password and (if enrolled) TOTP code are right; audit every outcome."""
    user = check_password_step(username=username, password=password, client=client)
    if user.mfa_enabled:
        return check_code_step(user=user, otp=otp or "", client=client)
    return complete_login(user)


def check_password_step(*, username: str, password: str, client: str | None = None) -> User:
    """Check the first factor, auditing and counting a failure; the caller then asks for the code if enrolled.

    The web UI calls this, keeps only the user's id in the session, and calls check_code_step
    with the code: the password is never kept between the two steps. `client` is the caller's
    network address (atmp.accounts.client), whose failures are throttled. Every refusal gives the
    same answer, whether the account is real, unknown, disabled or locked (ASVS 2.2.1, 3.x: no
    account enumeration); only the audit trail says which.
    """
    _refuse_if_throttled(client)
    name = username.strip().lower()
    # No account has a NUL or more than 150 characters in its name (and PostgreSQL refuses a NUL).
    user = User.objects.filter(username=name).first() if "\x00" not in name and len(name) <= 150 else None
    if user is None:
        make_password(password)  # spend the same time as a real check, so timing reveals no usernames
        _record(None, "login_failed", {"username": [None, shown_username(username)]})
        _failed_sign_in(client)
    elif not user.is_active or is_locked(user):
        make_password(password)
        why = "account disabled" if not user.is_active else "account locked"
        _record(user, "login_refused", {"reason": [None, why]})
        _failed_sign_in(client)
    elif not user.check_password(password):
        register_failure(user)
        _failed_sign_in(client)
    else:
        return user
    raise LoginRefused(GENERIC_REFUSAL)


def shown_username(typed: str) -> str:
    """Return a typed username fit for the ledger: bounded, without control, bidi or invisible characters."""
    kept = "".join(c for c in typed if unicodedata.category(c) not in UNSHOWN)
    return kept if len(kept) <= USERNAME_SHOWN else kept[:USERNAME_SHOWN] + "…"


def _refuse_if_throttled(client: str | None) -> None:
    hit = throttle.blocked(throttle.sign_in_limits(client), clock.now())
    if hit is None:
        return
    limit, seconds = hit
    minutes = -(-seconds // 60)
    where = "from your address" if limit.scope == "address" else "on this server"
    raise Throttled(f"sign-in refused: too many failed sign-ins {where}; try again in {minutes} min", seconds)


def _failed_sign_in(client: str | None) -> None:
    for limit in throttle.count_failure(throttle.sign_in_limits(client), clock.now()):
        changes: dict[str, list[object]] = {"limit": [None, limit.scope], "failures": [None, limit.allowed]}
        if limit.scope == "address":
            changes["address"] = [None, client]
        _record(None, "sign_in_throttled", changes)


def check_code_step(*, user: User, otp: str, client: str | None = None) -> User:
    """Check the TOTP code of a user whose password was just verified, then complete the sign-in."""
    _refuse_if_throttled(client)
    if not user.is_active or is_locked(user):
        _record(user, "login_refused", {"reason": [None, "account disabled or locked"]})
        raise LoginRefused(GENERIC_REFUSAL)
    if not verify_totp(user, otp):
        register_failure(user)
        _failed_sign_in(client)
        raise LoginRefused(GENERIC_REFUSAL)
    return complete_login(user)


def complete_login(user: User) -> User:
    """Record a successful sign-in and reset the failure count."""
    with writer.change(actor=user, reason="") as ch:
        user.failed_logins = 0
        user.last_login = clock.now()
        user.save(update_fields=["failed_logins", "last_login"])
        ch.event(action="login", record_type=USER_TYPE, record_id=str(user.pk), changes={})
    return user


def record_logout(user: User) -> None:
    """Audit a sign-out."""
    _record(user, "logout", actor=user)


def verify_totp(user: User, code: str) -> bool:
    """Return True for a valid, not yet used TOTP code, and remember its time step (no replay)."""
    code = code.strip().replace(" ", "")
    if not user.mfa_secret or not code.isdecimal() or len(code) != 6:
        return False
    totp = pyotp.TOTP(sealed.open_secret(user.mfa_secret, user_id=user.pk))
    now_step = int(clock.now().timestamp()) // totp.interval
    for step in range(now_step - TOTP_WINDOW, now_step + TOTP_WINDOW + 1):
        if step <= user.last_otp_step:
            continue  # already used, or older than a used one: a replay
        if hmac.compare_digest(totp.generate_otp(step), code):
            user.last_otp_step = step
            user.save(update_fields=["last_otp_step"])
            return True
    return False


def new_totp_secret() -> str:
    """Return a fresh base32 TOTP secret (160 bits, RFC 4226 §4 R6)."""
    return pyotp.random_base32(32)


def provisioning_uri(user: User, secret: str) -> str:
    """Return the otpauth:// URI an authenticator app reads."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="atmp")


def reauthenticate(user: User, password: str, otp: str | None = None, *, action: str = "reauth_failed") -> None:
    """Refuse unless the password (and the TOTP code, when enrolled) is right; count and audit a failure.

    ASVS V2.2.1/V3.7.1: a session alone does not change credentials; the person proves it is them.
    """
    if not user.is_active or is_locked(user):
        raise NotAllowed("your account is disabled or locked")
    if not user.check_password(password or ""):
        register_failure(user, action)
        raise InvalidInput("password", "the password is wrong")
    if user.mfa_enabled and not verify_totp(user, otp or ""):
        register_failure(user, action)
        raise InvalidInput("otp", "the authenticator code is wrong or was already used")


def enable_mfa(*, user: User, secret: str, code: str, password: str) -> User:
    """Enrol the user in TOTP once they give their password again and prove their app holds the secret."""
    if user.mfa_enabled:
        raise InvalidInput("mfa", "multi-factor authentication is already enabled")
    reauthenticate(user, password, action="mfa_auth_failed")
    try:
        valid = pyotp.TOTP(secret).verify(code.strip(), valid_window=TOTP_WINDOW)
    except Exception:
        raise InvalidInput("secret", "not a base32 TOTP secret") from None
    if not valid:
        raise InvalidInput("code", "the code does not match the secret; check the authenticator app's clock")
    with writer.change(actor=user, reason="") as ch:
        user.mfa_secret = sealed.seal(secret, user_id=user.pk)  # ASVS 2.9.2/6.4.1: encrypted at rest
        user.mfa_enabled = True
        user.last_otp_step = int(clock.now().timestamp()) // 30 + TOTP_WINDOW  # the enrolment code is spent
        user.save(update_fields=["mfa_secret", "mfa_enabled", "last_otp_step"])
        account_event(ch, user, action="mfa_enabled", changes={"mfa_enabled": [False, True]})
    return user


def disable_mfa(*, actor: User | None, user: User, reason: str) -> User:
    """Remove a user's TOTP enrolment (an administrator's action, with a reason; never on their own)."""
    require(actor, "accounts.manage")
    if actor is not None and actor.pk == user.pk:
        raise NotAllowed("you cannot reset your own multi-factor authentication; another administrator must")
    check_manages(actor, user)
    if not reason.strip():
        raise InvalidInput("reason", "a reason is required to remove multi-factor authentication")
    if not user.mfa_enabled:
        raise InvalidInput("mfa", f"{user.username} has no multi-factor authentication")
    with writer.change(actor=actor, reason=reason) as ch:
        user.mfa_secret = ""
        user.mfa_enabled = False
        user.save(update_fields=["mfa_secret", "mfa_enabled"])
        account_event(ch, user, action="mfa_disabled", changes={"mfa_enabled": [True, False]})
    return user


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    """A token just made: the secret (shown this once) and its stored row."""

    raw: str
    token: ApiToken


def issue_token(
    *,
    actor: User | None,
    user: User,
    name: str,
    scope: str = "read-write",
    days: int | None = None,
    password: str | None = None,
    otp: str | None = None,
) -> NewToken:
    """Create an API token for the user, who re-authenticates; or from the server console (actor None).

    Nobody makes a token for someone else through the application: it would let an administrator
    act as a GMP user (Annex 11 §12). A token expires after `days` (default TOKEN_DAYS, at most
    TOKEN_MAX_DAYS) and carries a scope: "read" tokens are refused on unsafe methods.
    """
    if actor is not None and actor.pk != user.pk:
        raise NotAllowed("an API token is made by its owner (or at the server console), never for someone else")
    name = name.strip()
    if not name:
        raise InvalidInput("name", "give the token a name that says what it is for")
    if scope not in TOKEN_SCOPES:
        raise InvalidInput("scope", f"{scope!r} is not a scope; use one of: {', '.join(TOKEN_SCOPES)}")
    lifetime = TOKEN_DAYS if days is None else days
    if not 1 <= lifetime <= TOKEN_MAX_DAYS:
        raise InvalidInput("days", f"a token lives 1 to {TOKEN_MAX_DAYS} days")
    if actor is not None:
        reauthenticate(user, password or "", otp, action="token_auth_failed")
    elif not user.is_active:
        raise InvalidInput("username", f"{user.username} is disabled")
    raw = "atmp_" + secrets.token_urlsafe(32)
    now = clock.now()
    with writer.change(actor=actor, reason="") as ch:
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=raw[:12],
            key_hash=_token_hash(raw),
            created_at=now,
            expires_at=now + dt.timedelta(days=lifetime),
            scope=scope,
        )
        account_event(
            ch,
            user,
            action="token_created",
            changes={
                "token": [None, f"{token.prefix}… {token.name}"],
                "scope": [None, scope],
                "expires_at": [None, token.expires_at.isoformat()],
            },
        )
    return NewToken(raw=raw, token=token)


def token_state(token: ApiToken) -> str:
    """Return "revoked", "expired" or "active"."""
    if token.revoked:
        return "revoked"
    return "expired" if token.expires_at <= clock.now() else "active"


def find_token(user: User, ref: str) -> ApiToken:
    """Return the user's token named by its id or its prefix (as lists show it), or refuse."""
    ref = ref.strip().rstrip("…")
    tokens = ApiToken.objects.filter(user=user)
    found = tokens.filter(pk=int(ref)) if ref.isdecimal() else tokens.filter(prefix=ref)
    matches = list(found[:2])
    if len(matches) != 1:
        what = "no" if not matches else "more than one"
        raise InvalidInput("token", f"{user.username} has {what} token {ref!r}; name it by its id or prefix")
    return matches[0]


def token_for_key(raw: str, *, client: str | None = None) -> ApiToken | None:
    """Return the valid, unexpired, unrevoked token of an active user, with its user; count a failure per client.

    A locked account's tokens keep working: the lockout stops password guessing, and an
    integration must not stop because someone mistyped the password (or guessed at it). A
    disabled account's tokens stop. Failed tokens have their own limit per client address.
    """
    _refuse_token_if_throttled(client)
    if not raw.startswith("atmp_"):
        _token_failed(client)
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_token_hash(raw)).first()
    if token is None or token.revoked or token.expires_at <= clock.now():
        _token_failed(client)
        return None
    user = token.user
    if not user.is_active:
        _token_failed(client)
        return None
    return token


def user_for_token(raw: str, *, client: str | None = None) -> User | None:
    """Return the active user a valid, unexpired, unrevoked token belongs to (see token_for_key)."""
    token = token_for_key(raw, client=client)
    return None if token is None else token.user


def _refuse_token_if_throttled(client: str | None) -> None:
    hit = throttle.blocked(throttle.token_limits(client), clock.now())
    if hit is not None:
        seconds = hit[1]
        raise Throttled(f"too many failed API tokens from your address; try again in {-(-seconds // 60)} min", seconds)


def _token_failed(client: str | None) -> None:
    """Count a failed token from the client; record when its limit is reached."""
    for limit in throttle.count_failure(throttle.token_limits(client), clock.now()):
        _record(None, "token_throttled", {"address": [None, client], "failures": [None, limit.allowed]})


def revoke_token(*, actor: User | None, token: ApiToken, reason: str = "") -> None:
    """Revoke an API token: its owner, an administrator, or the server console (actor None)."""
    if actor is not None and actor.pk != token.user_id:
        require(actor, "accounts.manage")
    if token.revoked:
        raise AccountError("the token is already revoked")
    with writer.change(actor=actor, reason=reason) as ch:
        token.revoked = True
        token.save(update_fields=["revoked"])
        label = f"{token.prefix}… {token.name}"
        account_event(ch, token.user, action="token_revoked", changes={"token": [label, None]})


def change_password(*, user: User, current: str, new: str) -> User:
    """Replace the user's own password after proving the current one; clears must_change_password."""
    if not user.is_active or is_locked(user):
        raise NotAllowed("your account is disabled or locked")
    if not user.check_password(current or ""):
        register_failure(user, "password_change_failed")
        raise InvalidInput("current", "the current password is wrong")
    if new == current:
        raise InvalidInput("new", "choose a password different from the current one")
    set_password(user, new)
    with writer.change(actor=user, reason="") as ch:
        was_forced = user.must_change_password
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        account_event(
            ch,
            user,
            action="password_changed",
            changes={"must_change_password": [was_forced, False]} if was_forced else {},
        )
    return user


def set_password(user: User, password: str, *, field: str = "new") -> None:
    """Check the password against the validators (naming the field) and set its hash on the user."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(field, " ".join(exc.messages)) from None
    user.set_password(password)
