"""Run every `verify.run()` of a test module also as ranges and small chunks, and require the same report.

On a large ledger `atmp verify` splits the entry pass into ranges (merged back by verify._merge)
and hashes the tree chunk by chunk, falling back to the leaf-by-leaf comparison where a chunk
differs. The tamper tests' ledgers are small, so this fixture forces both on them: tiny ranges and
chunks, run in this process (the test's transaction is visible only to its own connection). Each
report must equal the one-pass report in every field, failures and their order included.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from atmp.ledger import verify, verify_parallel, verify_pass

# (split level or None for one range, chunk bits): ranges of 8 entries hashed 2 at a time, and the
# whole ledger as one range hashed 2 at a time; the test's own call is the default (4,096).
VARIANTS = [(3, 1), (None, 1), (2, 2)]


@pytest.fixture
def verify_modes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make verify.run() check that the split and chunked passes report what the one pass reports."""
    real_run, real_plan = verify.run, verify_parallel.plan

    def run_every_way(**kwargs: Any) -> verify.Report:
        report = real_run(**kwargs)
        for bits, chunk_bits in VARIANTS:
            with monkeypatch.context() as m:
                m.setattr(verify_parallel, "plan", lambda *_, bits=bits, **__: verify_parallel.Plan(bits, 1))
                m.setattr(verify_pass, "CHUNK_BITS", chunk_bits)
                other = real_run(**kwargs)
            assert other.as_dict() == report.as_dict(), f"ranges of 2^{bits}, chunks of 2^{chunk_bits}"
        return report

    monkeypatch.setattr(verify, "run", run_every_way)
    yield
    assert verify_parallel.plan is real_plan
