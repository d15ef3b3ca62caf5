"""TOTP secrets sealed at rest: AES-256-GCM with a key kept outside the database (ATMP_MFA_KEY_FILE).

A copy of the database alone (a backup, a replica, a stolen file) does not give anyone the
second factor of every user. The key is 32 random bytes in a file of mode 0600 that `atmp init`
creates beside the ledger's signing key; back the two up together, apart from the database.
Each sealed value is bound to its user (the user's id is the associated data), so a secret
copied onto another account in the database does not open.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

PREFIX = "aesgcm1:"
NONCE_BYTES = 12


class SealError(RuntimeError):
    """The MFA key is missing or malformed, or a sealed secret does not open with it."""


def key_path() -> Path:
    """Return the configured path of the MFA key (ATMP_MFA_KEY_FILE)."""
    return Path(settings.ATMP_MFA_KEY_FILE)


def create_key(path: Path | None = None) -> bool:
    """Create the MFA key if it does not exist (mode 0600); return True when a key was created."""
    path = path or key_path()
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        # O_EXCL: two `atmp init` at once must not both write a key and seal with two.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as f:
        f.write(base64.b64encode(AESGCM.generate_key(bit_length=256)).decode() + "\n")
    return True


def _key() -> AESGCM:
    path = key_path()
    try:
        text = path.read_text()
    except OSError as exc:
        raise SealError(f"MFA key {path} cannot be read ({exc.strerror}): run `atmp init`") from None
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) != 32:
        raise SealError(f"MFA key {path} is not 32 bytes in base64")
    return AESGCM(raw)


def is_sealed(value: str) -> bool:
    """Return True when value is a sealed secret (not plain base32, nor empty)."""
    return value.startswith(PREFIX)


def seal(secret: str, *, user_id: int) -> str:
    """Return the secret encrypted for storage in the user's row."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = _key().encrypt(nonce, secret.encode(), _bound_to(user_id))
    return PREFIX + base64.b64encode(nonce + sealed).decode()


def open_secret(value: str, *, user_id: int) -> str:
    """Return the plain secret of a stored value ('' stays '')."""
    if not value:
        return ""
    if not is_sealed(value):
        raise SealError(f"the MFA secret of user {user_id} is stored in the clear: run `atmp init` to seal it")
    try:
        blob = base64.b64decode(value[len(PREFIX) :], validate=True)
        return _key().decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _bound_to(user_id)).decode()
    except (binascii.Error, InvalidTag, ValueError):
        raise SealError(
            f"the MFA secret of user {user_id} does not open with the key {key_path()} (another key, or altered)"
        ) from None


def _bound_to(user_id: int) -> bytes:
    return f"atmp mfa secret of user {user_id}".encode()
