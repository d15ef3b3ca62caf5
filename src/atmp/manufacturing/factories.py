"""Factories of manufacturing records for tests, benchmarks and the demo (each through its service)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from decimal import Decimal
from typing import Any

from atmp.accounts.models import Site, User
from atmp.testing import PASSWORD, make_site, make_user

_n = itertools.count(1)


def make_product(*, actor: User, **fields: Any) -> Any:
    """Add an autologous AAV gene therapy (a class 1 GMO at containment level 1) unless told otherwise."""
    from atmp.manufacturing.services.products import add_product

    n = next(_n)
    fields.setdefault("code", f"PRD-{n:04d}")
    fields.setdefault("name", f"Product {n}")
    fields.setdefault("atmp_class", "gene_therapy")
    fields.setdefault("vector_type", "aav")
    fields.setdefault("origin", "autologous")
    fields.setdefault("gmo_class", "1")
    fields.setdefault("containment_level", 1)
    return add_product(actor=actor, **fields)


def make_processversion(*, actor: User, product: Any = None, site: Site | None = None, **fields: Any) -> Any:
    """Draft the next process version of a product (a new one unless given) at a site."""
    from atmp.manufacturing.services.products import add_process_version

    return add_process_version(
        actor=actor,
        product=product or make_product(actor=actor),
        site=site or make_site(actor=actor),
        title=fields.pop("title", "Transduction and expansion"),
        **fields,
    )


def approver() -> User:
    """Return a new QA Approver who authored nothing (so may sign 'approved'), with the test password."""
    return make_user("qa_approver", password=PASSWORD)


def make_equipment(*, actor: User, site: Site | None = None, **fields: Any) -> Any:
    """Register a biosafety cabinet in commissioning: calibrated yearly, maintained half-yearly, a 24 h clean hold."""
    from atmp.manufacturing.services.equipment import register_equipment

    n = next(_n)
    fields.setdefault("code", f"EQ-{n:04d}")
    fields.setdefault("name", f"Biosafety cabinet {n}")
    fields.setdefault("equipment_class", "bsc")
    fields.setdefault("location", "Room 2.14")
    fields.setdefault("calibration_interval_days", 365)
    fields.setdefault("maintenance_interval_days", 182)
    fields.setdefault("clean_hold_hours", 24)
    return register_equipment(actor=actor, site=site or make_site(actor=actor), **fields)


def qualify_stages(*, actor: User, equipment: Any, on: dt.date | None = None) -> Any:
    """Record IQ, OQ and PQ (each with a small report) on consecutive days ending on `on` (default: a week ago)."""
    from atmp.ledger import clock
    from atmp.manufacturing.services.equipment import record_qualification_stage

    last = on or clock.now().date() - dt.timedelta(days=7)
    for days_before, stage in ((2, "iq"), (1, "oq"), (0, "pq")):
        record_qualification_stage(
            actor=actor,
            equipment=equipment,
            stage=stage,
            done_on=last - dt.timedelta(days=days_before),
            report=io.BytesIO(f"{stage} report of {equipment.code}\n".encode()),
            report_name=f"{equipment.code}-{stage}.txt",
        )
    return equipment


def make_usable_equipment(*, actor: User, qa: User | None = None, **fields: Any) -> Any:
    """Register equipment, qualify it (signed by a QA Approver), calibrate, maintain and clean it: usable now."""
    from atmp.manufacturing.services.equipment import qualify
    from atmp.manufacturing.services.logbook import record_calibration, record_cleaning, record_maintenance

    equipment = qualify_stages(actor=actor, equipment=make_equipment(actor=actor, **fields))
    qualify(actor=qa or approver(), equipment=equipment, password=PASSWORD, reason="IQ/OQ/PQ approved")
    if equipment.calibration_interval_days:
        record_calibration(actor=actor, equipment=equipment, passed=True)
    if equipment.maintenance_interval_days:
        record_maintenance(actor=actor, equipment=equipment)
    if equipment.cleaning_required:
        record_cleaning(actor=actor, equipment=equipment)
    return equipment


def make_logbookentry(*, actor: User, equipment: Any = None, **fields: Any) -> Any:
    """Record a cleaning of equipment (new unless given)."""
    from atmp.manufacturing.services.logbook import record_cleaning

    return record_cleaning(actor=actor, equipment=equipment or make_equipment(actor=actor), **fields)


def mbr_document(*, sop: str, material: str, material_unit: str = "mL", steps: int = 2) -> dict[str, Any]:
    """Return a valid master batch record document of `steps` steps using the SOP and material codes."""
    rows: list[dict[str, Any]] = []
    for n in range(1, steps + 1):
        rows.append(
            {
                "number": n * 10,
                "title": f"Step {n}",
                "instructions": f"Do step {n} as the SOP says.",
                "sops": [sop],
                "room_grade": "B",
                "equipment_classes": ["bsc"],
                "parallel_with_previous": False,
                "verification": n == 1,
                "parameters": [
                    {
                        "name": "Temperature",
                        "unit": "Cel",
                        "nor_low": "36.5",
                        "nor_high": "37.5",
                        "par_low": "35.0",
                        "par_high": "39.0",
                        "decimals": 1,
                    }
                ],
                "controls": [{"name": "Viability", "unit": "%", "low": "90", "high": None}],
                "materials": [
                    {
                        "material": material,
                        "quantity": "500",
                        "unit": material_unit,
                        "tolerance_percent": "5",
                        "verification": True,
                    }
                ],
            }
        )
    return {"title": "Upstream and downstream", "steps": rows}


def make_masterbatchrecord(
    *, actor: User, process_version: Any = None, document: dict[str, Any] | None = None, **fields: Any
) -> Any:
    """Draft a master batch record of two steps (an SOP and a material made for it unless a document is given)."""
    from atmp.manufacturing.services.mbr import add_mbr
    from atmp.quality.factories import make_document
    from atmp.trace.factories import make_material

    version = process_version or make_processversion(actor=actor)
    if document is None:
        sop = make_document(actor=actor, site=version.site)
        document = mbr_document(sop=sop.number, material=make_material(actor=actor, type="medium").code)
    return add_mbr(actor=actor, process_version=version, document=document, **fields)


def _first(actor: User, related: str) -> Any:
    from atmp.manufacturing.selectors.mbr import steps_of

    step = steps_of(make_masterbatchrecord(actor=actor))[0]
    return step if related == "step" else getattr(step, related).all()[0]


def make_mbrstep(*, actor: User) -> Any:
    """Return the first step of a new draft master batch record."""
    return _first(actor, "step")


def make_mbrstepsop(*, actor: User) -> Any:
    """Return the first step's SOP row of a new draft master batch record."""
    return _first(actor, "sops")


