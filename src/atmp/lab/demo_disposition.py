"""The demo's batch disposition by the Qualified Person (Petra): the first batch certified once its
audit trail is reviewed, and two batches released before their 14-day sterility test was in (a
conditional release listing the pending test and its expected date), whose late results then came:
one conforms and the batch is certified; one does not, and the QPs and the treating site are alerted.
A last batch, tested but for sterility with its audit trail reviewed, awaits the QP's decision
(EU GMP Part IV ch. 11, Annex 16; docs/lab.md, ADR 0028)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.models import Site, User

STERILITY = "Sterility"
CONDITIONAL = 2  # batches released before their sterility result: the first passes, the second fails
AWAITING = 1  # then a batch tested but for sterility and awaiting the QP (the browser test decides it)


def load(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Certify the first tested batch; release two more before sterility is in, then record the late results."""
    from atmp.lab import demo_potency, demo_results
    from atmp.lab.factories import review_audit_trail
    from atmp.lab.models import Sample
    from atmp.lab.services import disposition
    from atmp.manufacturing.models import Batch

    petra, quentin, rita, alex = (people.get(name) for name in ("petra", "quentin", "rita", "alex"))
    if petra is None or quentin is None or rita is None or alex is None:
        return
    from atmp.demo import PASSWORD
    from atmp.lab.demo import PRODUCT
    from atmp.ledger import clock

    reviewed = list(Batch.objects.filter(product__code=PRODUCT, status="reviewed", voided=False).order_by("pk"))
    sampled = set(Sample.objects.filter(purpose="release", voided=False).values_list("batch_id", flat=True))
    tested = [b for b in reviewed if b.pk in sampled]  # by the results demo
    later = [b for b in reviewed if b.pk not in sampled][: CONDITIONAL + AWAITING]
    first = next((b for b in tested if not _has_oos(b)), None)
    if first is not None:
        review_audit_trail(first, alex, f"batch {first.number} before certification", PASSWORD)
        disposition.certify(
            actor=petra, batch=first, password=PASSWORD, reason="all results in and within specification"
        )
    for n, batch in enumerate(later):
        demo_potency.valid_run(people, batch, n)
        sample = demo_results.test_batch(people, batch, leave_out=STERILITY)
        review_audit_trail(batch, alex, f"batch {batch.number} before certification", PASSWORD)
        if n >= CONDITIONAL:
            continue  # awaiting the QP's decision: sterility still to come
        expected = (clock.now().date() + dt.timedelta(days=14)).isoformat()
        disposition.release_conditionally(
            actor=petra, batch=batch, expected={STERILITY: expected}, password=PASSWORD,
            reason="released before the 14-day sterility test: the patient's treatment cannot wait",
        )  # fmt: skip
        value = "conforms" if n == 0 else "does not conform"
        demo_results.record_late(people, sample, STERILITY, value)
        if n == 0:
            disposition.certify(
                actor=petra, batch=batch, password=PASSWORD, reason="the late sterility result conforms"
            )


def _has_oos(batch: Any) -> bool:
    from atmp.lab.models import Result

    return Result.objects.filter(sample__batch=batch, conforms=False, voided=False).exists()


def summary() -> dict[str, Any]:
    """Return the dispositions and the late-result alerts the demo holds."""
    from atmp.lab.models import BatchDisposition, LateResultAlert

    return {
        "dispositions": {
            d.batch.number: d.status for d in BatchDisposition.objects.select_related("batch").order_by("pk")
        },
        "alerts": LateResultAlert.objects.count(),
    }


def describe(data: dict[str, Any]) -> list[str]:
    """Return the disposition demo's lines of the printed summary."""
    shown = ", ".join(f"{k} ({v})" for k, v in data.get("dispositions", {}).items()) or "none"
    return [
        f"QP disposition: {shown}; late failing results alerted: {data.get('alerts', 0)}",
        "  try: atmp lab disposition checks BATCH --as petra; /lab/batches/BATCH/disposition/",
    ]
