"""Personal data sealed at rest: a data key per person, wrapped by a key outside the database.

Two keyring files, created by `atmp init` beside the ledger's signing key and the MFA key:

* ATMP_IDENTITY_KEY_FILE: AES-256 keys that wrap each person's own data key (AES-256-GCM, the
  person's id as associated data). The data key seals the person's personal data (AES-256-GCM,
  the person's id as associated data again), so a sealed row copied onto another person does not
  open, and destroying one person's wrapped data key makes that person's data unreadable for
  good (crypto-shredding) without touching anyone else's or the ledger.
* ATMP_IDENTITY_HASH_KEY_FILE: HMAC-SHA256 keys of the keyed hashes: the audited hash of the
  sealed data (the ledger's proof that the row is unchanged, for a server holding the key) and
  the search index (hospital number; name with birth date).

A keyring holds one base64 key of 32 bytes a line, the newest first ('#' lines are comments). New
seals use the first; every key listed still opens what it sealed, so a key is rotated by putting
a new one on top, running `atmp trace identity rekey`, and then removing the old line. Each
sealed value names its key by a short id (the first 8 hex digits of a hash of the key).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from atmp.accounts import sealed as mfa_sealed

NONCE_BYTES = 12
KEY_BYTES = 32
# One hash key, two uses: each message starts with its own domain, so a hash of one use is never one of the other.
DATA_DOMAIN = b"atmp identity data\x00"
INDEX_DOMAIN = b"atmp identity index\x00"


class SealError(RuntimeError):
    """A key is missing or malformed, or a sealed value does not open with the keys."""


class UnknownKey(SealError):
    """A sealed value or keyed hash names a key that the keyring does not hold."""


class Mismatch(SealError):
    """The sealed data opens but is not what its audited keyed hash says (altered, or another's)."""


def encryption_key_path() -> Path:
    """Return the configured path of the wrapping keys (ATMP_IDENTITY_KEY_FILE)."""
    return Path(settings.ATMP_IDENTITY_KEY_FILE)


def hash_key_path() -> Path:
    """Return the configured path of the keyed-hash keys (ATMP_IDENTITY_HASH_KEY_FILE)."""
    return Path(settings.ATMP_IDENTITY_HASH_KEY_FILE)


def create_keys() -> dict[str, bool]:
    """Create both keyrings if missing (mode 0600); return which were created."""
    return {
        "identity_key_created": mfa_sealed.create_key(encryption_key_path()),
        "identity_hash_key_created": mfa_sealed.create_key(hash_key_path()),
    }


def key_id(key: bytes) -> str:
    """Return the short id a sealed value names its key by."""
    return hashlib.sha256(b"atmp key id\x00" + key).hexdigest()[:8]


@dataclass(frozen=True)
class Keyring:
    """The keys of one keyring file, newest first, each with its id."""

    path: Path
    keys: tuple[tuple[str, bytes], ...]

    @property
    def current(self) -> tuple[str, bytes]:
        """Return (id, key) of the key new seals use."""
        return self.keys[0]

    def get(self, kid: str) -> bytes | None:
        """Return the key of that id, or None when this keyring does not hold it."""
        for known, key in self.keys:
            if known == kid:
                return key
        return None


def read_keyring(path: Path) -> Keyring:
    """Read a keyring file, or refuse a missing, empty or malformed one."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise SealError(f"identity key {path} cannot be read ({exc.strerror}): run `atmp init`") from None
    keys: list[tuple[str, bytes]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            raw = base64.b64decode(line, validate=True)
        except binascii.Error:
            raw = b""
        if len(raw) != KEY_BYTES:
            raise SealError(f"identity key {path}, line {number}: not {KEY_BYTES} bytes in base64")
        keys.append((key_id(raw), raw))
    if not keys:
        raise SealError(f"identity key {path} holds no key: run `atmp init`")
    return Keyring(path, tuple(keys))


@dataclass(frozen=True)
class Keys:
    """Both keyrings, read once for an operation (a verification reads them once for every row)."""

    wrapping: Keyring
    hashing: Keyring

    @classmethod
    def load(cls) -> Keys:
        """Read both keyrings, or refuse naming the one missing or malformed."""
        return cls(read_keyring(encryption_key_path()), read_keyring(hash_key_path()))

    # --- the per-person data key ------------------------------------------------------------------

    def wrap(self, data_key: bytes, *, person_id: int) -> str:
        """Return the person's data key wrapped with the current key, as 'kid:base64'."""
        kid, key = self.wrapping.current
        nonce = os.urandom(NONCE_BYTES)
        blob = AESGCM(key).encrypt(nonce, data_key, _data_key_of(person_id))
        return f"{kid}:{base64.b64encode(nonce + blob).decode()}"

    def unwrap(self, wrapped: str, *, person_id: int) -> bytes:
        """Return the person's data key, or refuse one that is absent, of an unknown key, or altered."""
        if not wrapped:
            raise SealError(f"person {person_id} has no data key (erased)")
        kid, _, text = wrapped.partition(":")
        key = self.wrapping.get(kid)
        if key is None:
            raise UnknownKey(
                f"the data key of person {person_id} is wrapped with key {kid}, "
                f"which {self.wrapping.path} does not hold"
            )
        try:
            blob = base64.b64decode(text, validate=True)
            return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _data_key_of(person_id))
        except (binascii.Error, InvalidTag, ValueError):
            raise SealError(
                f"the data key of person {person_id} does not open (another person's, or altered)"
            ) from None

    def wrapped_with_current(self, wrapped: str) -> bool:
        """Return True when a wrapped data key uses the current wrapping key."""
        return wrapped.partition(":")[0] == self.wrapping.current[0]

    def open_data(
        self, *, person_id: int, wrapped_key: str, ciphertext: bytes, data_hash: str, name: str
    ) -> dict[str, str]:
        """Return the personal data of a sealed row once it opens and matches its audited keyed hash, or refuse.

        `name` names the row in the refusal (its record key). Shared by the services and `atmp verify`.
        """
        data_key = self.unwrap(wrapped_key, person_id=person_id)
        plaintext = open_sealed(ciphertext, data_key, person_id=person_id)
        if self.data_hash(plaintext, kid=data_hash.partition(":")[0]) != data_hash:
            raise Mismatch(f"{name}: the sealed data is not what the ledger recorded (altered)")
        try:
            sealed_object = json.loads(plaintext)
            data = sealed_object["data"]
            belongs = sealed_object["person"] == person_id
        except (ValueError, TypeError, KeyError):
            raise Mismatch(f"{name}: the sealed data is not a sealed identity") from None
        if not belongs or not isinstance(data, dict):
            raise Mismatch(f"{name}: the sealed data belongs to another person")
        return {str(k): str(v) for k, v in data.items()}

    # --- keyed hashes -------------------------------------------------------------------------------

    def data_hash(self, plaintext: bytes, *, kid: str | None = None) -> str:
        """Return the audited keyed hash of a sealed plaintext, 'kid:hex' (the current key unless named)."""
        kid, key = self._hash_key(kid)
        return f"{kid}:{hmac.new(key, DATA_DOMAIN + plaintext, hashlib.sha256).hexdigest()}"

    def index_hash(self, search_key: bytes, *, kid: str | None = None) -> str:
        """Return the search index's keyed hash of a search key, 'kid:hex' (the current key unless named)."""
        kid, key = self._hash_key(kid)
        return f"{kid}:{hmac.new(key, INDEX_DOMAIN + search_key, hashlib.sha256).hexdigest()}"

    def index_hashes(self, search_key: bytes) -> list[str]:
        """Return the search key's index hash under every key of the keyring (rows not yet rekeyed match too)."""
        return [self.index_hash(search_key, kid=kid) for kid, _ in self.hashing.keys]

    def _hash_key(self, kid: str | None) -> tuple[str, bytes]:
        if kid is None:
            return self.hashing.current
        key = self.hashing.get(kid)
        if key is None:
            raise UnknownKey(f"the keyed hash names key {kid}, which {self.hashing.path} does not hold")
        return kid, key


