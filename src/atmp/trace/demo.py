"""The demo's traceability: an autologous CAR-T-like flow and an AAV flow at Leiden, through the services.

1. Autologous (lentiviral): three patients registered under COIs with their personal data sealed,
   an apheresis lot of each (the patient is its donor), a lentiviral vector lot released by QA, a
   drug product bag made for each patient, shipped with hand-overs scanned on both sides to the
   treatment centre, and given at the bedside by scan to two of them. One bedside scan is
   refused: the nurse scanned one patient's wristband with another patient's bag, so the custody
   service kept the blocked attempt and opened a deviation linked to it. The chain's times are
   spread as they would happen (CHAINS: collected, made, shipped, handed over, infused, days and
   hours apart, in order, all before the load); the release signatures, which cannot be dated
   back, carry the load's time, and so does the AAV flow (its lots are received at the load, and a
   supplier's approval is checked on the day of receipt).
2. AAV: plasmid lots (rep/cap, transgene, helper), a HEK293 working cell bank (made from one vial of
   the HEK293 master cell bank, ICH Q5D: its lineage is a genealogy use) and a culture-medium lot
   (the hub, HUB_REAGENT_LOT: every batch used it) make two vector drug substance lots, each filled
   into a drug product lot given to patients: a forward trace from a plasmid lot or the hub reaches
   them.

Every record is made as the demo's people would make it (Olga Operator, Carla the Chain-of-Identity
Coordinator, QA's and the QP's release signatures with the demo password), so the ledger holds what
real use would leave. Personal data is made up and sealed; it never reaches the ledger in clear.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from atmp.accounts.models import Site, User
from atmp.ledger import clock

# The AAV flow's hub: the culture-medium lot every AAV batch used (a recall of it reaches every patient).
HUB_REAGENT_LOT = "MED-001-26-0042"
PLASMID_LOTS = {"rep/cap": "PL-RC9-26-007", "transgene": "PL-SMN-26-011", "helper": "PL-HLP-26-004"}
CELL_BANK_LOT = "WCB-HEK293-26-02"
MASTER_BANK_LOT = "MCB-HEK293-24-01"
# The banks' validated limit of in-vitro cell age for production (ICH Q5D §2.3.3): EOPC expanded to
# 30 passages from the WCB thaw were characterised; production stays within 20 (a margin, the usual choice).
BANK_LIMIT_BASIS = (
    "VAL-HEK-2025-03: end-of-production cells at 30 passages from the WCB thaw conform to the ICH Q5D/Q5A "
    "panel (identity, sterility, mycoplasma, adventitious viruses, RCA); production is limited to 20"
)
VECTOR_LOT = "LVV-CD19-26-003"
TREATMENT_CENTRE = "LUMC cell therapy unit, Leiden"
WARD = "LUMC haematology ward 4"
# Made-up personal data of the demo's patients: sealed by the identities service, never in the
# ledger in clear (a test searches the ledger and the exported records for these names). The birth
# dates lie years before any date the demo writes (those are relative to the day it is loaded).
CAR_T_PATIENTS = [
    {"name": "Maartje de Vries-Demo", "birth_date": "1961-04-17", "hospital_number": "LUMC-DEMO-4471"},
    {"name": "Jules Verbruggen-Demo", "birth_date": "1958-11-02", "hospital_number": "LUMC-DEMO-4472"},
    {"name": "Sanne Oosterhuis-Demo", "birth_date": "1973-06-29", "hospital_number": "LUMC-DEMO-4473"},
]
AAV_PATIENTS = [
    {"name": "Noor Bakker-Demo", "birth_date": "2011-03-14", "hospital_number": "LUMC-DEMO-5101"},
    {"name": "Daan Jansen-Demo", "birth_date": "2013-08-30", "hospital_number": "LUMC-DEMO-5102"},
    {"name": "Lotte Visser-Demo", "birth_date": "2015-12-07", "hospital_number": "LUMC-DEMO-5103"},
]
# The material catalogue of both flows: code, name, type, unit (UCUM), storage.
MATERIALS = [
    ("APH-AUTO", "Leukapheresis, autologous", "starting_material", "mL", "2–8 °C"),
    ("LVV-CD19", "Lentiviral vector, anti-CD19 CAR", "starting_material", "mL", "≤ -65 °C"),
    ("DP-CART19", "Anti-CD19 CAR-T cells, autologous, infusion bag", "drug_product", "{bag}", "≤ -150 °C"),
    ("PL-RC9", "Plasmid pRepCap9 (AAV2 rep, AAV9 cap)", "plasmid", "mg", "-20 °C ± 5 °C"),
    ("PL-SMN", "Plasmid pAAV-CB-SMN1 (transgene)", "plasmid", "mg", "-20 °C ± 5 °C"),
    ("PL-HLP", "Plasmid pHelper (adenoviral helper genes)", "plasmid", "mg", "-20 °C ± 5 °C"),
    ("CL-HEK293", "HEK293 cell line (cell bank vials)", "cell_line", "{vial}", "≤ -150 °C"),
    ("MED-001", "HEK293 expansion and transfection medium", "medium", "L", "2–8 °C"),
    ("DS-AAV9-SMN", "AAV9-SMN vector drug substance", "drug_substance", "mL", "≤ -60 °C"),
    ("DP-AAV9-SMN", "AAV9-SMN vector, solution for infusion, vial", "drug_product", "{vial}", "≤ -60 °C"),
]


def load(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Load the traceability demo: the autologous flow with its refused bedside scan, and the AAV flow."""
    from atmp.trace.services.materials import add_material

    rita = people["rita"]  # the catalogue is every site's: QA keeps it
    materials = {
        code: add_material(actor=rita, code=code, name=name, type=kind, unit=unit, storage=storage, reason="catalogue")
        for code, name, kind, unit, storage in MATERIALS
    }
    _autologous(people, sites["LEI"], materials)
    _aav(people, sites["LEI"], materials)


