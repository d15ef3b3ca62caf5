"""Factories of traceability records for tests and benchmarks (each through its service, but link_lots)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from atmp.accounts.models import Site, User
from atmp.ledger import clock, writer
from atmp.testing import PASSWORD, make_site, make_user

_n = itertools.count(1)


def make_material(*, actor: User, **fields: Any) -> Any:
    """Add a material to the catalogue: an intermediate counted in mL unless told otherwise."""
    from atmp.trace.services.materials import add_material

    n = next(_n)
    return add_material(
        actor=actor,
        code=fields.pop("code", f"MAT-{n:05d}"),
        name=fields.pop("name", f"Material {n}"),
        type=fields.pop("type", "intermediate"),
        unit=fields.pop("unit", "mL"),
        **fields,
    )


def make_person(*, actor: User, kind: str = "patient", site: Site | None = None, **fields: Any) -> Any:
    """Register a patient (or a donor) of a site under a new COI."""
    from atmp.trace.services.persons import register_person

    return register_person(actor=actor, kind=kind, site=site or make_site(actor=actor), **fields)


def make_lot(*, actor: User, **fields: Any) -> Any:
    """Receive 100 units (the material's) of a lot in quarantine, good for a year, at a site."""
    from atmp.trace.services.lots import receive_lot

    material = fields.pop("material", None) or make_material(actor=actor)
    return receive_lot(
        actor=actor,
        number=fields.pop("number", f"LOT-{next(_n):06d}"),
        material=material,
        site=fields.pop("site", None) or make_site(actor=actor),
        quantity=fields.pop("quantity", "100"),
        expiry_date=fields.pop("expiry_date", clock.now().date() + dt.timedelta(days=365)),
        **fields,
    )


def releaser() -> User:
    """Return a new QA Approver who authored nothing (so may sign 'Released'), with the test password."""
    return make_user("qa_approver", password=PASSWORD)


def release(lot: Any, *, approver: User | None = None, test_panel: bool = True) -> Any:
    """Release the lot with a QA Approver's signature; a cell bank's panel is tested, conforming, first."""
    from atmp.trace import bank_results
    from atmp.trace.models import CellBank
    from atmp.trace.services.lots import release_lot

    bank = CellBank.objects.filter(lot_id=lot.pk, voided=False).first()
    if bank is not None and test_panel:
        bank_results.test_panel(bank)

    return release_lot(actor=approver or releaser(), lot=lot, password=PASSWORD, reason="test set-up: released")


def make_released_lot(*, actor: User, approver: User | None = None, **fields: Any) -> Any:
    """Receive a lot and release it (by another person, who signs)."""
    return release(make_lot(actor=actor, **fields), approver=approver)


def make_use(*, actor: User, **fields: Any) -> Any:
    """Use 10 units of a released lot to make a lot in quarantine."""
    from atmp.trace.services.genealogy import record_use

    source = fields.pop("input", None) or make_released_lot(actor=actor)
    made = fields.pop("output", None) or make_lot(actor=actor, site=source.site)
    return record_use(
        actor=actor,
        input=source,
        output=made,
        quantity=fields.pop("quantity", "10"),
        unit=fields.pop("unit", source.unit),
        **fields,
    )


def make_administration(*, actor: User, **fields: Any) -> Any:
    """Give a released drug product lot to a new patient of its site."""
    from atmp.trace.services.genealogy import administer

    lot = fields.pop("lot", None)
    if lot is None:
        lot = make_released_lot(actor=actor, material=make_material(actor=actor, type="drug_product", unit="{bag}"))
    patient = fields.pop("patient", None) or make_person(actor=actor, site=lot.site)
    return administer(actor=actor, lot=lot, patient=patient, **fields)


def make_approved_supplier(*, actor: User, approver: User, material: Any, on: dt.date | None = None) -> Any:
    """Return a supplier QA approved for the material, under a quality agreement in force on the day."""
    from atmp.quality.factories import make_quality_agreement, make_supplier, make_supplier_approval
    from atmp.workflow import engine

    day = on or clock.now().date()
    supplier = make_supplier(actor=actor)
    agreement = make_quality_agreement(
        actor=actor,
        supplier=supplier,
        effective_date=day - dt.timedelta(days=30),
        expiry_date=day + dt.timedelta(days=365),
    )
    engine.transition(actor, agreement, "submit", reason="test set-up")
    engine.transition(approver, agreement, "approve", reason="test set-up", password=PASSWORD)
    approval = make_supplier_approval(actor=actor, supplier=supplier, scope=material.code)
    engine.transition(approver, approval, "approve", reason="test set-up", password=PASSWORD)
    return supplier


def make_label_setup(*, actor: User, site: Site | None = None, **fields: Any) -> Any:
    """Set a site's label sizes: 50x25mm and 100x50mm unless told otherwise."""
    from atmp.trace.services.labels import set_up_labels

    return set_up_labels(
        actor=actor, site=site or make_site(actor=actor), sizes=fields.pop("sizes", ["50x25mm", "100x50mm"]), **fields
    )


def link_lots(*, actor: User, input: Any, output: Any, quantity: str = "1", unit: str | None = None) -> Any:
    """Write a use edge through the ledger WITHOUT the genealogy's rules: for tests and benchmarks of the trace.

    The trace selectors read edges whatever their lots' states; building a large or random DAG
    through record_use would need every input released first. Never for anything but test data.
    """
    from atmp.trace.models import Use

    edge = Use(input=input, output=output, quantity=Decimal(quantity), unit=unit or input.unit, at=clock.now())
    with writer.change(actor=actor, reason="test set-up: an edge of the genealogy") as ch:
        ch.save(edge)
    return edge


def give_lot(*, actor: User, lot: Any, patient: Any) -> Any:
    """Write an administration through the ledger WITHOUT the rules (lot released, a patient): for trace tests."""
    from atmp.trace.models import Administration

    given = Administration(lot=lot, patient=patient, at=clock.now())
    with writer.change(actor=actor, reason="test set-up: an administration") as ch:
        ch.save(given)
    return given


def make_coordinator(*, site: Site | None = None) -> User:
    """Return a new Chain-of-Identity Coordinator (personal data: register, correct, reveal), with the test password."""
    return make_user("coi_coordinator", password=PASSWORD, site=site)


def make_person_with_identity(*, actor: User | None = None, kind: str = "patient", **fields: Any) -> Any:
    """Register a patient (or donor) with sealed personal data, as a Chain-of-Identity Coordinator."""
    from atmp.trace.services.identities import register_person_with_identity

    n = next(_n)
    actor = actor or make_coordinator()
    return register_person_with_identity(
        actor=actor,
        kind=kind,
        site=fields.pop("site", None) or make_site(actor=actor),
        name=fields.pop("name", f"Test Person {n}"),
        birth_date=fields.pop("birth_date", "1970-01-31"),
        hospital_number=fields.pop("hospital_number", f"HN-{n:06d}"),
        **fields,
    )


def make_autologous_product(
    *, actor: User, site: Site | None = None, approver: User | None = None, patient_site: Site | None = None
) -> Any:
    """Return (patient, apheresis lot, released drug product bag lot) of one autologous patient, made at a site.

    The patient is the site's unless patient_site names the treatment centre (another site of ours) they belong to.
    """
    from atmp.trace.services.genealogy import record_use

    site = site or make_site(actor=actor)
    patient = make_person(actor=actor, kind="patient", site=patient_site or site)
    n = next(_n)
    apheresis_material = make_material(actor=actor, type="starting_material", unit="mL", storage="2–8 °C")
    apheresis = make_lot(actor=actor, number=f"APH-{n:06d}", material=apheresis_material, site=site, donor=patient)
    release(apheresis, approver=approver)
    product_material = make_material(actor=actor, type="drug_product", unit="{bag}", storage="≤ -150 °C")
    product = make_lot(actor=actor, number=f"DP-{n:06d}", material=product_material, site=site, quantity="1")
    record_use(actor=actor, input=apheresis, output=product, quantity="50", unit="mL")
    release(product, approver=approver)
    return patient, apheresis, product


def make_allogeneic_product(*, actor: User, site: Site | None = None, approver: User | None = None) -> Any:
    """Return (donor, donation lot, released drug product lot of two bags) of one allogeneic donor of a site."""
    from atmp.trace.services.genealogy import record_use

    site = site or make_site(actor=actor)
    donor = make_person(actor=actor, kind="donor", site=site)
    n = next(_n)
    donation_material = make_material(actor=actor, type="starting_material", unit="mL", storage="2–8 °C")
    donation = make_lot(actor=actor, number=f"DON-{n:06d}", material=donation_material, site=site, donor=donor)
    release(donation, approver=approver)
    product_material = make_material(actor=actor, type="drug_product", unit="{bag}", storage="≤ -150 °C")
    product = make_lot(actor=actor, number=f"ALLO-{n:06d}", material=product_material, site=site, quantity="2")
    record_use(actor=actor, input=donation, output=product, quantity="50", unit="mL")
    release(product, approver=approver)
    return donor, donation, product


def make_shipment(*, actor: User, **fields: Any) -> Any:
    """Ship a released lot (a new one unless given) from the manufacturing site to a treatment centre."""
    from atmp.trace.services.custody import ship

    n = next(_n)
    lots = fields.pop("lots", None) or [make_released_lot(actor=actor)]
    return ship(
        actor=actor,
        number=fields.pop("number", f"SHP-{n:06d}"),
        tracking=fields.pop("tracking", f"TRK{n:09d}"),
        lots=lots,
        origin=fields.pop("origin", "Leiden manufacturing"),
        destination=fields.pop("destination", "LUMC treatment centre"),
        destination_stage=fields.pop("destination_stage", "treatment_centre"),
        **fields,
    )


def make_handover(*, actor: User, **fields: Any) -> Any:
    """Hand a shipment over (a new one unless given), both sides scanning its first lot's number."""
    from atmp.trace.services.custody import lots_of, record_handover

    shipment = fields.pop("shipment", None) or make_shipment(actor=actor)
    number = lots_of(shipment)[0].number
    return record_handover(
        actor=actor,
        shipment=shipment,
        stage=fields.pop("stage", "courier"),
        giver_scan=fields.pop("giver_scan", number),
        receiver_scan=fields.pop("receiver_scan", number),
        place=fields.pop("place", "Leiden dock 2"),
        from_party=fields.pop("from_party", "Leiden dispatch"),
        to_party=fields.pop("to_party", "Courier"),
        **fields,
    )


TEMPERATURE_CSV = (
    "time,temperature (°C)\n2026-12-01T08:00:00Z,4.0\n2026-12-01T09:00:00Z,5.5\n2026-12-01T10:00:00Z,6.0\n"
)


def make_temperature_log(*, actor: User, **fields: Any) -> Any:
    """Import a three-reading log, 4–6 °C, into a shipment (held to 2–8 °C unless given)."""
    import io

    from atmp.trace.services.custody import import_temperature_log

    shipment = fields.pop("shipment", None) or make_shipment(actor=actor, temperature_low="2", temperature_high="8")
    content = fields.pop("content", TEMPERATURE_CSV)
    return import_temperature_log(
        actor=actor,
        shipment=shipment,
        stream=io.BytesIO(content.encode()),
        name=fields.pop("name", "logger.csv"),
        **fields,
    )


def make_hub_genealogy(*, actor: User, approver: User | None = None, site: Site, centre: Site) -> dict[str, Any]:
    """Build a small fixed genealogy around a hub reagent lot, through the services (for recall tests and demos).

    R (reagent, 100 mL, released, in freezer F-3) goes into batches B1, B2 and B3 (10 mL each);
    B1 makes drug product DP1 and B2 makes DP2 (1 bag used each); B3 is still in quarantine.
    DP1 (2 bags) gives 1 bag to patient P1 of the site; DP2 (2 bags) 1 bag each to P2 and P3 of
    the treatment centre. X is an unrelated released lot. Returns the lots and patients by those names.
    """
    approver = approver or releaser()
    reagent = make_material(actor=actor, type="intermediate", unit="mL")
    batch = make_material(actor=actor, type="drug_substance", unit="{bag}")
    product = make_material(actor=actor, type="drug_product", unit="{bag}")
    n = next(_n)
    r = make_released_lot(
        actor=actor, approver=approver, number=f"R-{n}", material=reagent, site=site, location="Freezer F-3"
    )
    x = make_released_lot(actor=actor, approver=approver, number=f"X-{n}", material=reagent, site=site)
    found: dict[str, Any] = {"R": r, "X": x}
    for name in ("B1", "B2", "B3"):
        found[name] = make_lot(actor=actor, number=f"{name}-{n}", material=batch, site=site, quantity="2")
        make_use(actor=actor, input=r, output=found[name], quantity="10", unit="mL")
    for b, dp in (("B1", "DP1"), ("B2", "DP2")):
        release(found[b], approver=approver)
        found[dp] = make_lot(actor=actor, number=f"{dp}-{n}", material=product, site=site, quantity="2")
        make_use(actor=actor, input=found[b], output=found[dp], quantity="1", unit="{bag}")
        release(found[dp], approver=approver)
    found["P1"] = make_person(actor=actor, site=site)
    found["P2"] = make_person(actor=actor, site=centre)
    found["P3"] = make_person(actor=actor, site=centre)
    for dp, p in (("DP1", "P1"), ("DP2", "P2"), ("DP2", "P3")):
        make_administration(actor=actor, lot=found[dp], patient=found[p], quantity="1")
    return found


def make_administration_past_retention(*, actor: User) -> Any:
    """Give a lot that expired in 1990 to a new patient (WITHOUT the rules): its retention ended, so it may be voided.

    For the record contract, which voids one record of every type: a live administration is kept
    until 30 years after its product's expiry (atmp.trace.retention).
    """
    site = make_site(actor=actor)
    lot = make_lot(actor=actor, site=site, expiry_date=dt.date(1990, 1, 1))
    return give_lot(actor=actor, lot=lot, patient=make_person(actor=actor, site=site))


def make_aav_genealogy(*, actor: User, site: Site, batches: int = 6, prefix: str = "AAV") -> dict[str, Any]:
    """Build an AAV-like genealogy for trace pages and screenshots: three plasmid lots, a cell bank, a hub
    reagent and two media feed each vector batch; a batch makes drug substance, which fills three drug
    product lots, each with a retained sample, given to patients. Edges by link_lots (no rules).

    With the default six batches: 55 lots and 18 patients; a forward trace from the hub reagent reaches
    49 lots and every patient.
    """

    from atmp.trace.models import Material
    from atmp.trace.models.materials import PURCHASED_TYPES

    suppliers: dict[str, Any] = {}

    def material(code: str, type_: str, unit: str = "mL") -> Any:
        found = Material.objects.filter(code=code).first()
        found = found or make_material(
            actor=actor, code=code, name=code.replace("-", " ").title(), type=type_, unit=unit
        )
        if type_ in PURCHASED_TYPES:  # received from a supplier QA approved for it
            suppliers[code] = make_approved_supplier(actor=actor, approver=releaser(), material=found)
        return found

    def lot(number: str, made_of: Any) -> Any:
        supplier = suppliers.get(made_of.code)
        return make_lot(actor=actor, number=f"{prefix}-{number}", material=made_of, site=site, supplier=supplier)

    inputs = [
        lot(f"PL-{n}", material(f"{prefix}-PLASMID-{name}", "plasmid"))
        for n, name in enumerate(("REP", "CAP", "HELPER"), 1)
    ]
    inputs.append(lot("MCB-1", material(f"{prefix}-HEK293-MCB", "cell_line", "{vial}")))
    hub = lot("REAGENT-1", material(f"{prefix}-PEI-REAGENT", "critical_reagent"))
    inputs += [hub, *(lot(f"MEDIUM-{n}", material(f"{prefix}-MEDIUM", "medium")) for n in (1, 2))]
    substance, product, sample = (
        material(f"{prefix}-VECTOR-DS", "drug_substance"),
        material(f"{prefix}-VECTOR-DP", "drug_product", "{vial}"),
        material(f"{prefix}-RETAINED", "intermediate", "{vial}"),
    )
    vector = material(f"{prefix}-VECTOR-BATCH", "intermediate")
    made: dict[str, Any] = {"hub": hub, "inputs": inputs, "batches": [], "products": [], "patients": []}
    for b in range(1, batches + 1):
        batch = lot(f"VB-{b:02d}", vector)
        for source in [*inputs[:5], inputs[5 + b % 2]]:
            link_lots(actor=actor, input=source, output=batch)
        ds = lot(f"DS-{b:02d}", substance)
        link_lots(actor=actor, input=batch, output=ds)
        made["batches"].append(batch)
        for f in range(1, 4):
            dp = lot(f"DP-{b:02d}{f}", product)
            link_lots(actor=actor, input=ds, output=dp)
            link_lots(actor=actor, input=dp, output=lot(f"RS-{b:02d}{f}", sample))
            patient = make_person(actor=actor, kind="patient", site=site)
            give_lot(actor=actor, lot=dp, patient=patient)
            made["products"].append(dp)
            made["patients"].append(patient)
    return made


def make_cell_line(*, actor: User, **fields: Any) -> Any:
    """Add a cell line to the catalogue, counted in vials."""
    return make_material(actor=actor, type=fields.pop("type", "cell_line"), unit="{vial}", **fields)


def make_cell_bank(*, actor: User, kind: str = "mcb", **fields: Any) -> Any:
    """Register a bank of 100 vials in quarantine: an MCB of a new cell line unless told (a parent for a WCB)."""
    from atmp.trace.services.banks import register_bank

    parent = fields.pop("parent", None)
    material = fields.pop("material", None) or (parent.material if parent is not None else make_cell_line(actor=actor))
    lot = fields.pop("lot", None) or make_lot(
        actor=actor,
        material=material,
        quantity=fields.pop("vials", "100"),
        site=fields.pop("site", None) or (parent.site if parent is not None else None),
    )
    return register_bank(
        actor=actor,
        lot=lot,
        kind=kind,
        parent=parent,
        storage=fields.pop("storage", "LN2 vapour phase, ≤ −150 °C, dewar D1"),
        age_unit=fields.pop("age_unit", "passages"),
        age_at_banking=fields.pop("age_at_banking", 5 if parent is None else 10),
        age_limit=fields.pop("age_limit", 20),
        limit_basis=fields.pop("limit_basis", "VAL-CB-001: EOPC at passage 25 conform"),
        **fields,
    )
