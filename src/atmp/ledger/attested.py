"""State outside the GMP record tables that `atmp verify` proves too: who may sign (accounts).

A user account is not a versioned GmpRecord, yet whoever can re-enable an account, clear its MFA,
swap its password hash or slip in an API token can sign in its name. Such state is *attested*:
every change of it appends an entry about it with `record.version` 0 ("not versioned") and, as
`snapshot_hash`, a digest of the state after the change. The module that owns the state registers
a reader of the current digests; `atmp verify` compares each row with the last entry that attested
it, as it compares record rows with their snapshots (docs/tamper-evidence.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

ATTESTED_VERSION = 0  # the entry's record.version for attested state, which has no versions


@dataclass(frozen=True)
class AttestedRow:
    """One row of attested state now: its id in entries, a name people recognise, its digest."""

    record_id: str
    label: str
    digest: str


Reader = Callable[[], Iterable[AttestedRow]]
_readers: dict[str, Reader] = {}


def register(record_type: str, reader: Reader) -> None:
    """Declare that entries of this record type attest state that `reader` yields now."""
    _readers[record_type] = reader


def readers() -> dict[str, Reader]:
    """Return the registered record types and their readers."""
    return dict(_readers)
