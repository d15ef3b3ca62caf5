"""The status of each test of a cell bank's or seed's ICH Q5D panel, from QC's results (ADR 0030).

Trace asks this through the lab module's `bank_panel` hook (atmp.modules.Module): the lot's release
is refused, and the bank page shows each test's status, without trace importing lab. A test's
results are the live results (not superseded, not voided) of the bank lot's samples against an
attribute of a bank specification that names the test; the test:

- fails when any live result does not conform (its OOS investigation opened when it was entered);
- awaits review while a conforming live result has no second person's 'reviewed' signature;
- conforms when it has live results, every one conforming and reviewed;
- is not tested when it has no live result.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from atmp.lab.models import Result
from atmp.ledger.models import Signature
from atmp.trace import bank_panel


def panel_status(bank: Any) -> dict[str, str]:
    """Return each panel test's status (conforms, fails, awaiting review, not tested) from the bank lot's results."""
    rows = list(
        Result.objects.filter(sample__lot_id=bank.lot_id, sample__voided=False, voided=False)
        .exclude(attribute__panel_test="")
        .select_related("attribute")
    )
    replaced = {r.supersedes_id for r in rows if r.supersedes_id}
    live = [r for r in rows if r.pk not in replaced]
    reviewed = set(
        Signature.objects.filter(
            record_type=Result.record_type(), record_id__in=[str(r.pk) for r in live], meaning="reviewed"
        ).values_list("record_id", flat=True)
    )
    by_test: dict[str, list[Result]] = defaultdict(list)
    for r in live:
        by_test[r.attribute.panel_test].append(r)
    out: dict[str, str] = {}
    for test in bank_panel.panel(bank.kind, vector_production=bank.vector_production):
        results = by_test.get(test.code, [])
        if not results:
            out[test.code] = bank_panel.NOT_TESTED
        elif any(r.conforms is not True for r in results):
            out[test.code] = bank_panel.FAILS
        elif any(str(r.pk) not in reviewed for r in results):
            out[test.code] = bank_panel.AWAITING_REVIEW
        else:
            out[test.code] = bank_panel.CONFORMS
    return out