def _register(people: dict[str, User], site: Site, data: dict[str, str]) -> Any:
    """Register a patient under a new COI, with their personal data sealed when this home has the identity keys."""
    from atmp.trace import sealed
    from atmp.trace.services.identities import register_person_with_identity
    from atmp.trace.services.persons import register_person

    carla = people["carla"]
    if sealed.keys_present():
        return register_person_with_identity(
            actor=carla,
            kind="patient",
            site=site,
            reason="referred by the treating physician",
            name=data["name"],
            birth_date=data["birth_date"],
            hospital_number=data["hospital_number"],
        )
    return register_person(actor=carla, kind="patient", site=site, reason="referred by the treating physician")


def _ago(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """Return a time of day (UTC) so many days before the load: the custody chain reads as it happened."""
    return (clock.now() - dt.timedelta(days=days)).replace(hour=hour, minute=minute, second=0, microsecond=0)


# Each CAR-T patient's chain, in days before the load and UTC times of day: the apheresis collected,
# the bag made (transduced and formulated), shipped, handed to the courier, received at the
# treatment centre. The patients' bags leave two days apart; the infusions follow (below).
CHAINS = [
    {"collected": (24, 9), "made": (22, 10), "shipped": (7, 7, 30), "courier": (7, 7, 45), "received": (7, 16, 10)},
    {"collected": (22, 9), "made": (20, 10), "shipped": (5, 7, 30), "courier": (5, 7, 50), "received": (5, 15, 40)},
    {"collected": (20, 9), "made": (18, 10), "shipped": (4, 8, 0), "courier": (4, 8, 20), "received": (4, 17, 5)},
]
# The bedside: the first patient's infusion; the refused scan (second wristband, third bag) and,
# thirteen minutes later, the second patient's infusion with the right bag.
FIRST_INFUSION, REFUSED_SCAN, SECOND_INFUSION = (5, 10, 5), (2, 9, 55), (2, 10, 8)


def _receive(actor: User, number: str, material: Any, site: Site, quantity: str, **fields: Any) -> Any:
    from atmp.trace.services.lots import receive_lot

    fields.setdefault("expiry_date", clock.now().date() + dt.timedelta(days=365))
    return receive_lot(
        actor=actor, number=number, material=material, site=site, quantity=quantity, reason="received", **fields
    )


def _release(signer: User, lot: Any, why: str) -> Any:
    from atmp.demo import PASSWORD
    from atmp.trace.services.lots import release_lot

    return release_lot(actor=signer, lot=lot, password=PASSWORD, reason=why)


def _autologous(people: dict[str, User], site: Site, materials: dict[str, Any]) -> None:
    """Three autologous CAR-T patients: apheresis, vector, a bag each, shipped, two given by scan, one scan refused."""
    from atmp.trace.services.custody import HandoverBlocked, administer_by_scan, record_handover, ship
    from atmp.trace.services.genealogy import record_use

    olga, alex, petra = people["olga"], people["alex"], people["petra"]
    vector = _receive(olga, VECTOR_LOT, materials["LVV-CD19"], site, "40", location="LN2 freezer F-2")
    _release(alex, vector, "vector lot released on its certificate of analysis")
    bags = []
    for n, (data, chain) in enumerate(zip(CAR_T_PATIENTS, CHAINS, strict=True), start=1):
        patient = _register(people, site, data)
        apheresis = _receive(
            olga,
            f"APH-26-{n:04d}",
            materials["APH-AUTO"],
            site,
            "200",
            donor=patient,
            expiry_date=clock.now().date() + dt.timedelta(days=3),
            location="Apheresis receipt, cold room",
            received_at=_ago(*chain["collected"]),
        )
        _release(alex, apheresis, "apheresis accepted: identity, volume and serology checked")
        made = _ago(*chain["made"])
        bag = _receive(
            olga,
            f"CART-26-{n:04d}",
            materials["DP-CART19"],
            site,
            "1",
            location="Vapour-phase LN2 V-1",
            received_at=made,
        )
        record_use(
            actor=olga, input=apheresis, output=bag, quantity="150", unit="mL", at=made, reason="T-cell selection"
        )
        record_use(actor=olga, input=vector, output=bag, quantity="2.5", unit="mL", at=made, reason="transduction")
        _release(petra, bag, "certified by the QP after QC release testing")
        shipment = ship(
            actor=olga,
            number=f"SHP-CART-26-{n:04d}",
            tracking=f"CRYO{n:08d}",
            courier="CryoCourier BV",
            lots=[bag],
            origin="Leiden manufacturing, dispatch",
            destination=TREATMENT_CENTRE,
            destination_stage="treatment_centre",
            shipped_at=_ago(*chain["shipped"]),
            reason="shipped in a dry shipper",
        )
        for stage, place, giver, receiver, scans, at in (
            (
                "courier",
                "Leiden dispatch dock",
                "Leiden dispatch",
                "CryoCourier BV",
                (bag.number, bag.number),
                _ago(*chain["courier"]),
            ),
            (
                "treatment_centre",
                TREATMENT_CENTRE,
                "CryoCourier BV",
                "LUMC cell therapy pharmacy",
                (bag.number, patient.coi),
                _ago(*chain["received"]),
            ),
        ):
            record_handover(
                actor=olga,
                shipment=shipment,
                stage=stage,
                giver_scan=scans[0],
                receiver_scan=scans[1],
                place=place,
                from_party=giver,
                to_party=receiver,
                condition="dry shipper intact, seal unbroken",
                at=at,
                reason="hand-over scanned on both sides",
            )
        bags.append((patient, bag))
    # At the bedside: the first patient's bag is given; then the second patient's wristband is scanned
    # with the third patient's bag (both bags in the ward's freezer): refused, kept, a deviation opened.
    # The right bag is scanned next and given. The third patient's infusion is still to come.
    (first, first_bag), (second, second_bag), (_, third_bag) = bags
    administer_by_scan(
        actor=olga,
        patient_scan=first.coi,
        product_scan=first_bag.number,
        place=WARD,
        at=_ago(*FIRST_INFUSION),
        reason="infusion",
    )
    with contextlib.suppress(HandoverBlocked):  # the attempt is kept with its deviation: what the demo shows
        administer_by_scan(
            actor=olga, patient_scan=second.coi, product_scan=third_bag.number, place=WARD, at=_ago(*REFUSED_SCAN)
        )  # no reason given: the service's own ("administration blocked by a mismatched scan") is recorded
    administer_by_scan(
        actor=olga,
        patient_scan=second.coi,
        product_scan=second_bag.number,
        place=WARD,
        at=_ago(*SECOND_INFUSION),
        reason="infusion",
    )


def _aav(people: dict[str, User], site: Site, materials: dict[str, Any]) -> None:
    """Plasmids, a cell bank and the hub medium lot make two AAV drug substance lots, filled and given to patients."""
    from atmp.quality.models import Supplier
    from atmp.trace.services.genealogy import administer, record_use

    olga, alex, petra = people["olga"], people["alex"], people["petra"]
    viromedia = Supplier.objects.get(name="ViroMedia GmbH")  # the quality demo's supplier, approved for MED-001
    inputs = []
    for role, number in PLASMID_LOTS.items():
        code = number.rsplit("-", 2)[0]
        lot = _receive(olga, number, materials[code], site, "50", location="Freezer -20 F-7")
        _release(alex, lot, f"{role} plasmid released on its certificate of analysis")
        inputs.append((lot, "6", "mg"))
    bank = _banks(people, site, materials["CL-HEK293"])
    inputs.append((bank, "1", "{vial}"))
    medium = _receive(
        olga,
        HUB_REAGENT_LOT,
        materials["MED-001"],
        site,
        "100",
        supplier=viromedia,
        supplier_lot="VM-24117",
        location="Cold room C-1",
    )
    _release(alex, medium, "medium released on its certificate of analysis and identity test")
    inputs.append((medium, "2500", "mL"))  # 2.5 L of the medium counted in L: converted by UCUM
    patients = iter(_register(people, site, data) for data in AAV_PATIENTS)
    for n, given_to in ((1, 2), (2, 1)):
        substance = _receive(
            olga, f"DS-AAV9-26-{n:03d}", materials["DS-AAV9-SMN"], site, "480", location="Freezer -80 F-3"
        )
        for lot, quantity, unit in inputs:
            record_use(actor=olga, input=lot, output=substance, quantity=quantity, unit=unit, reason="upstream batch")
        _release(alex, substance, "drug substance released after QC testing")
        product = _receive(
            olga, f"AAV9-SMN-26-{n:03d}", materials["DP-AAV9-SMN"], site, "40", location="Freezer -80 F-4"
        )
        record_use(actor=olga, input=substance, output=product, quantity="400", unit="mL", reason="fill and finish")
        _release(petra, product, "certified by the QP")
        for _ in range(given_to):
            administer(actor=olga, lot=product, patient=next(patients), reason="infusion at the treatment centre")


def _banks(people: dict[str, User], site: Site, cell_line: Any) -> Any:
    """Bank the HEK293 MCB and make the WCB from one of its vials (ICH Q5D §2.2.1); QC tests each one's panel
    (the lab module's results, through its bank_testing hook, ADR 0030) before QA releases it; return the WCB."""
    from atmp.trace.bank_results import test_panel
    from atmp.trace.services.banks import register_bank

    olga, alex = people["olga"], people["alex"]
    common: dict[str, Any] = {
        "storage": "LN2 vapour phase, ≤ -150 °C",
        "age_unit": "passages",
        "age_limit": 20,
        "limit_basis": BANK_LIMIT_BASIS,
        "vector_production": True,  # the cells make AAV with adenoviral helper genes: tested for RCV
    }
    mcb = _receive(olga, MASTER_BANK_LOT, cell_line, site, "40", location="LN2 tank T-1, rack 1")
    master = register_bank(actor=olga, lot=mcb, kind="mcb", age_at_banking=6, reason="master cell bank", **common)
    test_panel(master, people)
    _release(alex, mcb, "master cell bank released: the ICH Q5D panel conforms")
    wcb = _receive(olga, CELL_BANK_LOT, cell_line, site, "20", location="LN2 tank T-1, rack 2")
    made = register_bank(
        actor=olga, lot=wcb, kind="wcb", parent=mcb, parent_vials="1", age_at_banking=10,
        reason="working cell bank made from one MCB vial", **common,
    )  # fmt: skip
    test_panel(made, people)
    _release(alex, wcb, "working cell bank released: the ICH Q5D panel conforms")
    return wcb


def summary() -> dict[str, Any]:
    """Return what the traceability demo holds and where to start a trace."""
    from atmp.quality.models.deviations import Deviation
    from atmp.trace.models import Administration, Handover, Lot, Person
    from atmp.trace.services.custody import linked_deviations

    blocked = Handover.objects.filter(outcome="blocked").order_by("pk").first()
    return {
        "lots": Lot.objects.count(),
        "patients": Person.objects.count(),
        "administrations": Administration.objects.count(),
        "hub_reagent_lot": HUB_REAGENT_LOT,
        "plasmid_lot": PLASMID_LOTS["rep/cap"],
        "blocked_handover": blocked.record_key if blocked else None,
        "blocked_deviation": (next((d.number for d in linked_deviations(blocked)), None) if blocked else None),
        "deviations": Deviation.objects.count(),
    }


def describe(data: dict[str, Any]) -> list[str]:
    """Return the traceability demo's lines of the printed summary: what to try."""
    lines = [
        f"traceability: {data['lots']} lots, {data['patients']} patients, {data['administrations']} administrations",
        f"  try: atmp trace forward {data['plasmid_lot']} --json   (a plasmid lot reaches the AAV patients)",
        f"       atmp trace forward {data['hub_reagent_lot']} --json   (the medium every AAV batch used)",
        f"       atmp trace recall {data['hub_reagent_lot']} --json   (a mock recall: what it would reach)",
        f"       atmp trace bank show {MASTER_BANK_LOT} --json   (the HEK293 MCB: its WCB, batches, panel)",
        "       /trace/ (trace a lot or COI), /trace/genealogy/ (the graph), /trace/recall/ (recall impact),",
        "       /trace/shipments/ (the chain of custody), /trace/bedside/",
    ]
    if data["blocked_deviation"]:
        lines.append(
            f"  a refused bedside scan: {data['blocked_handover']}, with deviation {data['blocked_deviation']}"
        )
    return lines
