"""RFC 8785 (JSON Canonicalization Scheme) for the JSON that atmp writes: no floating-point numbers.

Three paths produce the same bytes. `dumps` validates any value and serialises it; for the flat
objects every audited write serialises (a snapshot, its changes, the actor's roles: ASCII keys,
strings, integers, booleans, null, lists of those) it hands the work to the C JSON encoder, which
gives RFC 8785 for exactly those shapes, and checks what the encoder does not. `entry_bytes`
splices the stored columns of an audit entry into its canonical form without building a dict,
which is what lets `atmp verify` rehash a million entries in seconds. The tests prove all three
equal the reference `rfc8785` package on every entry shape (tests/test_canonical.py).

RFC 8785 §3.2.3 sorts keys by UTF-16 code units; for keys made of characters of the Basic
Multilingual Plane that is Python's code-point order, and `_sort_key` handles the rest.
ECMAScript string escaping (§3.2.2.2) is what `json.encoder.encode_basestring` emits: `"`, `\\`,
the short escapes \\b \\f \\n \\r \\t and \\u00xx (lowercase) for the other control characters.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1  # RFC 8785 §3.2.2.3 / I-JSON (RFC 7493 §2.2): exact in IEEE 754 doubles
ZERO_HASH = "0" * 64

_encode_string = json.encoder.encode_basestring


class CanonicalError(ValueError):
    """A value cannot be put into a ledger entry (a float, a huge integer, a non-string key...)."""


def _sort_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")  # a lone surrogate is refused by _check_string


def _normalise(value: Any, path: str) -> Any:
    if value is None or isinstance(value, bool | str):
        if isinstance(value, str):
            _check_string(value, path)
        return value
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalError(f"{path}: integer {value} is outside ±(2^53−1); store it as a string")
        return value
    if isinstance(value, float):
        raise CanonicalError(f"{path}: floating-point number {value!r}; ledger entries store decimals as strings")
    if isinstance(value, Mapping):
        out = {}
        for key in sorted(value, key=lambda k: _sort_key(k) if isinstance(k, str) else b""):
            if not isinstance(key, str):
                raise CanonicalError(f"{path}: object key {key!r} is not a string")
            _check_string(key, path)
            out[key] = _normalise(value[key], f"{path}.{key}")
        return out
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [_normalise(v, f"{path}[{i}]") for i, v in enumerate(value)]
    raise CanonicalError(f"{path}: {type(value).__name__} is not a JSON value")


def _check_string(value: str, path: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalError(f"{path}: string holds a lone surrogate, which is not Unicode text") from None


def dumps(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a float-free JSON value."""
    text = _flat_text(value)
    if text is not None:
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: the general path refuses it, naming where it is
    normalised = _normalise(value, "$")
    # Keys are already in UTF-16 order, so sort_keys must stay off: Python would re-sort by code point.
    return json.dumps(normalised, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def dumps_text(value: Any) -> str:
    """Return the RFC 8785 canonical form of a value as text."""
    text = _flat_text(value)
    if text is not None and text.isascii():  # ASCII text holds no lone surrogate
        return text
    return dumps(value).decode("utf-8")


# Sorted keys are RFC 8785's UTF-16 order when every key is ASCII; the C encoder escapes strings
# as ECMAScript does (see the module docstring) and writes integers in decimal.
_flat_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, sort_keys=True).encode


def _flat_scalar(value: Any) -> bool:
    if value is None or isinstance(value, str | bool):
        return True
    return isinstance(value, int) and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER


def _flat_text(value: Any) -> str | None:
    """Return the canonical text of an object or array of scalars (and arrays of them) with ASCII keys.

    None for anything else (a float, a huge integer, a non-string or non-ASCII key, a nested
    object...), which the general path serialises or refuses. Lone surrogates are left to the caller.
    """
    if isinstance(value, dict):
        for key, item in value.items():
            if not (isinstance(key, str) and key.isascii()):
                return None
            if not _flat_scalar(item) and not (isinstance(item, list) and all(_flat_scalar(v) for v in item)):
                return None
    elif isinstance(value, list):
        if not all(_flat_scalar(v) for v in value):
            return None
    else:
        return None
    return _flat_encode(value)


def sha256_hex(data: bytes) -> str:
    """Return the lowercase hex SHA-256 of data."""
    return hashlib.sha256(data).hexdigest()


def entry_bytes(
    seq: int,
    at: str,
    actor_id: int | None,
    actor_name: str,
    actor_roles: str,
    action: str,
    record_type: str,
    record_id: str | None,
    record_version: int | None,
    reason: str,
    changes: str,
    snapshot_hash: str,
    prev_hash: str,
) -> bytes:
    """Return the canonical bytes of an entry body from its stored columns.

    `actor_roles` and `changes` are stored already canonical. Keys appear in RFC 8785 order:
    action, actor{id, name, roles}, at, changes, prev_hash, reason, record{id, type, version},
    seq, snapshot_hash.
    """
    return (
        f'{{"action":{_encode_string(action)},'
        f'"actor":{{"id":{"null" if actor_id is None else actor_id},'
        f'"name":{_encode_string(actor_name)},"roles":{actor_roles}}},'
        f'"at":{_encode_string(at)},"changes":{changes},"prev_hash":{_encode_string(prev_hash)},'
        f'"reason":{_encode_string(reason)},'
        f'"record":{{"id":{"null" if record_id is None else _encode_string(record_id)},'
        f'"type":{_encode_string(record_type)},"version":{"null" if record_version is None else record_version}}},'
        f'"seq":{seq},"snapshot_hash":{_encode_string(snapshot_hash)}}}'
    ).encode()


def entry_bytes_of(
    actor_id: int | None, actor_name: str, actor_roles: str, action: str, record_type: str, reason: str
) -> Callable[[int, str, str, str, str, str], bytes]:
    """Return entry_bytes with the values one change's batch shares bound, for many entries.

    The returned function takes seq, at, record_id, changes, snapshot_hash and prev_hash, the
    record's version being 1 (a creation); `at`, `record_id` and the hashes must be text that JSON
    writes as it is (an RFC 3339 time, digits, hex: batch.py gives no other). The bytes are
    entry_bytes's (ledger/tests/test_canonical.py).
    """
    head = (
        f'{{"action":{_encode_string(action)},'
        f'"actor":{{"id":{"null" if actor_id is None else actor_id},'
        f'"name":{_encode_string(actor_name)},"roles":{actor_roles}}},"at":"'
    )
    reason_text = f'","reason":{_encode_string(reason)},"record":{{"id":"'
    type_text = f'","type":{_encode_string(record_type)},"version":1}},"seq":'

    def body(seq: int, at: str, record_id: str, changes: str, snapshot_hash: str, prev_hash: str) -> bytes:
        return (
            f'{head}{at}","changes":{changes},"prev_hash":"{prev_hash}{reason_text}{record_id}'
            f'{type_text}{seq},"snapshot_hash":"{snapshot_hash}"}}'
        ).encode()

    return body
