"""What the Qualified Person checks before certifying a batch: one pure-ish function, `checks(batch)`.

EU GMP Part IV (GMP for ATMPs) ch. 11 "Qualified person and batch release" and the principles of Annex 16
("Certification by a Qualified Person and batch release") §1.7 list what the QP must be satisfied of before
certifying; each check here is one of them, named and with a message saying what is missing:

(a) `results` — every attribute of the batch's pinned specification (ADR 0023) has a live result
    (neither superseded nor voided, ADR 0026) that conforms and was reviewed by a second person
    (Part IV ch. 11; ch. 12, Quality control; Annex 16 §1.7.6); a potency attribute's result needs a valid,
    reviewed assay run of the batch (`potency.usable_for_release`, USP <1032>). A result not yet in is
    *pending*.
(b) `oos` — no OOS investigation of the batch is still open (Part I Chapter 6 §6.35; Annex 16 §1.7.6).
(c) `deviations` — every deviation linked to the batch (or raised from one of its entries) is closed,
    cancelled, or assessed: its impact assessment and root cause submitted to QA (Part IV ch. 11, 'handling of
    unplanned deviations'; Annex 16 §1.7.15 and §3).
(d) `batch_record` — the batch record was reviewed by QA (Part IV ch. 11; ch. 6, 'records/reports'; Annex 16 §1.7.9).
(e) `audit_trail` — the batch's audit trail, the batch with its steps and entries, is covered by a signed
    audit-trail review (Annex 11 §9; Annex 16 §1.7.9; PIC/S PI 041 §9.4).
(f) `chain_of_identity` — no blocked hand-over (COI mismatch or blocked scan) of the batch's lots has a
    deviation still open, and, for a batch made for a patient, every donated starting material came
    from that patient and the product was given to none other (Part IV ch. 11; ch. 6, 'traceability data';
    Regulation 1394/2007 Art. 15; docs/adr/0017). This is what the data hold: the COI checks at each hand-over
    are trace's.
(g) `starting_materials` — every lot the batch consumed is released (not quarantined, rejected or
    recalled) and its supplier was approved for the material when it was received
    (Part IV ch. 7, Starting and raw materials; Annex 16 §1.7.3; the rule of
    atmp.quality.selectors.suppliers.may_accept).

The reads are few and fixed in number, whatever the number of results, deviations or steps (bench/qp_checks.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from atmp.lab.models import (
    AttributeKind,
    BatchSpecification,
    MethodType,
    OosInvestigation,
    PotencyRun,
    Result,
    SamplePurpose,
    SpecificationAttribute,
)
from atmp.ledger import reviews, trail
from atmp.ledger.models import Signature
from atmp.manufacturing.models import Batch

OK, FAILED, PENDING = "ok", "failed", "pending"
TITLES = {
    "results": "Results complete, within specification and reviewed",
    "oos": "No OOS investigation open",
    "deviations": "Deviations closed or assessed",
    "batch_record": "Batch record reviewed",
    "audit_trail": "Audit trail of the batch reviewed",
    "chain_of_identity": "Chain of identity intact",
    "starting_materials": "Starting materials released, suppliers approved",
}
DONE_LOTS = ("released", "consumed", "expired")  # a lot used up or expired after its release is fine
APPROVED = ("approved", "conditional")


@dataclass(frozen=True)
class Check:
    """One certification check: its name, its state (ok, failed, pending) and what is missing."""

    name: str
    state: str
    message: str
    # For `results`: each attribute still waiting for a result, {"attribute", "position"}.
    pending: tuple[dict[str, Any], ...] = field(default=())

    @property
    def title(self) -> str:
        """Return the check's title as the checklist shows it."""
        return TITLES.get(self.name, self.name)

    @property
    def ok(self) -> bool:
        """Return True when the check passes."""
        return self.state == OK

    def as_dict(self) -> dict[str, Any]:
        """Return the check as a JSON document."""
        return {
            "name": self.name,
            "title": self.title,
            "state": self.state,
            "message": self.message,
            "pending": list(self.pending),
        }


def _check(name: str, problems: list[str], fine: str, waiting: list[str] | None = None, **kw: Any) -> Check:
    if problems:
        return Check(name, FAILED, "; ".join(problems + (waiting or [])), **kw)
    if waiting:
        return Check(name, PENDING, "; ".join(waiting), **kw)
    return Check(name, OK, fine, **kw)


