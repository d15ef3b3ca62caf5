"""Batches: create one from the effective master batch record (numbered at once, bound to the patient
for an autologous product, with its output lot), complete its execution, have QA review it.

Each refusal names its rule first:

- `master record not effective`: a batch is made only from the effective master batch record of an
  effective process version (EU GMP Chapter 4 §4.3, Part IV ch. 6, 'specifications and instructions').
- `patient required` / `no patient for an allogeneic product`: an autologous batch is bound to the
  patient's COI from its creation (Part IV ch. 6, 'traceability data'; Regulation 1394/2007 Art. 15); an allogeneic one
  to none.
- `output lot`: the lot the batch makes is a live lot of the batch's site, in quarantine (its inputs
  are recorded while it is), and made by no other batch.

Steps, entries and material additions: batch_steps.py, batch_entries.py, batch_materials.py.
"""

from __future__ import annotations

from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.ledger import clock, writer
from atmp.ledger.errors import RuleViolation
from atmp.manufacturing.models import Batch, BatchStep, MasterBatchRecord, MbrStep, Origin, RoomUse
from atmp.quality import numbering
from atmp.quality.services import edits
from atmp.trace.models import Lot, Person, PersonKind
from atmp.workflow import engine


def _check_mbr(mbr: MasterBatchRecord) -> None:
    pv = mbr.process_version
    if mbr.voided or mbr.status != "effective":
        state = "voided" if mbr.voided else mbr.state_label().lower()
        raise RuleViolation(
            f"master record not effective: {mbr.record_key} ({mbr}) is {state}; "
            "a batch is made only from the effective master batch record"
        )
    if pv.voided or pv.status != "effective":
        raise RuleViolation(
            f"master record not effective: {pv} is {pv.state_label().lower()}; "
            "a batch is made only for an effective process version"
        )


def _check_patient(mbr: MasterBatchRecord, patient: Person | None) -> Person | None:
    product = mbr.process_version.product
    if product.origin == Origin.AUTOLOGOUS:
        if patient is None:
            raise RuleViolation(
                f"patient required: {product.code} is autologous; its batch is bound to the patient's COI "
                "from its creation"
            )
        if patient.voided or patient.kind != PersonKind.PATIENT:
            raise InvalidInput("patient", f"{patient.coi} is not a live patient")
        return patient
    if patient is not None:
        raise RuleViolation(
            f"no patient for an allogeneic product: {product.code} is allogeneic; its batch is bound to no patient"
        )
    return None


def _check_output(lot: Lot | None, mbr: MasterBatchRecord) -> Lot:
    site = mbr.process_version.site
    if lot is None:
        raise InvalidInput(
            "output_lot", f"give the lot the batch makes: {mbr.process_version.product.code} names no material to make"
        )
    if lot.voided or lot.site_id != site.pk:
        raise InvalidInput("output_lot", f"lot {lot.number} is not a live lot of {site.code}")
    if lot.status != "quarantine":
        raise RuleViolation(
            f"output lot: lot {lot.number} is {lot.state_label().lower()}; a batch makes a lot in quarantine"
        )
    other = Batch.objects.filter(output_lot=lot, voided=False).first()
    if other is not None:
        raise RuleViolation(f"output lot: lot {lot.number} is made by batch {other.number} already")
    return lot


def create_batch(
    *,
    actor: User,
    mbr: MasterBatchRecord,
    output_lot: Lot | None = None,
    patient: Person | None = None,
    note: str = "",
    reason: str = "",
) -> Batch:
    """Create a batch from the effective master batch record: numbered now, one step per master step."""
    pv = mbr.process_version
    edits.check_writer(actor, Batch, site=pv.site)
    _check_mbr(mbr)
    batch = Batch(
        mbr=mbr,
        product=pv.product,
        site=pv.site,
        patient=_check_patient(mbr, patient),
        output_lot=_check_output(output_lot, mbr),
        note=edits.text(note, "note"),
    )
    steps = list(MbrStep.objects.filter(mbr=mbr, voided=False).order_by("number"))
    with writer.change(actor=actor, reason=reason) as ch:
        # In-process labels carry the number, so it is given at once: PRODUCT-YEAR-NNNN.
        batch.number = numbering.next_number(ch, Batch, pv.product.code, clock.now().year)
        ch.save(batch)
        for step in steps:
            ch.save(BatchStep(batch=batch, mbr_step=step, number=step.number, parallel_group=step.parallel_group))
    return batch


def start_batch(*, actor: User, batch: Batch, reason: str = "") -> Batch:
    """Issue the batch record to the floor (planned → in progress)."""
    engine.transition(actor, batch, "start", reason=reason or f"batch {batch.number} started")
    return batch


def open_uses(batch: Batch) -> list[RoomUse]:
    """Return the batch's room uses still open."""
    return list(
        RoomUse.objects.filter(
            batch=batch.number, voided=False, ended_at=None, product_id=batch.product_id
        ).select_related("room")
    )


def complete_batch(*, actor: User, batch: Batch, reason: str = "") -> Batch:
    """Complete execution once every step is done; the batch's rooms are released (their uses end)."""
    engine.transition(actor, batch, "complete", reason=reason or f"batch {batch.number} executed")
    return batch


def review_batch(*, actor: User, batch: Batch, password: str, reason: str = "", otp: str | None = None) -> Batch:
    """Sign QA's review by exception (signed 'reviewed'); the batch goes to QC and the QP for disposition."""
    engine.transition(
        actor, batch, "review", reason=reason or f"batch {batch.number} reviewed", password=password, otp=otp
    )
    return batch


def find_batch(value: Any, *, user: User | None = None, field: str = "batch") -> Batch:
    """Return the live batch of the number (or id), one the user may see, or refuse naming the field."""
    text = str(value).strip()
    rows = Batch.objects.select_related("product", "site", "mbr__process_version", "output_lot", "patient")
    found = rows.filter(number=text, voided=False).first()
    if found is None and text.isdecimal() and len(text) < 19:  # an id fits a bigint
        found = rows.filter(pk=int(text), voided=False).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no batch {value!r}")
    return found
