"""`atmp verify` checks every sealed identity: its ciphertext against the audited SHA-256, and, where
the keys are, its data key, data and search index against the audited keyed hash.

The record check of the ledger already holds each row's audited fields (the two digests, `erased`)
to its last entry; this check holds the fields the snapshot leaves out to those digests, as the
files check holds each stored blob to its audited SHA-256. Without the keys (a copy of the database
handed to an auditor, a restored backup before its keys are put back) it checks what needs no key
and says it opened none. `atmp verify --no-identities` skips it. It reads values, not model
instances: a row costs a SHA-256 and, with the keys, two AES-GCM openings and three HMACs.
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

COLUMNS = (
    "pk", "person_id", "person__coi", "ciphertext", "ciphertext_sha256", "data_hash", "erased", "wrapped_key",
    "hospital_number_index", "name_birth_date_index",
)  # fmt: skip


def check_identities(fail: Fail) -> dict[str, int]:
    """Check each sealed identity; return how many were checked, opened and erased, and whether the keys were here."""
    keys: sealed.Keys | None = None
    if sealed.keys_present():
        try:
            keys = sealed.Keys.load()
        except sealed.SealError as exc:
            fail(KEY, None, None, str(exc))
    counts = {"identities": 0, "identities_opened": 0, "identities_erased": 0, "identity_keys": int(keys is not None)}
    rtype = Identity.record_type()
    rows = Identity._base_manager.order_by("pk").values_list(*COLUMNS)
    for pk, person_id, coi, ciphertext, recorded, data_hash, erased, wrapped, by_number, by_name in rows.iterator(
        chunk_size=2000
    ):
        counts["identities"] += 1
        key = f"{rtype}:{pk}"
        name = f"{key} ({coi})"
        blob = bytes(ciphertext)
        digest = sealed.ciphertext_hash(blob)
        if digest != recorded:
            fail(
                ALTERED,
                None,
                key,
                f"{name}: its sealed personal data was altered: the ciphertext hashes to {digest[:12]}…, "
                f"the record says {recorded[:12]}…",
            )
            continue
        if erased:
            counts["identities_erased"] += 1
            if wrapped or by_number or by_name:
                fail(ERASED, None, key, f"{name} is recorded as erased but still holds its data key or index")
            continue
        if keys is None:
            continue
        try:
            data = keys.open_data(
                person_id=person_id, wrapped_key=wrapped, ciphertext=blob, data_hash=data_hash, name=key
            )
        except sealed.SealError as exc:
            kind = KEY if isinstance(exc, sealed.UnknownKey) else KEYED if isinstance(exc, sealed.Mismatch) else ALTERED
            fail(kind, None, key, f"{name}: {exc}")
            continue
        counts["identities_opened"] += 1
        _check_index(fail, key, name, keys, data, by_number, by_name)
    return counts


def _check_index(
    fail: Fail, key: str, name: str, keys: sealed.Keys, data: dict[str, str], by_number: str, by_name: str
) -> None:
    kid = by_name.partition(":")[0]
    if keys.hashing.get(kid) is None:
        fail(KEY, None, key, f"{name}: its search index names key {kid}, which the keyring does not hold")
        return
    number = data.get("hospital_number", "")
    expected_number = keys.index_hash(personal.hospital_number_key(number), kid=kid) if number else ""
    expected_name = keys.index_hash(personal.name_and_birth_date_key(data["name"], data["birth_date"]), kid=kid)
    if (by_number, by_name) != (expected_number, expected_name):
        fail(
            INDEX,
            None,
            key,
            f"{name}: its search index (hospital number, name and birth date) does not match its sealed data, "
            "so a search or the duplicate check would miss it",
        )