def make_mbrparameter(*, actor: User) -> Any:
    """Return the first step's parameter of a new draft master batch record."""
    return _first(actor, "parameters")


def make_mbrcontrol(*, actor: User) -> Any:
    """Return the first step's in-process control of a new draft master batch record."""
    return _first(actor, "controls")


def make_mbrmaterial(*, actor: User) -> Any:
    """Return the first step's bill-of-materials line of a new draft master batch record."""
    return _first(actor, "materials")


def _operator(actor: User | None) -> User:
    return actor if actor is not None and actor.can("records.write") else make_user("operator", password=PASSWORD)


def make_roomcleaning(*, actor: User | None = None, room: Any = None, **fields: Any) -> Any:
    """Record a routine cleaning (SOP-CL-001) of a room (a new grade B room unless given), now."""
    from atmp.environment.factories import make_room
    from atmp.manufacturing.services.rooms import record_cleaning

    fields.setdefault("kind", "routine")
    fields.setdefault("sop", "SOP-CL-001")
    return record_cleaning(actor=_operator(actor), room=room or make_room(), **fields)


def make_lineclearance(*, actor: User | None = None, room: Any = None, product: Any = None, **fields: Any) -> Any:
    """Record a line clearance (awaiting its check) of a room (new unless given) for a product (new unless given)."""
    from atmp.environment.factories import make_room
    from atmp.manufacturing.services.rooms import record_line_clearance

    operator = _operator(actor)
    product = product or make_product(actor=make_user("qa_reviewer"))
    return record_line_clearance(actor=operator, room=room or make_room(), product=product, **fields)


def make_cleared_room(*, actor: User, checker: User, product: Any, room: Any = None, **fields: Any) -> Any:
    """Clean a room (a changeover when asked) and clear its line for the product, checked by `checker`: ready."""
    from atmp.environment.factories import make_room
    from atmp.manufacturing.services.rooms import check_line_clearance, record_cleaning, record_line_clearance

    kind = fields.pop("kind", "routine")
    room = room or make_room(**fields)
    record_cleaning(actor=actor, room=room, kind=kind, sop="SOP-CL-001")
    clearance = record_line_clearance(actor=actor, room=room, product=product)
    check_line_clearance(actor=checker, clearance=clearance, password=PASSWORD)
    return room


def make_roomuse(*, actor: User | None = None, room: Any = None, product: Any = None, **fields: Any) -> Any:
    """Use a room (cleaned and cleared for the product first) for a batch, from now on (an open use)."""
    from atmp.manufacturing.services.rooms import start_use

    operator = _operator(actor)
    product = product or make_product(actor=make_user("qa_reviewer"))
    checker = make_user("operator", password=PASSWORD)
    room = make_cleared_room(actor=operator, checker=checker, product=product, room=room)
    return start_use(actor=operator, room=room, product=product, batch=fields.pop("batch", "B-0001"), **fields)


