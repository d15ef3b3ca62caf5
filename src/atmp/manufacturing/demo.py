"""The demo's manufacturing at Leiden, through the services: the AAV9-SMN product with two process
versions (version 2 introduced by the quality demo's approved change of culture-medium supplier), and
equipment with its logbook: a biosafety cabinet ready for use, an incubator and a centrifuge, and a
balance out of calibration (its calibration overdue shows on the list and on My work)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from atmp.accounts.models import Site, User
from atmp.ledger import clock

PRODUCT = "AAV9-SMN"
OUT_OF_CALIBRATION = "BAL-01"
# code, name, class, location, calibration days, maintenance days, cleaned before use, clean hold hours
EQUIPMENT = [
    ("BSC-01", "Biosafety cabinet class II, suite 2", "bsc", "Suite 2, room 2.14", 365, 182, True, 24),
    ("INC-01", "CO2 incubator", "incubator", "Suite 2, room 2.14", 182, 365, True, 168),
    ("CEN-01", "Refrigerated centrifuge", "centrifuge", "Suite 2, room 2.16", 365, 182, True, 72),
    ("BAL-01", "Analytical balance", "balance", "Weighing room 2.02", 365, None, False, None),
]


def load(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Load the manufacturing demo: the product and its process versions, the equipment and its logbook."""
    product = _product(people, sites["LEI"])
    for row in EQUIPMENT:
        _equipment(people, sites["LEI"], *row)
    from atmp.manufacturing import demo_rooms

    demo_rooms.load(people, sites, product)


def _product(people: dict[str, User], leiden: Site) -> Any:
    from atmp.demo import PASSWORD
    from atmp.manufacturing.services import products
    from atmp.quality.models.changes import ChangeControl

    rita, alex = people["rita"], people["alex"]
    product = products.add_product(
        actor=rita,
        code=PRODUCT,
        name="AAV9-SMN1 vector for spinal muscular atrophy",
        atmp_class="gene_therapy",
        vector_type="aav",
        origin="allogeneic",  # not made from the patient's cells: one batch treats several patients
        gmo_class="1",
        containment_level=1,
        reason="product master data",
    )
    first = products.add_process_version(
        actor=rita, product=product, site=leiden, title="Adherent HEK293, triple transfection", reason="process v1"
    )
    products.make_effective(actor=alex, version=first, password=PASSWORD, reason="first GMP process")
    change = ChangeControl.objects.filter(site=leiden, title__startswith="Culture medium MED-001").first()
    second = products.add_process_version(
        actor=rita,
        product=product,
        site=leiden,
        title="Adherent HEK293, triple transfection, medium from CellGro Media BV",
        change_control=change,
        reason="process v2 for the change of medium supplier",
    )
    if change is not None and change.status == "implementation":
        products.make_effective(actor=alex, version=second, password=PASSWORD, reason="change approved")
    return product


def _equipment(
    people: dict[str, User],
    leiden: Site,
    code: str,
    name: str,
    kind: str,
    location: str,
    calibration: int | None,
    maintenance: int | None,
    cleaned: bool,
    hold: int | None,
) -> Any:
    from atmp.demo import PASSWORD
    from atmp.manufacturing.services import equipment, logbook

    rita, alex, olga = people["rita"], people["alex"], people["olga"]
    now = clock.now()
    eq = equipment.register_equipment(
        actor=rita,
        code=code,
        name=name,
        equipment_class=kind,
        site=leiden,
        location=location,
        calibration_interval_days=calibration,
        maintenance_interval_days=maintenance,
        cleaning_required=cleaned,
        clean_hold_hours=hold,
        reason="installed",
    )
    qualified_on = (now - dt.timedelta(days=420)).date()
    for days, stage in ((4, "iq"), (2, "oq"), (0, "pq")):
        equipment.record_qualification_stage(
            actor=rita,
            equipment=eq,
            stage=stage,
            done_on=qualified_on - dt.timedelta(days=days),
            report=io.BytesIO(
                f"{stage.upper()} protocol and report of {code}: all acceptance criteria met.\n".encode()
            ),
            report_name=f"{code}-{stage.upper()}-report.txt",
            reason=f"{stage.upper()} executed",
        )
    equipment.qualify(actor=alex, equipment=eq, password=PASSWORD, reason="IQ/OQ/PQ reports reviewed")
    # The balance was last calibrated 400 days ago on a yearly interval: out of calibration now.
    last = now - dt.timedelta(days=400 if code == OUT_OF_CALIBRATION else 60)
    if calibration:
        logbook.record_calibration(actor=olga, equipment=eq, passed=True, at=last, note="Within tolerance")
    if maintenance:
        logbook.record_maintenance(actor=olga, equipment=eq, at=now - dt.timedelta(days=90), note="Preventive")
    if cleaned:
        logbook.record_cleaning(actor=olga, equipment=eq, at=now - dt.timedelta(hours=3), note="70 % IPA, sporicide")
    return eq


def summary() -> dict[str, Any]:
    """Return what the manufacturing demo holds and what to try."""
    from atmp.manufacturing.models import Equipment, ProcessVersion

    return {
        "product": PRODUCT,
        "process_versions": ProcessVersion.objects.filter(product__code=PRODUCT).count(),
        "equipment": Equipment.objects.count(),
        "out_of_calibration": OUT_OF_CALIBRATION,
        "needs_changeover": "PR-C",
    }


def describe(data: dict[str, Any]) -> list[str]:
    """Return the manufacturing demo's lines of the printed summary: what to try."""
    return [
        f"manufacturing: {data['product']} with {data['process_versions']} process versions, "
        f"{data['equipment']} pieces of equipment",
        f"  try: atmp manufacturing equipment usable {data['out_of_calibration']} --as olga   (calibration overdue)",
        "       atmp manufacturing equipment list --due overdue --as rita --json",
        "       /manufacturing/equipment/ (due and overdue), each piece's page with its logbook",
        f"       atmp manufacturing room ready LEI {data.get('needs_changeover', 'PR-C')} --product {data['product']} "
        "--as olga   (changeover missing)",
        "       /manufacturing/rooms/ (the product and GMO class in each room, readiness)",
    ]
