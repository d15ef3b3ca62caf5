"""The counter-signed manifest's spliced bytes are the reference package's RFC 8785 bytes."""

from __future__ import annotations

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from atmp.ledger.canonical import MAX_SAFE_INTEGER
from atmp.ledger.signatures import manifest, manifest_bytes
from atmp.ledger.tests.test_canonical import TEXT

NUMBER = st.one_of(
    st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER),
    st.sampled_from([0, 1, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]),
)
FIELDS = st.fixed_dictionaries(
    {
        "entry_seq": NUMBER,
        "meaning": TEXT,
        "record_id": TEXT,
        "record_type": TEXT,
        "record_version": NUMBER,
        "signed_at": TEXT,
        "signer_id": NUMBER,
        "signer_name": TEXT,
        "snapshot_hash": TEXT,
    }
)


class Row:
    """A Signature row's fields, as signatures.manifest reads them."""

    def __init__(self, **fields: object) -> None:
        self.__dict__.update(fields)


@settings(max_examples=400)
@given(FIELDS)
def test_manifest_bytes_equals_the_reference_serialisation_of_the_manifest(fields):
    assert manifest_bytes(**fields) == rfc8785.dumps(manifest(Row(**fields)))  # type: ignore[arg-type]


@given(FIELDS, st.sampled_from(["entry_seq", "record_version", "signer_id"]), st.sampled_from(["7", None, True]))
def test_values_of_another_type_take_the_general_path_and_still_match(fields, name, value):
    # A tampered row may hold anything; the bytes must still be what canonical.dumps makes of it.
    fields[name] = value
    assert manifest_bytes(**fields) == rfc8785.dumps(manifest(Row(**fields)))  # type: ignore[arg-type]


def test_a_lone_surrogate_is_refused_as_canonical_dumps_refuses_it():
    import pytest

    from atmp.ledger.canonical import CanonicalError

    fields = dict(
        entry_seq=1, meaning="approved", record_id="1", record_type="accounts.site", record_version=1,
        signed_at="2026-01-01T00:00:00.000000Z", signer_id=2, signer_name="x\ud800", snapshot_hash="",
    )  # fmt: skip
    with pytest.raises(CanonicalError, match="lone surrogate"):
        manifest_bytes(**fields)