def results_check(batch: Batch) -> Check:
    """(a) Every attribute of the pinned specification has a live, conforming, reviewed result."""
    pin = BatchSpecification.objects.filter(batch=batch, voided=False).select_related("specification").first()
    if pin is None:
        return Check(
            "results", FAILED, f"no specification: batch {batch.number} is not pinned to one (no sample tested yet)"
        )
    attributes = list(
        SpecificationAttribute.objects.filter(specification_id=pin.specification_id, voided=False)
        .select_related("method")
        .order_by("position")
    )
    rows = list(
        Result.objects.filter(sample__batch=batch, sample__voided=False, voided=False)
        .filter(sample__purpose__in=(SamplePurpose.RELEASE, SamplePurpose.IN_PROCESS))
        .only("id", "attribute_id", "supersedes_id", "conforms", "reported", "version")
        .order_by("pk")
    )
    replaced = {r.supersedes_id for r in rows if r.supersedes_id}
    live: dict[int, Result] = {}
    for r in rows:
        if r.pk not in replaced:
            live[r.attribute_id] = r  # the latest live result of the attribute counts
    reviewed = {
        (int(rid), version)
        for rid, version in Signature.objects.filter(
            record_type=Result.record_type(), record_id__in=[str(r.pk) for r in live.values()], meaning="reviewed"
        ).values_list("record_id", "record_version")
    }
    potency_methods = {a.method_id for a in attributes if a.method.method_type == MethodType.POTENCY}
    usable_runs: set[int] = set()
    if potency_methods:
        from atmp.lab.services.potency import usable_for_release

        for run in PotencyRun.objects.filter(batch=batch, method_id__in=potency_methods, voided=False):
            if usable_for_release(run) is None:
                usable_runs.add(run.method_id)
    problems: list[str] = []
    waiting: list[str] = []
    pending: list[dict[str, Any]] = []
    for a in attributes:
        found = live.get(a.pk)
        if found is None:
            waiting.append(f"{a.position} {a.name}: no result")
            pending.append({"attribute": a.name, "position": a.position})
            continue
        r = found
        if r.conforms is False:
            problems.append(f"{a.position} {a.name}: {r.reported} does not conform to {a.criterion}".rstrip())
        elif r.conforms is None and a.kind != AttributeKind.REPORT:
            problems.append(f"{a.position} {a.name}: not evaluated")
        if (r.pk, r.version) not in reviewed:
            problems.append(f"{a.position} {a.name}: result {r.pk} not reviewed by a second person")
        if a.method_id in potency_methods and a.method_id not in usable_runs:
            problems.append(
                f"{a.position} {a.name}: no valid reviewed potency run of the batch by {a.method.code} "
                "(usable for release)"
            )
    fine = f"{len(attributes)} attributes of {pin.specification}: every result in, conforming and reviewed"
    return _check("results", problems, fine, waiting, pending=tuple(pending))


def oos_check(batch: Batch) -> Check:
    """(b) No OOS investigation of the batch is still open."""
    open_ones = list(
        OosInvestigation.objects.filter(batch=batch, voided=False)
        .exclude(status="closed")
        .values_list("number", flat=True)
    )
    problems = [f"OOS investigation {n} is open" for n in sorted(open_ones)]
    return _check("oos", problems, "no OOS investigation of the batch is open")


def deviation_check(batch: Batch) -> Check:
    """(c) The deviations linked to the batch or raised from its entries are closed or assessed."""
    from atmp.manufacturing.models import BatchEntry
    from atmp.quality.models.deviations import Deviation
    from atmp.workflow.models import Link

    linked = Link.objects.filter(
        voided=False, source_type=Deviation.record_type(), target_type=batch.record_type(), target_id=str(batch.pk)
    ).values_list("source_id", flat=True)
    ids = [int(i) for i in linked if str(i).isdecimal()]
    rows = list(
        Deviation.objects.filter(
            Q(pk__in=ids)
            | Q(pk__in=BatchEntry.objects.filter(step__batch=batch, deviation__isnull=False).values("deviation_id"))
        )
        .filter(voided=False)
        .only("id", "number", "status", "impact_assessment", "classification")
        .order_by("number")
    )
    problems = []
    assessed = 0
    for d in rows:
        if d.status in ("closed", "cancelled"):
            continue
        if d.status == "qa_review" and (d.impact_assessment or "").strip():
            assessed += 1
            continue
        state = d.workflow.label(d.status).lower()
        problems.append(f"deviation {d.number} is {state}: neither closed nor assessed")
    fine = f"{len(rows)} deviation(s) linked, all closed" + (
        f" or assessed ({assessed} awaiting QA closure)" if assessed else ""
    )
    return _check("deviations", problems, fine if rows else "no deviation linked to the batch")


