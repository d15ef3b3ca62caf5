"""C2SP signed notes with Ed25519 keys, and the tlog-checkpoints that pin the ledger's tree head.

Formats (normative sources, read for this module):

- signed note: https://c2sp.org/signed-note (C2SP/C2SP signed-note.md), the format of
  golang.org/x/mod/sumdb/note. A note is a text ending in a newline, an empty line, then one or
  more lines ``— <key name> base64(key ID || signature)``. The key ID of an Ed25519 key is
  ``SHA-256(key name || 0x0A || 0x01 || public key)[:4]`` and its verifier key (vkey) is
  ``<key name>+<hex key ID>+base64(0x01 || public key)``.
- checkpoint: https://c2sp.org/tlog-checkpoint (C2SP/C2SP tlog-checkpoint.md). The note text is
  the origin line, the tree size in decimal, the base64 RFC 6962 root hash, then optional
  non-empty extension lines.

The module is pure (standard library and `cryptography`, no Django) so that signing, verifying
and the tests share one implementation; docs/ledger-format.md states the same rules for auditors,
and contrib/atmp_verify.py re-implements the verifying half independently.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "ALG_ED25519",
    "MAX_SIGNATURES",
    "Checkpoint",
    "NoteError",
    "Verifier",
    "checkpoint_text",
    "key_id",
    "open_checkpoint",
    "open_note",
    "parse_vkey",
    "sign_note",
    "vkey",
]

ALG_ED25519 = 0x01  # signed-note signature type identifier for Ed25519
# signed-note: verifiers SHOULD cap the number of signatures and MUST accept at least 16;
# 100 is what golang.org/x/mod/sumdb/note enforces, so notes it accepts we accept.
MAX_SIGNATURES = 100
# Tree sizes are int64 in every tlog implementation (Go's sumdb/tlog, transparency-dev);
# refusing larger ones keeps our checkpoints readable by all of them.
MAX_TREE_SIZE = 2**63 - 1

_SIG_PREFIX = "— "  # U+2014 EM DASH, U+0020 SPACE
_HEX8 = re.compile(r"[0-9a-f]{8}")
# ASCII only: Python's int() also takes "+1", "1_0", " 1" and non-ASCII digits.
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_B64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


class NoteError(ValueError):
    """A note, checkpoint or verifier key is malformed or does not verify; the message says why."""


@dataclass(frozen=True)
class Verifier:
    """An Ed25519 verifier key: the key name, its 4-byte key ID and the 32-byte public key."""

    name: str
    key_id: bytes
    public_key: bytes

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Report whether signature is this key's Ed25519 signature of message."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True

    @property
    def vkey(self) -> str:
        """Return the verifier key string of this key."""
        return vkey(self.name, self.public_key)


@dataclass(frozen=True)
class Checkpoint:
    """A verified checkpoint: its origin, tree size, 32-byte root hash, note text and whole note."""

    origin: str
    size: int
    root: bytes
    text: str
    note: str
    extensions: tuple[str, ...] = ()


def _check_name(name: str) -> None:
    # signed-note: "Key names MUST be non-empty and MUST NOT contain any Unicode spaces or plus".
    # str.isspace() is Go's unicode.IsSpace plus U+001C..U+001F, which are control characters
    # and so forbidden anyway.
    if not isinstance(name, str) or not name:
        raise NoteError("key name is empty")
    if "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"key name {name!r} contains a space or a plus sign")
    _check_text_chars(name, "key name")


def _check_text_chars(text: str, what: str) -> None:
    # signed-note: notes MUST be valid UTF-8 with no ASCII control character but newline.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise NoteError(f"{what} is not valid UTF-8 (lone surrogate)") from None
    for c in text:
        if c < " " and c != "\n":
            raise NoteError(f"{what} contains the control character U+{ord(c):04X}")


def _b64decode(text: str, what: str, *, canonical: bool) -> bytes:
    # RFC 4648 §4 standard alphabet with padding. binascii alone would skip stray characters.
    if not _B64.fullmatch(text):
        raise NoteError(f"{what} is not base64")
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise NoteError(f"{what} is not base64 (bad padding)") from None
    # Non-zero padding bits decode to the same bytes; for values we sign (root, vkey) insist on
    # the one encoding so that a checkpoint has exactly one text.
    if canonical and base64.b64encode(raw).decode("ascii") != text:
        raise NoteError(f"{what} is not canonical base64")
    return raw


def key_id(name: str, public_key: bytes) -> bytes:
    """Return the 4-byte signed-note key ID of an Ed25519 public key under a key name."""
    _check_name(name)
    if len(public_key) != 32:
        raise NoteError(f"an Ed25519 public key is 32 bytes, not {len(public_key)}")
    material = name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key
    return hashlib.sha256(material).digest()[:4]


def vkey(name: str, public_key: bytes) -> str:
    """Return the verifier key string ``<name>+<key ID hex>+<base64(0x01 || key)>``."""
    kid = key_id(name, public_key)
    key64 = base64.b64encode(bytes([ALG_ED25519]) + public_key).decode("ascii")
    return f"{name}+{kid.hex()}+{key64}"


def parse_vkey(text: str) -> Verifier:
    """Parse a verifier key string into a Verifier, checking its key ID."""
    # The key name holds no "+" but base64 may: split at the first two only.
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise NoteError(f"verifier key {text!r} is not <name>+<key ID>+<key>")
    name, hex_id, key64 = parts
    _check_name(name)
    if not _HEX8.fullmatch(hex_id):
        raise NoteError(f"verifier key ID {hex_id!r} is not 8 lowercase hex digits")
    raw = _b64decode(key64, "verifier key material", canonical=True)
    if not raw or raw[0] != ALG_ED25519:
        alg = f"0x{raw[0]:02x}" if raw else "none"
        raise NoteError(f"verifier key type {alg} is not Ed25519 (0x01)")
    public_key = raw[1:]
    if len(public_key) != 32:
        raise NoteError(f"verifier key holds {len(public_key)} bytes, an Ed25519 key is 32")
    try:
        Ed25519PublicKey.from_public_bytes(public_key)
    except ValueError:
        raise NoteError("verifier key is not an Ed25519 public key") from None
    kid = key_id(name, public_key)
    if kid.hex() != hex_id:
        raise NoteError(f"verifier key ID {hex_id} does not match the key (expected {kid.hex()})")
    return Verifier(name=name, key_id=kid, public_key=public_key)


def checkpoint_text(origin: str, size: int, root: bytes, *, extensions: tuple[str, ...] = ()) -> str:
    """Return the tlog-checkpoint note text for a tree of size leaves with this root."""
    if not isinstance(origin, str) or not origin or "\n" in origin:
        raise NoteError("checkpoint origin must be one non-empty line")
    _check_text_chars(origin, "checkpoint origin")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_TREE_SIZE:
        raise NoteError(f"checkpoint size {size!r} is not an integer in 0..2^63-1")
    if len(root) != 32:
        raise NoteError(f"root hash is {len(root)} bytes, not 32")
    for line in extensions:
        if not line or "\n" in line:
            raise NoteError("checkpoint extension lines must be single non-empty lines")
        _check_text_chars(line, "checkpoint extension line")
    lines = [origin, str(size), base64.b64encode(root).decode("ascii"), *extensions]
    return "".join(line + "\n" for line in lines)


def sign_note(text: str, *, name: str, private_key: Ed25519PrivateKey) -> str:
    """Sign a note text with an Ed25519 key and return the whole signed note."""
    _check_name(name)
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    _check_text_chars(text, "note text")
    public_key = private_key.public_key().public_bytes_raw()
    signature = private_key.sign(text.encode("utf-8"))
    sig64 = base64.b64encode(key_id(name, public_key) + signature).decode("ascii")
    return f"{text}\n{_SIG_PREFIX}{name} {sig64}\n"


def open_note(note: str | bytes, verifier: Verifier) -> str:
    """Verify a signed note's signature by verifier and return its text."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("malformed note: not valid UTF-8") from None
    try:
        _check_text_chars(note, "note")
    except NoteError as e:
        raise NoteError(f"malformed note: {e}") from None
    # The text ends at the last empty line; the text itself may contain empty lines.
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no empty line before the signatures")
    text, sigs = note[: split + 1], note[split + 2 :]
    if not sigs.endswith("\n"):
        raise NoteError("malformed note: the signature block must end with a newline")
    lines = sigs[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    message = text.encode("utf-8")
    verified = False
    for number, line in enumerate(lines, 1):
        if not line.startswith(_SIG_PREFIX):
            raise NoteError(f"malformed note: signature line {number} does not start with '— '")
        name, _, sig64 = line[len(_SIG_PREFIX) :].partition(" ")
        try:
            _check_name(name)
            raw = _b64decode(sig64, "signature", canonical=False)
        except NoteError as e:
            raise NoteError(f"malformed note: signature line {number}: {e}") from None
        if len(raw) < 5:
            raise NoteError(f"malformed note: signature line {number} is too short")
        # signed-note: ignore signatures whose (name, key ID) is not the known key's, even if
        # one of the two matches; verify every one that matches both.
        if name != verifier.name or raw[:4] != verifier.key_id:
            continue
        if not verifier.verify(message, raw[4:]):
            raise NoteError(f"bad signature by {verifier.name}+{verifier.key_id.hex()}")
        verified = True
    if not verified:
        raise NoteError(f"not signed by {verifier.name}+{verifier.key_id.hex()}")
    return text


def open_checkpoint(note: str | bytes, verifier: Verifier) -> Checkpoint:
    """Verify a signed checkpoint by verifier and return its parsed contents."""
    text = open_note(note, verifier)
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("malformed checkpoint: fewer than three lines (origin, size, root)")
    origin, size_line, root_line, *extensions = lines
    if not origin:
        raise NoteError("malformed checkpoint: empty origin line")
    # tlog-checkpoint only says the key name SHOULD match the origin; atmp makes it a rule so
    # a checkpoint of another log signed by the same key is never taken for ours.
    if origin != verifier.name:
        raise NoteError(f"checkpoint origin {origin!r} is not {verifier.name!r}")
    if not _DECIMAL.fullmatch(size_line) or int(size_line) > MAX_TREE_SIZE:
        raise NoteError(f"checkpoint size {size_line!r} is not a decimal number (no leading zeros)")
    root = _b64decode(root_line, "checkpoint root hash", canonical=True)
    if len(root) != 32:
        raise NoteError(f"checkpoint root hash is {len(root)} bytes, not 32")
    if any(not line for line in extensions):
        raise NoteError("malformed checkpoint: empty extension line")
    whole = note if isinstance(note, str) else note.decode("utf-8")
    return Checkpoint(
        origin=origin,
        size=int(size_line),
        root=root,
        text=text,
        note=whole,
        extensions=tuple(extensions),
    )
