"""A bank's panel status, read through the installed modules (ADR 0030): trace imports no lab.

The module that records QC's results (lab) declares `bank_panel` on its Module; this merges what the
installed modules say, each test not tested unless one says otherwise (no lab installed: nothing is
tested, so no bank is released).
"""

from __future__ import annotations

from typing import Any

from atmp.modules import installed, load
from atmp.trace import bank_panel


def statuses(bank: Any) -> dict[str, str]:
    """Return each test of the bank's required panel with its status, in the panel's order."""
    tests = bank_panel.panel(bank.kind, vector_production=bank.vector_production)
    found = {t.code: bank_panel.NOT_TESTED for t in tests}
    for module in installed():
        if module.bank_panel:
            said = load(module.bank_panel)(bank)
            for code in found:
                if said.get(code, bank_panel.NOT_TESTED) != bank_panel.NOT_TESTED:
                    found[code] = said[code]
    return found


def release_refusal(lot: Any) -> str | None:
    """Return why a bank lot may not be released (each test not conforming, by name), or None."""
    from atmp.trace.models import CellBank

    bank = CellBank.objects.filter(lot_id=lot.pk, voided=False).first()
    if bank is None:
        return None
    names = {t.code: t.name for t in bank_panel.ALL_TESTS.values()}
    said = statuses(bank).items()
    open_tests = [f"{names[code]} ({status})" for code, status in said if status != bank_panel.CONFORMS]
    if not open_tests:
        return None
    return (
        f"panel not conforming: {bank.label} is released once every test of its ICH Q5D panel has a conforming, "
        f"reviewed result (ICH Q5D §2.3; EU GMP Part IV ch. 8, Seed lot and cell bank system): " + "; ".join(open_tests)
    )


def test_panel(bank: Any, people: dict[str, Any] | None = None) -> bool:
    """Have the installed module that records results test the bank's panel, conforming; False when none does."""
    for module in installed():
        if module.bank_testing:
            load(module.bank_testing)(bank, people)
            return True
    return False


test_panel.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