def batch_record_check(batch: Batch) -> Check:
    """(d) The batch record was reviewed by QA."""
    if batch.status == "reviewed":
        return Check("batch_record", OK, f"batch record {batch.number} reviewed by QA")
    state = batch.workflow.label(batch.status).lower()
    return Check("batch_record", FAILED, f"batch record not reviewed: batch {batch.number} is {state}")


def audit_trail_check(batch: Batch) -> Check:
    """(e) The batch's audit trail, with its steps and entries, is covered by signed audit-trail reviews."""
    selection = trail.TrailFilter(record_type=batch.record_type(), record_id=str(batch.pk), with_parts=True)
    count, unreviewed = reviews.review_state(selection)
    if unreviewed:
        return Check(
            "audit_trail",
            FAILED,
            f"audit trail not reviewed: {len(unreviewed)} of the {count} entries of batch {batch.number} and its parts "
            f"are covered by no signed audit-trail review (from seq {unreviewed[0]})",
        )
    return Check("audit_trail", OK, f"all {count} entries of the batch and its parts reviewed")


def _consumed(batch: Batch) -> list[Any]:
    from atmp.trace.models import Use

    return list(
        Use.objects.filter(output_id=batch.output_lot_id, voided=False).select_related(
            "input__material", "input__supplier", "input__donor"
        )
    )


def coi_check(batch: Batch, uses: list[Any]) -> Check:
    """(f) No blocked hand-over of the batch's lots with an open deviation; donors and recipients match the patient."""
    from atmp.quality.models.deviations import Deviation
    from atmp.trace.models import Administration, Handover
    from atmp.workflow.models import Link

    lot_ids = {batch.output_lot_id, *(u.input_id for u in uses)}
    blocked = Handover.objects.filter(lot_id__in=lot_ids, outcome="blocked").values_list("pk", flat=True)
    keys = [str(pk) for pk in blocked]
    problems: list[str] = []
    if keys:
        ids = Link.objects.filter(
            voided=False, source_type=Deviation.record_type(), target_type=Handover.record_type(), target_id__in=keys
        ).values_list("source_id", flat=True)
        for number in (
            Deviation.objects.filter(pk__in=[int(i) for i in ids], voided=False)
            .exclude(status__in=("closed", "cancelled"))
            .values_list("number", flat=True)
            .order_by("number")
        ):
            problems.append(f"deviation {number} of a blocked hand-over (COI mismatch or scan) is open")
    patient = batch.patient
    if patient is not None:
        for u in uses:
            donor = u.input.donor
            if donor is not None and donor.pk != patient.pk:
                problems.append(
                    f"lot {u.input.number} was donated by {donor.coi}, the batch is made for {patient.coi}: a mix-up"
                )
        others = (
            Administration.objects.filter(lot_id=batch.output_lot_id, voided=False)
            .exclude(patient_id=patient.pk)
            .select_related("patient")
        )
        for a in others:
            problems.append(f"lot given to {a.patient.coi}, the batch is made for {patient.coi}: a mix-up")
    return _check("chain_of_identity", problems, "no open COI deviation of the batch's lots; donor and patient match")


