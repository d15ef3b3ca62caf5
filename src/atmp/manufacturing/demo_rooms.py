"""The demo's rooms in manufacturing, at Leiden (the environment demo's rooms): a lentiviral CAR-T
(a class 2 GMO) made in the preparation room PR-C, which is left needing a changeover cleaning before
AAV9-SMN; the fill suite background FS-B cleaned, cleared (checked by Quentin) and ready for AAV9-SMN
after its batch; the grade A FS-A cleaned for changeover with a line clearance awaiting its check (on
Quentin's My work). The centrifuge CEN-01 was last used for the CAR-T: it needs a changeover too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.models import Site, User
from atmp.ledger import clock

SECOND_PRODUCT = "LV-CD19"
NEEDS_CHANGEOVER = "PR-C"
READY = "FS-B"
AWAITING_CHECK = "FS-A"


def load(people: dict[str, User], sites: dict[str, Site], product: Any) -> None:
    """Load the cleanings, line clearances and uses of the demo rooms (environment's, loaded before)."""
    from atmp.demo import PASSWORD
    from atmp.environment.models import Room
    from atmp.manufacturing.services import logbook, products
    from atmp.manufacturing.services import rooms as svc
    from atmp.manufacturing.services.equipment import find_equipment

    rita, olga, quentin = people["rita"], people["olga"], people["quentin"]
    leiden = sites["LEI"]
    found = {r.code: r for r in Room.objects.filter(site=leiden, voided=False)}
    if not {NEEDS_CHANGEOVER, READY, AWAITING_CHECK} <= set(found):
        return  # the environment demo is not installed
    car_t = products.add_product(
        actor=rita,
        code=SECOND_PRODUCT,
        name="CD19 CAR-T (lentiviral)",
        atmp_class="gene_therapy",
        vector_type="lentivirus",
        origin="autologous",
        gmo_class="2",
        containment_level=2,
        reason="product master data",
    )
    now = clock.now()

    def cycle(room: Any, made: Any, batch: str, start: dt.datetime, hours: int, kind: str = "routine") -> None:
        sop = "SOP-CL-002 changeover cleaning" if kind == "changeover" else "SOP-CL-001 routine cleaning"
        svc.record_cleaning(actor=olga, room=room, kind=kind, sop=sop, at=start - dt.timedelta(hours=2))
        clearance = svc.record_line_clearance(
            actor=olga, room=room, product=made, batch=batch, at=start - dt.timedelta(hours=1)
        )
        svc.check_line_clearance(actor=quentin, clearance=clearance, password=PASSWORD, reason="room checked")
        svc.start_use(actor=olga, room=room, product=made, batch=batch, at=start)
        svc.end_use(actor=olga, room=room, at=start + dt.timedelta(hours=hours))

    # PR-C: the CAR-T's preparation; then nothing: AAV9-SMN needs a changeover cleaning first.
    cycle(found[NEEDS_CHANGEOVER], car_t, "LV-26-001", now - dt.timedelta(days=3), 20)
    # FS-B: an AAV9-SMN batch, then cleaned and cleared again for the next one (ready).
    fs_b = found[READY]
    cycle(fs_b, product, "AAV-26-011", now - dt.timedelta(days=2), 20)
    svc.record_cleaning(actor=olga, room=fs_b, kind="routine", sop="SOP-CL-001", at=now - dt.timedelta(hours=6))
    clearance = svc.record_line_clearance(
        actor=olga, room=fs_b, product=product, batch="AAV-26-012", at=now - dt.timedelta(hours=5)
    )
    svc.check_line_clearance(actor=quentin, clearance=clearance, password=PASSWORD, reason="room checked")
    # FS-A: a CAR-T use long ago, a changeover cleaning, and a clearance for AAV9-SMN awaiting its check.
    fs_a = found[AWAITING_CHECK]
    cycle(fs_a, car_t, "LV-26-000", now - dt.timedelta(days=6), 8)
    svc.record_cleaning(actor=olga, room=fs_a, kind="changeover", sop="SOP-CL-002", at=now - dt.timedelta(hours=4))
    svc.record_line_clearance(
        actor=olga, room=fs_a, product=product, batch="AAV-26-012", at=now - dt.timedelta(hours=3)
    )
    # The centrifuge spun the CAR-T last: a changeover cleaning before AAV9-SMN.
    centrifuge = find_equipment("CEN-01")
    logbook.record_use(
        actor=olga, equipment=centrifuge, purpose="LV-26-001 cell wash", product=car_t, at=now - dt.timedelta(hours=2)
    )
    logbook.record_cleaning(actor=olga, equipment=centrifuge, note="routine wipe", at=now - dt.timedelta(hours=1))
