"""The demo's executed batches of AAV9-SMN at Leiden: a dozen batches of the effective master batch record,
each executed step by step through the services as the floor would (rooms cleaned and cleared with a
second person's check, equipment cleaned before each batch, values entered, lots scanned into the
genealogy, the master record's verifications signed by a second operator), then QA's review.

- batch 2: a particle count at alert level in its grade A room while it ran (on its review by exception);
- batch 4: an incubator temperature outside its proven acceptable range, which opened its deviation;
  QA classified it and started the investigation (impact assessed): executed, awaiting QA's review;
- batch 6: an elution pH outside its normal operating range, the warning acknowledged;
- batch 7: a flow rate corrected (the first entry superseded, with the reason);
- batch 11: in progress, its seed train started (Olga continues it on the tablet page); a lot of the
  medium received and still in quarantine is refused there (`describe` prints the command);
- batch 12: planned; the others reviewed by QA (signed 'reviewed').

Olga Operator is overdue on the cleaning SOP (the quality demo), so Oscar Operator, trained on every
SOP, runs the steps that rely on it and verifies Olga's entries. The batches' times are the load's:
the ledger's clock is never set back (observed-at times are those of the entries).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from atmp.accounts.models import Site, User
from atmp.ledger import clock

BATCHES = 12
EM_BATCH, PAR_BATCH, WARNING_BATCH, CORRECTED_BATCH = 2, 4, 6, 7
IN_PROGRESS, PLANNED = 11, 12
QUARANTINED_LOT = "MED-001-26-0057"  # received, awaiting its certificate of analysis: refused at the scan
REFUSED_STEP = 20  # the in-progress batch's running step, whose first line is the medium
# The equipment each class of the master record is served by (demo.EQUIPMENT; BAL-01 is out of
# calibration and CEN-01 needs a changeover after the CAR-T, so AAV9-SMN uses BAL-02 and CEN-02).
SERVES = {
    "bsc": "BSC-01",
    "water_bath": "WB-01",
    "incubator": "INC-01",
    "centrifuge": "CEN-02",
    "depth_filter": "DF-01",
    "chromatography": "CHR-01",
    "balance": "BAL-02",
    "tff": "TFF-01",
}
ROOMS = {"A": "FS-A", "C": "FS-B"}  # grade C steps in the fill suite's grade B background
# Lots of the bill of materials: the trace demo's (cell bank, plasmids, the hub medium) and these.
PEI_LOT, BUFFER_LOT = "PEI-001-26-003", "BUF-FORM-26-014"
SUBSTANCE_LOTS = ("DS-AAV9-26-003", "DS-AAV9-26-004")  # from the upstream campaign: five fills each
SEED = 29


def load(people: dict[str, User], sites: dict[str, Site], product: Any) -> None:
    """Execute the dozen batches (the rooms, equipment, lots and second operator they need first)."""
    from atmp.environment.models import Room
    from atmp.manufacturing.models import MasterBatchRecord

    leiden = sites["LEI"]
    rooms = {r.code: r for r in Room.objects.filter(site=leiden, code__in=ROOMS.values(), voided=False)}
    mbr = MasterBatchRecord.objects.filter(process_version__product=product, status="effective").first()
    if mbr is None or len(rooms) < len(set(ROOMS.values())):
        return  # the environment demo or the change control's version 2 is not there
    oscar = _second_operator(people, leiden)
    lots = _lots(people, leiden)
    rng = random.Random(SEED)  # noqa: S311 - demo values, seeded to be the same every time: no secret
    floor = Floor(people, oscar, rooms, rng, lots)
    for n in range(1, BATCHES + 1):
        floor.batch(n, mbr)


def _second_operator(people: dict[str, User], leiden: Site) -> User:
    """Give Oscar the operator role at Leiden (approved by QA) and have him read every operator SOP."""
    from atmp.accounts import services
    from atmp.demo import PASSWORD, approve_pending
    from atmp.quality.models.documents import TrainingRequirement
    from atmp.quality.services.documents import read_and_understood

    oscar = User.objects.get(username="oscar")
    services.set_roles(actor=people["sam"], user=oscar, roles=["operator"], site=leiden, reason="joined manufacturing")
    approve_pending(people["alex"])
    required = TrainingRequirement.objects.filter(role="operator", voided=False).select_related("document")
    for document in sorted({r.document for r in required}, key=lambda d: d.number):
        version = document.effective_version()
        if version is not None:
            read_and_understood(actor=oscar, version=version, password=PASSWORD)
    return oscar


def _lots(people: dict[str, User], leiden: Site) -> dict[str, str]:
    """Receive and release what the trace demo does not stock; receive the medium lot left in quarantine."""
    from atmp.demo import PASSWORD
    from atmp.quality.models import Supplier
    from atmp.quality.services import suppliers
    from atmp.trace import demo as trace_demo
    from atmp.trace.models.materials import Material
    from atmp.trace.services.lots import receive_lot, release_lot
    from atmp.workflow import engine

    olga, rita, alex = people["olga"], people["rita"], people["alex"]
    today = clock.now().date()
    # ViroMedia, under its quality agreement, also supplies the transfection reagent and the buffer.
    viromedia = Supplier.objects.get(name="ViroMedia GmbH")
    for code in ("PEI-001", "BUF-FORM"):
        approval = suppliers.add_approval(
            actor=rita,
            supplier=viromedia,
            kind="material",
            scope=code,
            valid_until=today + dt.timedelta(days=730),
            reason="qualification",
        )
        engine.transition(alex, approval, "approve", reason="qualified on audit and questionnaire", password=PASSWORD)
    material = {m.code: m for m in Material.objects.filter(voided=False)}
    expiry = today + dt.timedelta(days=365)
    for number, code, quantity, supplier, where in (
        (PEI_LOT, "PEI-001", "500", viromedia, "Cold room C-1"),
        (BUFFER_LOT, "BUF-FORM", "100", viromedia, "Warehouse W-2"),
        (SUBSTANCE_LOTS[0], "DS-AAV9-SMN", "2000", None, "Freezer -80 F-3"),
        (SUBSTANCE_LOTS[1], "DS-AAV9-SMN", "2000", None, "Freezer -80 F-3"),
    ):
        lot = receive_lot(
            actor=olga, number=number, material=material[code], site=leiden, quantity=quantity,
            supplier=supplier, expiry_date=expiry, location=where, reason="received",
        )  # fmt: skip
        release_lot(actor=alex, lot=lot, password=PASSWORD, reason="released on its certificate of analysis")
    receive_lot(
        actor=olga, number=QUARANTINED_LOT, material=material["MED-001"], site=leiden, quantity="100",
        supplier=viromedia, supplier_lot="VM-24391", expiry_date=expiry, location="Cold room C-1, quarantine shelf",
        reason="received: awaiting its certificate of analysis",
    )  # fmt: skip
    return {
        "CL-HEK293": trace_demo.CELL_BANK_LOT,
        "MED-001": trace_demo.HUB_REAGENT_LOT,
        "PL-RC9": trace_demo.PLASMID_LOTS["rep/cap"],
        "PL-SMN": trace_demo.PLASMID_LOTS["transgene"],
        "PL-HLP": trace_demo.PLASMID_LOTS["helper"],
        "PEI-001": PEI_LOT,
        "BUF-FORM": BUFFER_LOT,
    }


def output_lot_number(n: int) -> str:
    """Return the number of the drug product lot the demo's batch n makes."""
    return f"AAV9-SMN-26-{100 + n:03d}"