def materials_check(batch: Batch, uses: list[Any]) -> Check:
    """(g) Every consumed lot is released and came from a supplier approved for its material when received."""
    from atmp.quality.models.suppliers import SupplierApproval, SupplyKind

    problems: list[str] = []
    bought = [u.input for u in uses if u.input.supplier_id is not None]
    approvals: dict[tuple[int, str], Any] = {}
    if bought:
        for a in (
            SupplierApproval.objects.filter(
                supplier_id__in={lot.supplier_id for lot in bought},
                kind=SupplyKind.MATERIAL,
                scope__in={lot.material.code for lot in bought},
                voided=False,
            )
            .exclude(status="withdrawn")
            .order_by("pk")
        ):
            approvals[(a.supplier_id, a.scope)] = a  # the latest qualification counts (as may_accept reads it)
    seen: set[int] = set()
    for u in uses:
        lot = u.input
        if lot.pk in seen:
            continue
        seen.add(lot.pk)
        if lot.voided or lot.status not in DONE_LOTS:
            problems.append(f"lot {lot.number} is {lot.workflow.label(lot.status).lower()}, not released")
        if lot.supplier_id is not None:
            approval = approvals.get((lot.supplier_id, lot.material.code))
            received = lot.received_at.date()
            if approval is None or approval.status not in APPROVED:
                problems.append(
                    f"supplier {lot.supplier.number} of lot {lot.number} is not approved for {lot.material.code}"
                )
            elif approval.valid_until is not None and approval.valid_until < received:
                problems.append(
                    f"supplier {lot.supplier.number}'s approval for {lot.material.code} had expired when lot "
                    f"{lot.number} was received"
                )
    fine = (
        f"{len(seen)} consumed lot(s) released, their suppliers approved" if seen else "no starting material consumed"
    )
    return _check("starting_materials", problems, fine)


def checks(batch: Batch) -> list[Check]:
    """Return the QP's certification checks of the batch, in order, each ok, failed or pending with its message."""
    uses = _consumed(batch)
    return [
        results_check(batch),
        oos_check(batch),
        deviation_check(batch),
        batch_record_check(batch),
        audit_trail_check(batch),
        coi_check(batch, uses),
        materials_check(batch, uses),
    ]


def refusal(found: list[Check]) -> str | None:
    """Return the refusal naming every check that does not pass, or None when all pass."""
    bad = [c for c in found if not c.ok]
    if not bad:
        return None
    return "certification refused: " + " | ".join(f"{c.name} ({c.state}): {c.message}" for c in bad)


def conditional_refusal(found: list[Check], disposition: Any) -> str | None:
    """Return why a conditional release is refused: a check other than pending results, nothing pending, or no dates."""
    others = [c for c in found if not c.ok and not (c.name == "results" and c.state == PENDING)]
    if others:
        return "conditional release refused: " + " | ".join(f"{c.name} ({c.state}): {c.message}" for c in others)
    results = next(c for c in found if c.name == "results")
    if results.ok:
        return "conditional release refused: no result is pending; certify the batch instead"
    if disposition is None:  # the dates are checked by the service (disposition.plan) before anything is written
        return None
    plan = getattr(disposition, "_plan", None) or disposition.pending
    dated = {int(p["position"]) for p in plan if p.get("expected_on")}
    undated = [f"{p['position']} {p['attribute']}" for p in results.pending if int(p["position"]) not in dated]
    if undated:
        return "conditional release refused: expected date missing for pending test(s) " + ", ".join(undated)
    return None


def involvement(batch: Batch, actor: Any) -> str | None:
    """Return how the actor took part in the batch (so may not decide on it), or None (separation of duties).

    A QP certifies work others did (Annex 16 §1.7; EU GMP Chapter 2 §2.7): not a batch whose steps they
    executed or whose entries they made, whose record they reviewed, or whose results they entered or reviewed.
    """
    from atmp.manufacturing.models import BatchEntry, BatchStep

    if actor is None or getattr(actor, "pk", None) is None:
        return None
    roles: list[str] = []
    if (
        BatchStep.objects.filter(batch=batch, operator_id=actor.pk).exists()
        or BatchEntry.objects.filter(step__batch=batch, created_by_id=actor.pk).exists()
    ):
        roles.append("executed its record")
    if Signature.objects.filter(
        record_type=batch.record_type(), record_id=str(batch.pk), signer_id=actor.pk, meaning="reviewed"
    ).exists():
        roles.append("reviewed its record")
    results = Result.objects.filter(sample__batch=batch)
    if results.filter(analyst=actor.username).exists():
        roles.append("entered its results")
    ids = [str(pk) for pk in results.values_list("pk", flat=True)]
    if (
        ids
        and Signature.objects.filter(record_type=Result.record_type(), record_id__in=ids, signer_id=actor.pk).exists()
    ):
        roles.append("reviewed its results")
    if roles:
        return (
            f"separation of duties: you {' and '.join(roles)} of batch {batch.number}; another QP decides on it "
            "(Annex 16 §1.7; EU GMP Chapter 2)"
        )
    return None
