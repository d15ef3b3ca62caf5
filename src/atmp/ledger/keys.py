"""The server's Ed25519 signing key: a file outside the database, mode 0600, made by `atmp init`."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from atmp.ledger import note
from atmp.ledger.errors import CheckpointRefused


def key_path() -> Path:
    """Return the configured path of the signing key (ATMP_KEY_FILE)."""
    return Path(settings.ATMP_KEY_FILE)


def origin() -> str:
    """Return the checkpoint origin, which is also the key's name (ATMP_LEDGER_ORIGIN)."""
    return str(settings.ATMP_LEDGER_ORIGIN)


def create_key(path: Path | None = None) -> bool:
    """Create the signing key if it does not exist; return True when a key was created."""
    path = path or key_path()
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # O_EXCL: two `atmp init` at once must not both write a key and leave two in use.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return True


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> Ed25519PrivateKey:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CheckpointRefused(f"signing key {path} cannot be read ({exc.strerror}): run `atmp init`") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError:
        raise CheckpointRefused(f"signing key {path} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointRefused(f"signing key {path} is not an Ed25519 key")
    return key


def private_key() -> Ed25519PrivateKey:
    """Return the signing key, or refuse with a message saying how to create it."""
    path = key_path()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise CheckpointRefused(f"no signing key at {path}: run `atmp init`") from None
    return _load(str(path), mtime)


def public_key() -> Ed25519PublicKey:
    """Return the public half of the signing key."""
    return private_key().public_key()


def public_bytes() -> bytes:
    """Return the 32 raw bytes of the public key."""
    return public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def verifier_key() -> str:
    """Return the C2SP signed-note verifier key: <name>+<hex key ID>+<base64(0x01 ‖ public key)>."""
    return note.vkey(origin(), public_bytes())


def verifier() -> note.Verifier:
    """Return the parsed verifier for this server's key."""
    return note.parse_vkey(verifier_key())