class Floor:
    """The shop floor of the demo: who does what, in which room, with which equipment and lots."""

    def __init__(
        self, people: dict[str, User], oscar: User, rooms: dict[str, Any], rng: random.Random, lots: dict[str, str]
    ) -> None:
        from atmp.manufacturing.services.equipment import find_equipment

        self.people, self.oscar, self.rooms, self.rng, self.lots = people, oscar, rooms, rng, lots
        self.equipment = {kind: find_equipment(code) for kind, code in SERVES.items()}

    def batch(self, n: int, mbr: Any) -> None:
        """Create batch n; unless it is the planned one, execute it (to its end, or its running step) and review it."""
        from atmp.demo import PASSWORD
        from atmp.manufacturing.services import batches
        from atmp.trace.services.lots import receive_lot

        olga, rita = self.people["olga"], self.people["rita"]
        product = mbr.process_version.product
        output = receive_lot(
            actor=olga, number=output_lot_number(n), material=_material("DP-AAV9-SMN"), site=mbr.process_version.site,
            quantity="60", location="Fill suite, quarantine", reason="output lot of the batch",
        )  # fmt: skip
        batch = batches.create_batch(actor=olga, mbr=mbr, output_lot=output, reason="batch record issued")
        if n == PLANNED:
            return
        self._prepare(batch, product)
        for step in batch.steps.filter(voided=False).select_related("mbr_step").order_by("number"):
            if n == IN_PROGRESS and step.number == REFUSED_STEP:
                self._start(batch, step)
                self._values(n, step, only=2)  # two of the seed train's parameters entered: Olga continues
                return
            self._step(n, batch, step)
        batches.complete_batch(actor=olga, batch=batch)
        if n != PAR_BATCH:  # its deviation is under investigation: QA reviews it once it is closed
            batches.review_batch(actor=rita, batch=batch, password=PASSWORD, reason="reviewed by exception")

    def _prepare(self, batch: Any, product: Any) -> None:
        """Clean and clear the batch's rooms (checked by a second person) and clean its equipment."""
        from atmp.demo import PASSWORD
        from atmp.manufacturing.services import logbook
        from atmp.manufacturing.services import rooms as svc

        olga, quentin = self.people["olga"], self.people["quentin"]
        for room in self.rooms.values():
            svc.record_cleaning(actor=olga, room=room, kind="routine", sop="SOP-CL-001 routine cleaning")
            clearance = svc.record_line_clearance(actor=olga, room=room, product=product, batch=batch.number)
            svc.check_line_clearance(actor=quentin, clearance=clearance, password=PASSWORD, reason="room checked")
        for piece in self.equipment.values():
            if piece.cleaning_required:
                logbook.record_cleaning(actor=olga, equipment=piece, note=f"before batch {batch.number}")

    def _operator(self, step: Any) -> User:
        """Return who runs the step: Oscar where the step relies on an SOP Olga is not trained on."""
        from atmp.manufacturing.services.batch_steps import training_rule

        olga = self.people["olga"]
        return self.oscar if training_rule(olga, step, clock.now()) else olga

    def _start(self, batch: Any, step: Any) -> Any:
        from atmp.manufacturing.services.batch_steps import start_step

        mbr_step = step.mbr_step
        room = self.rooms[ROOMS["A" if mbr_step.room_grade == "A" else "C"]] if mbr_step.room_grade else None
        pieces = [self.equipment[kind] for kind in mbr_step.equipment_classes]
        return start_step(actor=self._operator(step), step=step, room=room, equipment=pieces)

    def _step(self, n: int, batch: Any, step: Any) -> None:
        """Execute the step: started, its values and lots entered, verified where asked, completed."""
        from atmp.demo import PASSWORD
        from atmp.manufacturing.selectors.batches import live_entries, needs_verification
        from atmp.manufacturing.services.batch_entries import verify_entry
        from atmp.manufacturing.services.batch_steps import complete_step

        self._start(batch, step)
        if n == EM_BATCH and step.number == 10:
            self._em_alert(batch)
        self._values(n, step)
        self._materials(n, step)
        operator = step.operator
        checker = self.oscar if operator != self.oscar else self.people["olga"]
        for entry in live_entries(step):
            if needs_verification(entry, step.mbr_step):
                verify_entry(actor=checker, entry=entry, password=PASSWORD)
        complete_step(actor=operator, step=step)

    def _values(self, n: int, step: Any, only: int | None = None) -> None:
        """Enter the step's parameters and controls (the demo's exceptions where the batch has them)."""
        from atmp.manufacturing.services.batch_entries import correct_entry, record_control, record_parameter

        operator = step.operator
        for p in list(step.mbr_step.parameters.filter(voided=False).order_by("position"))[:only]:
            value, acknowledged = _within(self.rng, p.nor_low, p.nor_high, p.decimals), False
            if n == PAR_BATCH and step.number == 40 and p.name == "Incubator temperature":
                value = "38.9"  # above the PAR of 35.5–38.5 °C: the service opens the deviation
            if n == WARNING_BATCH and p.name == "Elution pH":
                value, acknowledged = "3.2", True  # above the NOR, within the PAR: the warning acknowledged
            if n == CORRECTED_BATCH and p.name == "Load flow rate":
                typed = record_parameter(actor=operator, step=step, parameter=p, value="45")
                correct_entry(
                    actor=operator, entry=typed, value=value,
                    reason=f"transcription error: the pump display read {value} mL/min, not 45",
                )  # fmt: skip
                continue
            record_parameter(actor=operator, step=step, parameter=p, value=value, acknowledged=acknowledged)
        if only is not None:
            return
        for c in step.mbr_step.controls.filter(voided=False).order_by("position"):
            record_control(actor=operator, step=step, control=c, value=_within(self.rng, c.low, c.high, None))
        if n == PAR_BATCH and step.number == 40:
            self._assess_deviation(step)

    def _materials(self, n: int, step: Any) -> None:
        """Scan a released lot for each bill-of-materials line, its quantity as the line asks."""
        from atmp.manufacturing.services.batch_materials import add_material

        for line in step.mbr_step.materials.filter(voided=False).select_related("material").order_by("position"):
            code = line.material.code
            lot = SUBSTANCE_LOTS[(n - 1) // 5] if code == "DS-AAV9-SMN" else self.lots[code]
            add_material(actor=step.operator, step=step, line=line, lot=lot, quantity=line.quantity, unit=line.unit)

    def _em_alert(self, batch: Any) -> None:
        """Record a grade A particle count at alert level in the batch's room while it runs."""
        from atmp.environment.models import SamplePoint
        from atmp.environment.services.results import record_result

        point = SamplePoint.objects.get(room=self.rooms["FS-A"], code="A-PC1", voided=False)
        record_result(
            actor=self.people["olga"], point=point, taken_at=clock.now(), state="in_operation", value=2300,
            batch=batch.number, reason="particle count during the thaw",
        )  # fmt: skip

    def _assess_deviation(self, step: Any) -> None:
        """QA classifies the deviation the entry opened, starts its investigation and assesses its impact."""
        from atmp.manufacturing.models import BatchEntry
        from atmp.quality.services import deviations
        from atmp.workflow import engine

        rita = self.people["rita"]
        entry = BatchEntry.objects.filter(step=step).exclude(deviation=None).select_related("deviation").get()
        deviation = entry.deviation
        assert deviation is not None  # the entry opened it (batch_entries.record_value)
        deviations.classify(actor=rita, deviation=deviation, severity=2, occurrence=1, detectability=1, reason="triage")
        engine.transition(rita, deviation, "start_investigation", reason="assess the impact on the batch")
        deviations.update_deviation(
            actor=rita,
            deviation=deviation,
            reason="impact assessed",
            impact_assessment=(
                "38.9 °C for one reading, within the cells' tolerance from development data; the crude lysate "
                "titre of step 50 is to confirm that productivity was not affected."
            ),
        )


def _material(code: str) -> Any:
    from atmp.trace.models.materials import Material

    return Material.objects.get(code=code, voided=False)


def _within(rng: random.Random, low: Decimal | None, high: Decimal | None, decimals: int | None) -> str:
    """Return a value inside the range (or above its low, below its high end), with the decimals allowed."""
    if low is not None and high is not None:
        value = low + (high - low) * Decimal(rng.randint(25, 75)) / 100
    elif low is not None:
        value = low * Decimal(rng.randint(103, 110)) / 100
    elif high is not None:
        value = high * Decimal(rng.randint(60, 85)) / 100
    else:
        value = Decimal(1)
    places = decimals if decimals is not None else 0 if value >= 10 else 1 if value >= 1 else 3
    return f"{value.quantize(Decimal(1).scaleb(-places)):f}"


def summary() -> dict[str, Any]:
    """Return the batches' states, the in-progress one with its refused scan, and the exceptions to look at."""
    from django.db.models import Count

    from atmp.manufacturing.models import Batch

    rows = Batch.objects.filter(product__code="AAV9-SMN", voided=False)
    running = rows.filter(status="in_progress").order_by("number").first()
    executed = rows.filter(status="executed").order_by("number").first()
    return {
        "batches": dict(rows.values_list("status").annotate(n=Count("pk")).order_by()),
        "in_progress": running.number if running else None,
        "in_progress_id": running.pk if running else None,
        "refused_step": REFUSED_STEP,
        "quarantined_lot": QUARANTINED_LOT,
        "executed": executed.number if executed else None,
    }
