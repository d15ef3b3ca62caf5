"""The demo's manufacturing at Leiden, through the services: the AAV9-SMN product with two process
versions (version 2 introduced by the quality demo's approved change of culture-medium supplier),
an effective master batch record for each (version 1's superseded with its process version), and
equipment with its logbook: a biosafety cabinet ready for use, an incubator and a centrifuge, and a
balance out of calibration (its calibration overdue shows on the list and on My work); the rooms'
cleanings and uses (demo_rooms) and a dozen batches executed through the services (demo_batches)."""

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
    # What the rest of the master record's steps need (AAV9-SMN's own centrifuge: CEN-01 serves the CAR-T).
    ("WB-01", "Water bath", "water_bath", "Suite 2, room 2.14", 182, 365, True, 168),
    ("CEN-02", "Refrigerated centrifuge, AAV", "centrifuge", "Suite 2, room 2.16", 365, 182, True, 72),
    ("DF-01", "Depth filtration skid", "depth_filter", "Suite 2, room 2.16", 365, 365, True, 72),
    ("CHR-01", "Chromatography system", "chromatography", "Suite 2, room 2.18", 365, 182, True, 72),
    ("TFF-01", "Tangential flow filtration system", "tff", "Suite 2, room 2.18", 365, 182, True, 72),
    ("BAL-02", "Precision balance", "balance", "Weighing room 2.02", 365, None, False, None),
]


def load(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Load the manufacturing demo: the product and its process versions, the equipment and its logbook."""
    product = _product(people, sites["LEI"])
    for row in EQUIPMENT:
        _equipment(people, sites["LEI"], *row)
    from atmp.manufacturing import demo_batches, demo_rooms

    demo_rooms.load(people, sites, product)
    demo_batches.load(people, sites, product)


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
    master = _master_record(people, first)
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
        # Version 2 supersedes version 1 and, in the same signed change, version 1's master batch record.
        products.make_effective(actor=alex, version=second, password=PASSWORD, reason="change approved")
        _copy_master_record(people, master, second)
    return product


def _master_record(people: dict[str, User], version: Any) -> Any:
    """Draft the AAV9-SMN master batch record of process version 1 and make it effective (demo_mbr)."""
    from atmp.demo import PASSWORD
    from atmp.manufacturing import demo_mbr
    from atmp.manufacturing.services import mbr
    from atmp.quality.models.documents import Document
    from atmp.trace.models.materials import Material
    from atmp.trace.services.materials import add_material

    rita = people["rita"]
    for code, name, kind, unit, storage in demo_mbr.REAGENTS:
        if not Material.objects.filter(code=code).exists():
            add_material(actor=rita, code=code, name=name, type=kind, unit=unit, storage=storage, reason="catalogue")
    titles = (demo_mbr.GOWNING, demo_mbr.CLEANING)
    sops = {d.title: d.number for d in Document.objects.filter(title__in=titles, voided=False)}
    record = mbr.add_mbr(
        actor=rita,
        process_version=version,
        document=demo_mbr.document("AAV9-SMN adherent HEK293 triple transfection, 11 steps", sops),
        reason="master batch record of process v1",
    )
    mbr.make_effective(actor=people["alex"], mbr=record, password=PASSWORD, reason="reviewed against process v1")
    return record


def _copy_master_record(people: dict[str, User], source: Any, version: Any) -> None:
    """Copy version 1's record for version 2 (the new medium supplier changes no step) and make it effective."""
    from atmp.demo import PASSWORD
    from atmp.manufacturing.services import mbr

    record = mbr.copy_mbr(
        actor=people["rita"],
        source=source,
        process_version=version,
        title="AAV9-SMN adherent HEK293 triple transfection, medium from CellGro Media BV",
        reason="master batch record of process v2",
    )
    mbr.make_effective(actor=people["alex"], mbr=record, password=PASSWORD, reason="reviewed against process v2")


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
    from atmp.manufacturing import demo_batches
    from atmp.manufacturing.models import Equipment, MasterBatchRecord, ProcessVersion

    records = MasterBatchRecord.objects.filter(process_version__product__code=PRODUCT).order_by("pk")
    return {
        "product": PRODUCT,
        "process_versions": ProcessVersion.objects.filter(product__code=PRODUCT).count(),
        "master_batch_records": {str(m.pk): m.status for m in records},
        "equipment": Equipment.objects.count(),
        "out_of_calibration": OUT_OF_CALIBRATION,
        "needs_changeover": "PR-C",
        "batches": demo_batches.summary(),
    }


def describe(data: dict[str, Any]) -> list[str]:
    """Return the manufacturing demo's lines of the printed summary: what to try."""
    return [
        f"manufacturing: {data['product']} with {data['process_versions']} process versions, "
        f"{data['equipment']} pieces of equipment",
        f"  try: atmp manufacturing equipment usable {data['out_of_calibration']} --as olga   (calibration overdue)",
        "       atmp manufacturing equipment list --due overdue --as rita --json",
        "       /manufacturing/equipment/ (due and overdue), each piece's page with its logbook",
        f"  master batch records: {', '.join(f'{k} ({v})' for k, v in data['master_batch_records'].items())}",
        f"  try: atmp manufacturing mbr show {max(data['master_batch_records'], default='1', key=int)} --as rita",
        "       /manufacturing/master-batch-records/",
        f"       atmp manufacturing room ready LEI {data.get('needs_changeover', 'PR-C')} --product {data['product']} "
        "--as olga   (changeover missing)",
        "       /manufacturing/rooms/ (the product and GMO class in each room, readiness)",
        *_batch_lines(data.get("batches") or {}),
    ]


def _batch_lines(data: dict[str, Any]) -> list[str]:
    """Return the printed lines about the demo's batches: their states and what to try on them."""
    import shlex

    from atmp.demo import PASSWORD

    states = data.get("batches") or {}
    if not states:
        return []
    lines = [
        "  batches: " + ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in sorted(states.items())),
        "  try: /manufacturing/batches/ (each batch's record and review by exception)",
    ]
    if data.get("executed"):
        lines.append(
            f"       atmp manufacturing batch exceptions {data['executed']} --as rita   "
            "(a value outside its proven acceptable range, with its deviation)"
        )
    if data.get("in_progress"):
        number, step = data["in_progress"], data["refused_step"]
        lines += [
            f"       /manufacturing/batches/{data['in_progress_id']}/steps/{step}/ (olga continues the seed train)",
            f"       ATMP_PASSWORD={shlex.quote(PASSWORD)} atmp manufacturing batch add {number} {step} 1 "
            f"--lot {data['quarantined_lot']} --quantity 4 --as olga",
            f"         (refused, exit 2: lot {data['quarantined_lot']} is in quarantine; nothing is written)",
        ]
    return lines