def keys_present() -> bool:
    """Return True when both key files exist here (a copy of the database alone has neither)."""
    return encryption_key_path().exists() and hash_key_path().exists()


def new_data_key() -> bytes:
    """Return a fresh random data key for one person."""
    return AESGCM.generate_key(bit_length=256)


def seal(plaintext: bytes, data_key: bytes, *, person_id: int) -> bytes:
    """Return nonce ‖ AES-256-GCM ciphertext ‖ tag of the plaintext, bound to the person."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(data_key).encrypt(nonce, plaintext, _bound_to(person_id))


def open_sealed(blob: bytes, data_key: bytes, *, person_id: int) -> bytes:
    """Return the plaintext of a sealed value, or refuse one altered or sealed for another person."""
    try:
        return AESGCM(data_key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _bound_to(person_id))
    except (InvalidTag, ValueError):
        raise SealError(
            f"the sealed personal data of person {person_id} does not open (altered, or another's)"
        ) from None


def ciphertext_hash(blob: bytes) -> str:
    """Return the SHA-256 (hex) of a sealed value as stored: anyone can recompute it without a key."""
    return hashlib.sha256(blob).hexdigest()


def _bound_to(person_id: int) -> bytes:
    return f"atmp identity of person {person_id}".encode()


def _data_key_of(person_id: int) -> bytes:
    return f"atmp identity data key of person {person_id}".encode()
