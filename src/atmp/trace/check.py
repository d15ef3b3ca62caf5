"""`atmp verify` checks every sealed identity: its ciphertext against the audited SHA-256, and, where
the keys are, its data key, data and search index against the audited keyed hash.

The record check of the ledger already holds each row's audited fields (the two digests, `erased`)
to its last entry; this check holds the fields the snapshot leaves out to those digests, as the
files check holds each stored blob to its audited SHA-256. Without the keys (a copy of the database
handed to an auditor, a restored backup before its keys are put back) it checks what needs no key
and says how many it could not open. `atmp verify --no-identities` skips it.
"""

from __future__ import annotations

from atmp.ledger.verify_hooks import Fail
from atmp.trace import personal, sealed
from atmp.trace.models import Identity

ALTERED = "identity_altered"  # the ciphertext is not its audited SHA-256, or does not open
KEYED = "identity_keyed_hash"  # the data opens but is not what the audited keyed hash says
INDEX = "identity_index"  # the search index does not match the data
KEY = "identity_key"  # a key is malformed, or a row names a key the keyring does not hold
ERASED = "identity_erased"  # marked erased yet still holding its data key or index


def check_identities(fail: Fail) -> dict[str, int]:
    """Check each sealed identity; return how many were checked, opened and erased, and whether the keys were here."""
    from atmp.trace.services.identities import open_data

    keys: sealed.Keys | None = None
    if sealed.keys_present():
        try:
            keys = sealed.Keys.load()
        except sealed.SealError as exc:
            fail(KEY, None, None, str(exc))
    counts = {"identities": 0, "identities_opened": 0, "identities_erased": 0, "identity_keys": int(keys is not None)}
    rows = Identity._base_manager.select_related("person").order_by("pk")
    for identity in rows.iterator(chunk_size=2000):
        counts["identities"] += 1
        name = f"{identity.record_key} ({identity.person.coi})"
        blob = bytes(identity.ciphertext)
        digest = sealed.ciphertext_hash(blob)
        if digest != identity.ciphertext_sha256:
            fail(
                ALTERED,
                None,
                identity.record_key,
                f"{name}: its sealed personal data was altered: the ciphertext hashes to {digest[:12]}…, "
                f"the record says {identity.ciphertext_sha256[:12]}…",
            )
            continue
        if identity.erased:
            counts["identities_erased"] += 1
            if identity.wrapped_key or identity.hospital_number_index or identity.name_birth_date_index:
                fail(
                    ERASED,
                    None,
                    identity.record_key,
                    f"{name} is recorded as erased but still holds its data key or index",
                )
            continue
        if keys is None:
            continue
        try:
            data = open_data(identity, keys)
        except sealed.SealError as exc:
            kind = KEY if isinstance(exc, sealed.UnknownKey) else KEYED if isinstance(exc, sealed.Mismatch) else ALTERED
            fail(kind, None, identity.record_key, f"{name}: {exc}")
            continue
        counts["identities_opened"] += 1
        _check_index(fail, identity, name, keys, data)
    return counts


def _check_index(fail: Fail, identity: Identity, name: str, keys: sealed.Keys, data: dict[str, str]) -> None:
    kid = identity.name_birth_date_index.partition(":")[0]
    if keys.hashing.get(kid) is None:
        fail(
            KEY, None, identity.record_key, f"{name}: its search index names key {kid}, which the keyring does not hold"
        )
        return
    number = data.get("hospital_number", "")
    by_number = keys.index_hash(personal.hospital_number_key(number), kid=kid) if number else ""
    by_name = keys.index_hash(personal.name_and_birth_date_key(data["name"], data["birth_date"]), kid=kid)
    if (identity.hospital_number_index, identity.name_birth_date_index) != (by_number, by_name):
        fail(
            INDEX,
            None,
            identity.record_key,
            f"{name}: its search index (hospital number, name and birth date) does not match its sealed data, "
            "so a search or the duplicate check would miss it",
        )
