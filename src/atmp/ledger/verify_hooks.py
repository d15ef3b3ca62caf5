"""Checks that modules above the ledger add to `atmp verify` (the ledger imports none of them).

A module registers a check from its AppConfig.ready(), as accounts registers its attested state
(atmp.ledger.attested): the files module re-hashes every stored file. A check is called with the
verification's `fail(kind, seq, record, detail)` and returns the counts it adds to the report
(e.g. {"files": 12, "file_bytes": 3400}); `atmp verify --no-<name>` skips it.
"""

from __future__ import annotations

from collections.abc import Callable

Fail = Callable[[str, int | None, str | None, str], None]
Check = Callable[[Fail], dict[str, int]]
_checks: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    """Add a check to every verification, under a name that `skip` can leave it out by."""
    _checks[name] = check


def checks() -> dict[str, Check]:
    """Return the registered checks by name."""
    return dict(_checks)