def make_mbr_ready_for_approval(*, actor: User, product: Any = None) -> Any:
    """Draft a master batch record QA may make effective: its process version and its SOP are effective."""
    from atmp.manufacturing.services.mbr import add_mbr
    from atmp.manufacturing.services.products import make_effective
    from atmp.quality.factories import make_document, make_effective_version
    from atmp.trace.factories import make_material

    version = make_processversion(actor=actor, product=product)
    make_effective(actor=approver(), version=version, password=PASSWORD, reason="version 1")
    sop = make_document(actor=actor, site=version.site)
    make_effective_version(actor=actor, approver=approver(), password=PASSWORD, document=sop)
    document = mbr_document(sop=sop.number, material=make_material(actor=actor, type="medium").code)
    return add_mbr(actor=actor, process_version=version, document=document)


def make_effective_mbr(*, actor: User, product: Any = None) -> Any:
    """Return a master batch record made effective by a QA Approver (its process version and SOP effective)."""
    from atmp.manufacturing.services.mbr import make_effective

    mbr = make_mbr_ready_for_approval(actor=actor, product=product)
    return make_effective(actor=approver(), mbr=mbr, password=PASSWORD, reason="approved for use")


def make_output_lot(*, actor: User, site: Site) -> Any:
    """Receive a drug-product lot of one bag in quarantine at the site: what a batch makes."""
    from atmp.trace.factories import make_lot, make_material

    material = make_material(actor=actor, type="drug_product", unit="{bag}")
    return make_lot(actor=actor, material=material, site=site, quantity="1")


def make_batch(*, actor: User, mbr: Any = None, patient: Any = None, **fields: Any) -> Any:
    """Create a batch of an effective master batch record (new unless given), for a new patient when autologous."""
    from atmp.manufacturing.services.batches import create_batch
    from atmp.trace.factories import make_person

    mbr = mbr or make_effective_mbr(actor=actor)
    site = mbr.process_version.site
    if patient is None and mbr.process_version.product.origin == "autologous":
        patient = make_person(actor=actor, site=site)
    output = fields.pop("output_lot", None) or make_output_lot(actor=actor, site=site)
    return create_batch(actor=actor, mbr=mbr, output_lot=output, patient=patient, **fields)


def make_batchstep(*, actor: User) -> Any:
    """Return the first step of a new batch."""
    return make_batch(actor=actor).steps.order_by("number")[0]


def make_floor(*, batch: Any, operator: User | None = None) -> dict[str, Any]:
    """Make the shop floor ready for the batch: an operator trained on its SOPs, a cleared room, a usable BSC."""
    from atmp.manufacturing.models import MbrStepSop
    from atmp.quality.services.documents import read_and_understood

    site = batch.site
    operator = operator or make_user("operator", password=PASSWORD)
    checker = make_user("operator", password=PASSWORD)
    documents = {row.document for row in MbrStepSop.objects.filter(step__mbr=batch.mbr, voided=False)}
    for document in documents:
        version = document.effective_version()
        assert version is not None, f"{document.number} has no effective version"
        read_and_understood(actor=operator, version=version, password=PASSWORD)
    qa = make_user("qa_reviewer", password=PASSWORD)
    room = make_cleared_room(actor=operator, checker=checker, product=batch.product, site=site, grade="B")
    bsc = make_usable_equipment(actor=qa, qa=approver(), site=site)
    return {"operator": operator, "checker": checker, "room": room, "bsc": bsc, "qa": qa}


def clean(*, actor: User, equipment: Any) -> Any:
    """Clean the equipment again (after a step used it): usable by the next step."""
    from atmp.manufacturing.services.logbook import record_cleaning

    return record_cleaning(actor=actor, equipment=equipment)


def make_running_step(*, actor: User | None = None) -> tuple[Any, dict[str, Any]]:
    """Return the first step of a new batch, started by a trained operator in a cleared room, and the floor."""
    from atmp.manufacturing.services.batch_steps import start_step

    batch = make_batch(actor=actor or make_user("qa_reviewer", password=PASSWORD))
    floor = make_floor(batch=batch)
    step = batch.steps.order_by("number")[0]
    start_step(actor=floor["operator"], step=step, room=floor["room"], equipment=[floor["bsc"]])
    return step, floor


def make_batchentry(*, actor: User | None = None) -> Any:
    """Return a parameter entry (within its NOR) of the first step of a new, running batch."""
    from atmp.manufacturing.services.batch_entries import record_parameter

    step, floor = make_running_step(actor=actor)
    parameter = step.mbr_step.parameters.get()
    return record_parameter(actor=floor["operator"], step=step, parameter=parameter, value="37.0")


def make_stock(*, actor: User, material: Any, site: Site, quantity: Any = "1000", release: bool = True) -> Any:
    """Receive a lot of the material from a supplier approved for it, released by QA unless told otherwise."""
    from atmp.trace import factories as tf
    from atmp.trace.models.materials import PURCHASED_TYPES

    fields: dict[str, Any] = {"material": material, "site": site, "quantity": quantity}
    if material.type in PURCHASED_TYPES:
        fields["supplier"] = tf.make_approved_supplier(actor=actor, approver=approver(), material=material)
    lot = tf.make_lot(actor=actor, **fields)
    return tf.release(lot) if release else lot


def execute_step(*, step: Any, floor: dict[str, Any]) -> Any:
    """Enter every parameter (at its NOR's low end), control and material of a running step, verify, complete."""
    from atmp.manufacturing.selectors.batches import live_entries, needs_verification
    from atmp.manufacturing.services.batch_entries import record_control, record_parameter, verify_entry
    from atmp.manufacturing.services.batch_materials import add_material
    from atmp.manufacturing.services.batch_steps import complete_step

    operator = floor["operator"]
    mbr_step = step.mbr_step
    for p in mbr_step.parameters.filter(voided=False):
        value = p.nor_low if p.nor_low is not None else p.nor_high if p.nor_high is not None else 0
        record_parameter(actor=operator, step=step, parameter=p, value=f"{value:.{p.decimals}f}")
    for c in mbr_step.controls.filter(voided=False):
        limit = c.low if c.low is not None else c.high if c.high is not None else Decimal(0)
        record_control(actor=operator, step=step, control=c, value=f"{limit.normalize():f}")
    for m in mbr_step.materials.filter(voided=False).select_related("material"):
        lot = make_stock(actor=floor["qa"], material=m.material, site=step.batch.site, quantity=m.quantity * 2)
        add_material(actor=operator, step=step, line=m, lot=lot.number, quantity=m.quantity, unit=m.unit)
    for entry in live_entries(step):
        if needs_verification(entry, mbr_step):
            verify_entry(actor=floor["checker"], entry=entry, password=PASSWORD)
    return complete_step(actor=operator, step=step)


def complete_first_step(*, step: Any, floor: dict[str, Any]) -> Any:
    """Execute and complete a running step (the first one, in the tests that name it so)."""
    return execute_step(step=step, floor=floor)


CELL_AGE_PARAMETER = {
    "name": "Cell age",
    "unit": "{passage}",
    "nor_low": "0",
    "nor_high": None,
    "par_low": "0",
    "par_high": None,
    "decimals": 0,
}


def make_cell_age_batch(*, actor: User, age_limit: int = 20) -> tuple[Any, Any]:
    """Return a batch whose first step thaws a WCB vial and records the cells' age, and the released WCB.

    The WCB (100 vials, limit `age_limit` passages from its thaw) is made from a released MCB of a
    HEK293-like cell line at the batch's site; the master record's first step adds one vial and
    records "Cell age" in passages ({passage}).
    """
    from atmp.manufacturing.services.mbr import add_mbr, make_effective
    from atmp.manufacturing.services.products import make_effective as version_effective
    from atmp.quality.factories import make_document, make_effective_version
    from atmp.trace import factories as tf

    version = make_processversion(actor=actor)
    version_effective(actor=approver(), version=version, password=PASSWORD, reason="version 1")
    sop = make_document(actor=actor, site=version.site)
    make_effective_version(actor=actor, approver=approver(), password=PASSWORD, document=sop)
    cell_line = tf.make_cell_line(actor=actor)
    mcb = tf.make_cell_bank(actor=actor, kind="mcb", material=cell_line, site=version.site)
    tf.release(mcb.lot)
    wcb = tf.make_cell_bank(actor=actor, kind="wcb", parent=mcb.lot, age_limit=age_limit)
    tf.release(wcb.lot)
    document = mbr_document(sop=sop.number, material=tf.make_material(actor=actor, type="medium").code)
    first = document["steps"][0]
    first["parameters"].append(dict(CELL_AGE_PARAMETER))
    first["materials"].append(
        {"material": cell_line.code, "quantity": "1", "unit": "{vial}", "tolerance_percent": "0", "verification": False}
    )
    mbr = add_mbr(actor=actor, process_version=version, document=document)
    mbr = make_effective(actor=approver(), mbr=mbr, password=PASSWORD, reason="approved for use")
    return make_batch(actor=actor, mbr=mbr), wcb
