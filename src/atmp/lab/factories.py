"""Factories of laboratory records for tests, benchmarks and the demo (each through its service)."""

from __future__ import annotations

import io
import itertools
from typing import Any

from atmp.accounts.models import Site, User
from atmp.testing import PASSWORD, make_site, make_user

_n = itertools.count(1)


def make_method(*, actor: User, **fields: Any) -> Any:
    """Add a quantity method (vector genome titre by ddPCR unless told otherwise)."""
    from atmp.lab.services.methods import add_method

    n = next(_n)
    fields.setdefault("code", f"QC-{n:04d}")
    fields.setdefault("title", f"Vector genome titre by ddPCR {n}")
    fields.setdefault("method_type", "quantity")
    return add_method(actor=actor, **fields)


def make_methodvalidation(
    *, actor: User, method: Any = None, phase: str = "i", status: str = "qualified", **fields: Any
) -> Any:
    """Set a method's (new unless given) validation status for a phase, with a small report."""
    from atmp.lab.services.methods import set_validation

    method = method or make_method(actor=actor)
    report = None if status == "not_validated" else io.BytesIO(f"{status} report of {method.code}\n".encode())
    return set_validation(
        actor=actor,
        method=method,
        phase=phase,
        status=status,
        report=report,
        report_name=f"{method.code}-{phase}-{status}.txt",
        **fields,
    )


def make_fit_method(*, actor: User, phases: tuple[str, ...] = ("i", "ii", "iii", "commercial"), **fields: Any) -> Any:
    """Add a method validated for every phase given (fit for release testing in each)."""
    method = make_method(actor=actor, **fields)
    for phase in phases:
        make_methodvalidation(actor=actor, method=method, phase=phase, status="validated")
    return method


def make_specification(*, actor: User, product: Any = None, phase: str = "i", **fields: Any) -> Any:
    """Draft the next specification of a product (new unless given) for a phase, without attributes."""
    from atmp.lab.services.specifications import new_specification
    from atmp.manufacturing.factories import make_product

    return new_specification(actor=actor, product=product or make_product(actor=actor), phase=phase, **fields)


def make_specificationattribute(*, actor: User, specification: Any = None, **fields: Any) -> Any:
    """Add a numeric attribute (titre, >=1.0E12 {vg}/mL) measured by a fit method to a draft specification."""
    from atmp.lab.services.specifications import add_attribute

    fields.setdefault("name", "Vector genome titre")
    fields.setdefault("kind", "numeric")
    fields.setdefault("criterion", ">=1.0E12")
    fields.setdefault("unit", "{vg}/mL")
    if "method" not in fields:
        fields["method"] = make_fit_method(actor=actor)
    return add_attribute(actor=actor, specification=specification or make_specification(actor=actor), **fields)


def make_specification_ready_for_approval(*, actor: User, product: Any = None, phase: str = "i") -> Any:
    """Draft a specification with one attribute whose method is fit for the phase: QA may approve it."""
    spec = make_specification(actor=actor, product=product, phase=phase)
    make_specificationattribute(actor=actor, specification=spec)
    spec.refresh_from_db()
    return spec


def approver() -> User:
    """Return a new QA Approver who authored nothing (so may sign 'approved'), with the test password."""
    from atmp.testing import make_user

    return make_user("qa_approver", password=PASSWORD)


def make_approved_specification(*, actor: User, product: Any = None, phase: str = "i") -> Any:
    """Return a specification approved by a QA Approver who did not write it."""
    from atmp.lab.services.specifications import approve

    spec = make_specification_ready_for_approval(actor=actor, product=product, phase=phase)
    return approve(actor=approver(), specification=spec, password=PASSWORD, reason="approved for release testing")


def make_productphase(*, actor: User, product: Any = None, phase: str = "i") -> Any:
    """Put a product (new unless given) in a phase, approving a specification for it first."""
    from atmp.lab.services.phases import move
    from atmp.manufacturing.factories import make_product

    product = product or make_product(actor=actor)
    make_approved_specification(actor=actor, product=product, phase=phase)
    return move(actor=approver(), product=product, phase=phase, reason="first patient dosed under this protocol")


def make_batchspecification(*, actor: User, batch: Any = None) -> Any:
    """Pin a batch (new unless given) to its product's specification in force (the product put in phase I)."""
    from atmp.lab.models import BatchSpecification
    from atmp.lab.services.specifications import for_batch
    from atmp.manufacturing.factories import make_batch

    batch = batch or make_batch(actor=actor)
    make_productphase(actor=actor, product=batch.product)
    for_batch(batch, actor=actor)
    return BatchSpecification.objects.get(batch=batch)


def step_fields(**fields: Any) -> dict[str, Any]:
    """Return a counted, detected MuLV low-pH run (LRV 4.0) unless told otherwise."""
    fields.setdefault("name", "Low pH hold")
    fields.setdefault("mechanism", "low_ph")
    fields.setdefault("virus", "MuLV")
    fields.setdefault("virus_family", "Retroviridae")
    fields.setdefault("enveloped", True)
    fields.setdefault("virus_size_nm", "80-110")
    fields.setdefault("run", 1)
    fields.setdefault("titre_unit", "tcid50_ml")
    fields.setdefault("load_log10_titre", "6.5")
    fields.setdefault("load_volume_ml", "100")
    fields.setdefault("output_detected", True)
    fields.setdefault("output_log10_titre", "2.5")
    fields.setdefault("output_volume_ml", "100")
    fields.setdefault("counted", True)
    return fields


def make_viralclearancestudy(*, actor: User, site: Site | None = None, product: Any = None, **fields: Any) -> Any:
    """Open a draft viral clearance study of a product (a new one unless given) at a site."""
    from atmp.lab.services.viral import open_study
    from atmp.manufacturing.factories import make_product

    n = next(_n)
    fields.setdefault("title", f"Viral clearance study {n}")
    fields.setdefault("laboratory", "Virus Safety CRO GmbH")
    fields.setdefault("model_viruses", "MuLV, MMV")
    return open_study(
        actor=actor, site=site or make_site(actor=actor), product=product or make_product(actor=actor), **fields
    )


def make_viralclearancestep(*, actor: User, study: Any = None, **fields: Any) -> Any:
    """Add a step (a MuLV low-pH run unless told otherwise) to a draft study (a new one unless given)."""
    from atmp.lab.services.viral import add_step

    return add_step(actor=actor, study=study or make_viralclearancestudy(actor=actor), **step_fields(**fields))


def make_study_ready_for_approval(*, actor: User, **fields: Any) -> Any:
    """Open a study with a counted step and its final report, submitted for review."""
    from atmp.lab.services.viral import attach_report, submit

    study = make_viralclearancestudy(actor=actor, **fields)
    make_viralclearancestep(actor=actor, study=study)
    attach_report(actor=actor, study=study, stream=io.BytesIO(b"%PDF-1.4 final report"), name="report.pdf")
    return submit(actor=actor, study=study, reason="ready for review")


def make_approved_viralclearancestudy(*, actor: User, **fields: Any) -> Any:
    """Open, fill, submit and approve a study (signed by a new QA Approver who authored nothing)."""
    from atmp.lab.services.viral import approve

    study = make_study_ready_for_approval(actor=actor, **fields)
    signer = make_user("qa_approver", password=PASSWORD)
    return approve(actor=signer, study=study, password=PASSWORD, reason="clearance claim accepted")


def make_sample(*, actor: User, batch: Any = None, purpose: str = "release", **fields: Any) -> Any:
    """Register a release sample of a batch (new unless given, pinned to an approved phase I specification)."""
    from atmp.lab.services.results import add_sample

    if batch is None:
        batch = make_batchspecification(actor=actor).batch
    fields.setdefault("quantity", "0.5")
    fields.setdefault("unit", "mL")
    fields.setdefault("taken_by", "Operator on the line")
    fields.setdefault("container", "2 mL cryovial")
    fields.setdefault("storage", "-80 °C")
    return add_sample(actor=actor, site=batch.site, batch=batch, purpose=purpose, **fields)


def make_received_sample(*, actor: User, **fields: Any) -> Any:
    """Register a sample and receive it in the lab (QC fridge 1)."""
    from atmp.lab.services.results import receive

    sample = make_sample(actor=actor, **fields)
    return receive(actor=actor, sample=sample, location="QC fridge 1")


def make_samplecustody(*, actor: User, sample: Any = None) -> Any:
    """Hand a received sample (new unless given) over inside the lab."""
    from atmp.lab.services.results import hand_over

    sample = sample or make_received_sample(actor=actor)
    return hand_over(actor=actor, sample=sample, from_person=actor.username, to_person="qc.analyst", location="Bench 2")


def make_result(*, actor: User, sample: Any = None, value: str = "2.0E13", **fields: Any) -> Any:
    """Enter a result (the vector genome titre, conforming unless told otherwise) of a received sample."""
    from atmp.lab.services.results import record_result

    sample = sample or make_received_sample(actor=actor)
    fields.setdefault("attribute", "1")
    return record_result(actor=actor, sample=sample, value=value, **fields)


def make_oosinvestigation(*, actor: User, **fields: Any) -> Any:
    """Enter a titre below its limit: the OOS investigation it opens (phase I)."""
    from atmp.lab.models import OosInvestigation

    result = make_result(actor=actor, value="5.0E11", **fields)
    return OosInvestigation.objects.filter(result=result).get()  # type: ignore[misc]


def make_oos_in_phase_2(*, actor: User, **fields: Any) -> Any:
    """Return an OOS investigation whose phase I found no laboratory error: in phase II."""
    from atmp.lab.services.oos import record_findings, transition

    oos = make_oosinvestigation(actor=actor, **fields)
    record_findings(actor=actor, oos=oos, phase_1_finding="No assignable laboratory error.", reason="phase I done")
    return transition(actor, oos, "escalate", reason="no laboratory error")


def make_oos_retested(*, actor: User, **fields: Any) -> Any:
    """Return an OOS investigation in phase I with its finding written and a retest superseding the result."""
    from atmp.lab.services.oos import record_findings
    from atmp.lab.services.results import correct_result

    oos = make_oosinvestigation(actor=actor, **fields)
    correct_result(actor=actor, result=oos.result, value="2.0E13", reason="retest after the dilution error")
    record_findings(actor=actor, oos=oos, phase_1_finding="Dilution error found at the bench.", reason="phase I")
    return oos


# --- potency assay runs -------------------------------------------------------------------------

POTENCY_DOSES = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)  # 8 two-fold dilutions (ng/mL)


def potency_plate(
    *,
    seed: int = 2,
    potency: float = 1.0,
    shape: str = "linear",
    test_slope: float = 1.0,
    replicates: int = 3,
    noise: float = 0.02,
    standard: str = "S",
    test: str = "T",
) -> bytes:
    """Return a plate CSV, 8 doses × standard and test × replicates, generated deterministically.

    shape 'linear': y = 0.1 + 0.25·ln(dose) (parallel-line range); 'logistic': a 4PL with c = 0.05,
    d = 1.6, b = 1.2, EC50 4 ng/mL. The test's curve is shifted by `potency` (its slope × test_slope:
    a test_slope far from 1 makes the run non-parallel). Noise: normal, sd `noise`.
    """
    import math

    import numpy as np

    rng = np.random.default_rng(seed)
    rows = ["well,preparation,dose,response"]
    wells = iter(f"{r}{c}" for r in "ABCDEFGH" for c in range(1, 13))
    for label, rho, slope in ((standard, 1.0, 1.0), (test, potency, test_slope)):
        for dose in POTENCY_DOSES:
            for _ in range(replicates):
                x = dose * rho
                if shape == "linear":
                    mean = 0.1 + 0.25 * slope * math.log(x)
                else:
                    mean = 0.05 + (1.6 - 0.05) / (1 + (4.0 / x) ** (1.2 * slope))
                rows.append(f"{next(wells)},{label},{dose:g},{mean + float(rng.normal(0, noise)):.4f}")
    return ("\n".join(rows) + "\n").encode()


def make_potency_method(*, actor: User, **criteria: Any) -> Any:
    """Add a potency method with run validity criteria (the defaults unless told) and return the method."""
    from atmp.lab.services.potency import set_criteria

    method = make_method(actor=actor, method_type="potency", title=f"Relative potency by cell-based assay {next(_n)}")
    set_criteria(actor=actor, method=method, **criteria)
    return method


def make_potencycriteria(*, actor: User, **criteria: Any) -> Any:
    """Declare run validity criteria (CI ratio at most 2) of a new potency method."""
    from atmp.lab.services.potency import criteria_of

    criteria.setdefault("max_ci_ratio", "2")
    return criteria_of(make_potency_method(actor=actor, **criteria))


def _released(actor: User, *, site: Site, type_: str, **fields: Any) -> Any:
    from atmp.trace.factories import make_approved_supplier, make_material, make_released_lot, releaser
    from atmp.trace.models.materials import PURCHASED_TYPES

    material = make_material(actor=actor, type=type_, unit="{vial}")
    if type_ in PURCHASED_TYPES:
        fields.setdefault("supplier", make_approved_supplier(actor=actor, approver=releaser(), material=material))
    return make_released_lot(actor=actor, material=material, site=site, **fields)


def make_reference_lot(*, actor: User, site: Site, **fields: Any) -> Any:
    """Receive and release (QA) a lot of a new reference standard material at the site."""
    return _released(actor, site=site, type_="reference_standard", **fields)


def make_reagent_lot(*, actor: User, site: Site, **fields: Any) -> Any:
    """Receive (from an approved supplier) and release a lot of a new critical reagent at the site."""
    return _released(actor, site=site, type_="critical_reagent", **fields)


def make_potencyrun(
    *, actor: User, site: Site | None = None, method: Any = None, plate: bytes | None = None, **fields: Any
) -> Any:
    """Record a draft parallel-line run (test potency 1.0) with a released reference lot at a site."""
    from atmp.lab.services.potency import add_run
    from atmp.ledger import clock

    site = site or make_site(actor=actor)
    fields.setdefault("reference_lot", make_reference_lot(actor=actor, site=site))
    fields.setdefault("run_date", clock.now().date())
    return add_run(
        actor=actor,
        site=site,
        method=method or make_potency_method(actor=actor, max_ci_ratio="2"),
        plate=io.BytesIO(plate if plate is not None else potency_plate()),
        **fields,
    )


def reviewer(site: Site | None = None) -> User:
    """Return a new QC Analyst (not the run's analyst) who may sign 'reviewed', with the test password."""
    from atmp.testing import make_user

    return make_user("qc_analyst", password=PASSWORD)


def make_reviewed_potencyrun(*, actor: User, **fields: Any) -> Any:
    """Record, evaluate and review (a second person) a run."""
    from atmp.lab.services.potency import evaluate, review

    run = evaluate(actor=actor, run=make_potencyrun(actor=actor, **fields))
    return review(actor=reviewer(), run=run, password=PASSWORD, reason="run checked")


def make_potencyresult(*, actor: User, batch: Any = None) -> Any:
    """Combine two valid reviewed runs of a batch (new unless given) into its reportable potency."""
    from atmp.lab.services.potency import combine
    from atmp.manufacturing.factories import make_batch

    batch = batch or make_batch(actor=actor)
    method = make_potency_method(actor=actor, max_ci_ratio="2")
    runs = [
        make_reviewed_potencyrun(
            actor=actor, site=batch.site, method=method, batch=batch, plate=potency_plate(seed=seed, potency=p)
        )
        for seed, p in ((2, 1.0), (5, 1.1))
    ]
    return combine(actor=actor, batch=batch, runs=runs)


def make_evaluated_potencyrun(*, actor: User, **fields: Any) -> Any:
    """Record and evaluate a (valid) run."""
    from atmp.lab.services.potency import evaluate

    return evaluate(actor=actor, run=make_potencyrun(actor=actor, **fields))


# --- stability studies (ICH Q1E) ----------------------------------------------------------------


def make_stability_specification(*, actor: User, product: Any = None) -> Any:
    """Return an approved phase I specification with a potency attribute (70-130 %), the product in phase I."""
    from atmp.lab.services.phases import move
    from atmp.lab.services.specifications import approve
    from atmp.manufacturing.factories import make_product

    product = product or make_product(actor=actor)
    spec = make_specification(actor=actor, product=product, phase="i")
    make_specificationattribute(actor=actor, specification=spec)
    make_specificationattribute(
        actor=actor, specification=spec, name="Potency", criterion="70-130", unit="%",
        method=make_fit_method(actor=actor, method_type="potency"),
    )  # fmt: skip
    spec.refresh_from_db()
    spec = approve(actor=approver(), specification=spec, password=PASSWORD, reason="approved for release testing")
    move(actor=approver(), product=product, phase="i", reason="first patient dosed under this protocol")
    return spec


def make_stabilitystudy(*, actor: User, site: Site | None = None, product: Any = None, **fields: Any) -> Any:
    """Open a draft stability study against an approved specification; by default of a product with an
    effective master batch record, at that record's site (so that batches can be made and placed)."""
    from atmp.lab.services.stability.protocol import add_study
    from atmp.manufacturing.factories import make_effective_mbr

    specification = fields.pop("specification", None)
    if specification is None:
        if site is None:
            version = make_effective_mbr(actor=actor, product=product).process_version
            site, product = version.site, version.product
        specification = make_stability_specification(actor=actor, product=product)
    site = site or make_site(actor=actor)
    fields.setdefault("title", "Long-term stability of the drug product")
    return add_study(actor=actor, site=site, product=specification.product, specification=specification, **fields)


def make_stabilitycondition(*, actor: User, study: Any = None, **fields: Any) -> Any:
    """Add the long-term condition (-65 °C or colder; 0, 3, 6, 9, 12 months) to a draft study (new unless given)."""
    from atmp.lab.services.stability.protocol import add_condition

    fields.setdefault("condition", "minus65")
    fields.setdefault("kind", "long_term")
    fields.setdefault("time_points", "0,3,6,9,12")
    return add_condition(actor=actor, study=study or make_stabilitystudy(actor=actor), **fields)


def make_stabilityattribute(*, actor: User, study: Any = None, **fields: Any) -> Any:
    """Add the potency attribute to a draft study (new unless given)."""
    from atmp.lab.services.stability.protocol import add_attribute

    fields.setdefault("attribute", "Potency")
    return add_attribute(actor=actor, study=study or make_stabilitystudy(actor=actor), **fields)


def make_stabilitystudy_ready_for_approval(*, actor: User, **fields: Any) -> Any:
    """Return a draft study with a long-term condition and the potency attribute: QA may approve it."""
    study = make_stabilitystudy(actor=actor, **fields)
    make_stabilitycondition(actor=actor, study=study)
    make_stabilityattribute(actor=actor, study=study)
    study.refresh_from_db()
    return study


def make_approved_stabilitystudy(*, actor: User, **fields: Any) -> Any:
    """Return a study with a long-term condition and the potency attribute, approved by a QA Approver."""
    from atmp.lab.services.stability.protocol import approve

    study = make_stabilitystudy_ready_for_approval(actor=actor, **fields)
    return approve(actor=approver(), study=study, password=PASSWORD, reason="protocol approved")


def make_stabilitybatch(*, actor: User, study: Any = None, batch: Any = None, **fields: Any) -> Any:
    """Place a batch (new unless given, of the study's product and site) on an approved study (new unless given)."""
    from atmp.lab.services.stability.protocol import place
    from atmp.manufacturing.factories import make_batch, make_effective_mbr

    study = study or make_approved_stabilitystudy(actor=actor)
    if batch is None:
        from atmp.manufacturing.models import MasterBatchRecord

        mbr = MasterBatchRecord.objects.filter(
            process_version__product=study.product, process_version__site=study.site, status="effective"
        ).first() or make_effective_mbr(actor=actor, product=study.product)
        batch = make_batch(actor=actor, mbr=mbr)
    return place(actor=actor, study=study, batch=batch, **fields)


def make_running_stabilitystudy(*, actor: User, batches: int = 1, placed_on: Any = None, **fields: Any) -> Any:
    """Return an approved study with batches placed (on a date, today unless given) and started."""
    from atmp.lab.services.stability.protocol import start

    study = make_approved_stabilitystudy(actor=actor, **fields)
    for _ in range(batches):
        make_stabilitybatch(actor=actor, study=study, placed_on=placed_on)
    return start(actor=actor, study=study, reason="batches placed")


def make_stabilitypull(*, actor: User, study: Any = None) -> Any:
    """Return the first (0-month) pull of a running study (new unless given), as scheduled."""
    from atmp.lab.services.stability.records import pulls

    return pulls(study or make_running_stabilitystudy(actor=actor))[0]


def make_pulled_stabilitypull(*, actor: User, study: Any = None) -> Any:
    """Return the first pull of a running study (new unless given), pulled: its sample received in the lab."""
    from atmp.lab.services.stability.pulls import pull_sample

    return pull_sample(actor=actor, pull=make_stabilitypull(actor=actor, study=study))


# --- QP certification and disposition -----------------------------------------------------------


def qp(site: Site | None = None) -> User:
    """Return a new Qualified Person who took no part in any batch, with the test password."""
    return make_user("qualified_person", password=PASSWORD)


def make_executed_batch(*, actor: User, review: bool = True) -> Any:
    """Return a batch whose every step was executed (released, approved-supplier materials), completed and reviewed."""
    from atmp.manufacturing import factories as mf
    from atmp.manufacturing.services.batch_steps import start_step
    from atmp.manufacturing.services.batches import complete_batch, review_batch

    batch = mf.make_batch(actor=actor)
    floor = mf.make_floor(batch=batch)
    for step in batch.steps.select_related("mbr_step").order_by("number"):
        start_step(actor=floor["operator"], step=step, room=floor["room"], equipment=[floor["bsc"]])
        mf.execute_step(step=step, floor=floor)
        mf.clean(actor=floor["qa"], equipment=floor["bsc"])
    batch = complete_batch(actor=floor["operator"], batch=batch, reason="every step done")
    if review:
        batch = review_batch(actor=mf.approver(), batch=batch, password=PASSWORD, reason="reviewed by exception")
    return batch


def make_release_specification(*, actor: User, product: Any) -> Any:
    """Approve a phase I specification of two attributes (titre, sterility) and put the product in phase I."""
    from atmp.lab.services.phases import move
    from atmp.lab.services.specifications import approve

    spec = make_specification(actor=actor, product=product, phase="i")
    make_specificationattribute(actor=actor, specification=spec)
    make_specificationattribute(
        actor=actor,
        specification=spec,
        name="Sterility",
        kind="conforms",
        criterion="No growth",
        unit="",
        method=make_fit_method(actor=actor, method_type="safety"),
    )
    spec.refresh_from_db()
    approve(actor=approver(), specification=spec, password=PASSWORD, reason="approved for release testing")
    return move(actor=approver(), product=product, phase="i", reason="first patient dosed under this protocol")


def review_audit_trail(batch: Any, reviewer: User | None = None, comment: str = "", password: str = PASSWORD) -> Any:
    """Review and sign the batch's audit trail with its parts, by a QA person who took no part in it
    (a new QA Reviewer unless one is given, with their password: the demo passes its own)."""
    from atmp.accounts import signing
    from atmp.ledger import reviews, trail

    reviewer_ = reviewer or make_user("qa_reviewer", password=PASSWORD)
    selection = trail.TrailFilter(record_type=batch.record_type(), record_id=str(batch.pk), with_parts=True)
    review = reviews.start_review(actor=reviewer_, filter=selection, comment=comment or f"batch {batch.number}")
    signing.sign(
        signer=reviewer_, record=review, meaning="audit_trail_reviewed", password=password, outcome="no_findings"
    )
    return review


def make_certifiable_batch(
    *, actor: User, sterility: str | None = "conforms", audit: bool = True, review: bool = True
) -> Any:
    """Return a batch every certification check passes for (sterility None: that result still pending).

    Executed and reviewed, its audit trail reviewed, tested against an approved two-attribute phase I
    specification: the titre conforms and is reviewed, sterility too unless told otherwise.
    """
    from atmp.lab.services.results import record_result
    from atmp.lab.services.results import review as review_result
    from atmp.lab.services.specifications import for_batch

    batch = make_executed_batch(actor=actor, review=review)
    make_release_specification(actor=actor, product=batch.product)
    for_batch(batch, actor=actor)
    if audit:
        review_audit_trail(batch)
    analyst = make_user("qc_analyst", password=PASSWORD)
    sample = make_received_sample(actor=analyst, batch=batch)
    second = reviewer()
    titre = record_result(actor=analyst, sample=sample, attribute="1", value="2.0E13")
    review_result(actor=second, result=titre, password=PASSWORD)
    if sterility is not None:
        result = record_result(actor=analyst, sample=sample, attribute="2", value=sterility)
        if result.conforms:
            review_result(actor=second, result=result, password=PASSWORD)
    batch.refresh_from_db()
    batch.qc_analyst = analyst  # type: ignore[attr-defined]  # the tests enter late results as this analyst
    batch.sample = sample  # type: ignore[attr-defined]
    return batch


def make_batchdisposition(*, actor: User, batch: Any = None) -> Any:
    """Open the disposition of a batch (new unless given) as atmp does, the first time a QP decides on it."""
    from atmp.lab.models import BatchDisposition
    from atmp.lab.services.disposition import disposition_of, opening_reason
    from atmp.ledger import writer
    from atmp.manufacturing.factories import make_batch

    batch = batch or make_batch(actor=actor)
    found = disposition_of(batch)
    if found is not None:
        return found
    made = BatchDisposition(batch=batch)
    with writer.change(actor=None, reason=opening_reason(batch, "the QP's decision asked for")) as ch:
        ch.save(made)
    return made


def make_certifiable_disposition(*, actor: User) -> Any:
    """Open the disposition of a batch every certification check passes for."""
    return make_batchdisposition(actor=actor, batch=make_certifiable_batch(actor=actor))


def make_conditionally_released(*, actor: User) -> Any:
    """Return the disposition of a batch released before its sterility result (expected in 14 days) by a QP."""
    import datetime as dt

    from atmp.lab.services.disposition import release_conditionally
    from atmp.ledger import clock

    batch = make_certifiable_batch(actor=actor, sterility=None)
    day = clock.now().date() + dt.timedelta(days=14)
    disposition = release_conditionally(
        actor=qp(), batch=batch, expected={"Sterility": day.isoformat()}, password=PASSWORD,
        reason="the patient cannot wait for the 14-day sterility test",
    )  # fmt: skip
    disposition.batch = batch  # keeps the helpers the factory set (qc_analyst, sample)
    return disposition


def make_lateresultalert(*, actor: User) -> Any:
    """Enter a failing sterility result for a conditionally released batch: the alert it raises."""
    from atmp.lab.models import LateResultAlert
    from atmp.lab.services.results import record_result

    disposition = make_conditionally_released(actor=actor)
    batch = disposition.batch
    record_result(actor=batch.qc_analyst, sample=batch.sample, attribute="2", value="does not conform")
    return LateResultAlert.objects.filter(disposition=disposition).get()


# --- cell bank and seed panels (ICH Q5D; ADR 0030) ----------------------------------------------

# panel test code: method code, method title, method type, kind, criterion, unit, a conforming value.
BANK_TESTS: dict[str, tuple[str, str, str, str, str, str, str]] = {
    "identity": ("QC-CB-STR", "Cell line identity by STR profile", "identity", "conforms",
                 "Matches the reference STR profile", "", "conforms"),
    "sterility": ("QC-CB-STER", "Sterility of bank vials (Ph. Eur. 2.6.1)", "safety", "conforms", "No growth", "",
                  "conforms"),
    "mycoplasma": ("QC-CB-MYCO", "Mycoplasma by NAT (Ph. Eur. 2.6.7)", "safety", "conforms", "Not detected", "",
                   "conforms"),
    "endogenous_viruses": ("QC-CB-ERV", "Retroviruses: PERT and TEM", "safety", "conforms", "Not detected", "",
                           "conforms"),
    "adventitious_in_vitro": ("QC-CB-AVIT", "Adventitious viruses in vitro (three indicator cell lines)", "safety",
                              "conforms", "Not detected", "", "conforms"),
    "adventitious_in_vivo": ("QC-CB-AVIV", "Adventitious viruses in vivo", "safety", "conforms", "Not detected", "",
                             "conforms"),
    "rcv": ("QC-CB-RCV", "Replication-competent virus by infectivity and qPCR", "safety", "conforms",
            "Not detected", "", "conforms"),
    "seed_identity": ("QC-VS-SEQ", "Seed identity by vector genome sequencing", "identity", "conforms",
                      "Matches the reference vector genome", "", "conforms"),
    "titre": ("QC-VS-TITRE", "Infectious titre (TCID50)", "quantity", "numeric", ">=1.0E8", "{TCID50}/mL", "3.2E9"),
}  # fmt: skip


# A bank specification's attributes: every test any bank of a cell line, or of a seed, may need
# (a kind's panel is a subset of them, atmp.trace.bank_panel).
CELL_TESTS = ("identity", "sterility", "mycoplasma", "endogenous_viruses", "adventitious_in_vitro",
              "adventitious_in_vivo", "rcv")  # fmt: skip
SEED_TESTS = ("seed_identity", "titre", "sterility", "mycoplasma", "adventitious_in_vitro", "adventitious_in_vivo",
              "rcv")  # fmt: skip


def bank_method(*, actor: User, test: str, phase: str = "iii") -> Any:
    """Return the method of the bank panel test (added the first time, validated for the phase: the demo's cost)."""
    from atmp.lab.models import Method

    code, title, method_type = BANK_TESTS[test][:3]
    found = Method.objects.filter(code=code, voided=False).first()
    return found or make_fit_method(actor=actor, code=code, title=title, method_type=method_type, phases=(phase,))


def make_bank_specification(
    *,
    actor: User,
    material: Any = None,
    approver_user: User | None = None,
    phase: str = "iii",
    password: str = PASSWORD,
    **fields: Any,
) -> Any:
    """Approve a bank specification of a cell line (new unless given): every panel test, each by its method."""
    from atmp.lab.services.specifications import add_attribute, approve, new_specification
    from atmp.trace import factories as tf

    material = material or tf.make_cell_line(actor=actor)
    spec = new_specification(actor=actor, material=material, phase=phase, **fields)
    for code in CELL_TESTS if material.type == "cell_line" else SEED_TESTS:
        _m, title, _t, kind, criterion, unit, _v = BANK_TESTS[code]
        method = bank_method(actor=actor, test=code, phase=phase)
        add_attribute(
            actor=actor, specification=spec, name=title, method=method, kind=kind, criterion=criterion, unit=unit,
            panel_test=code, reason="bank specification",
        )  # fmt: skip
    spec.refresh_from_db()
    return approve(
        actor=approver_user or approver(), specification=spec, password=password, reason="bank panel specification"
    )


def make_bank_sample(*, actor: User, bank: Any) -> Any:
    """Take a bank sample (two vials) of a bank lot and receive it in the lab."""
    from atmp.lab.services.results import add_sample, receive

    sample = add_sample(
        actor=actor, site=bank.lot.site, lot=bank.lot, purpose="bank", quantity="2", unit="{vial}",
        taken_by="QC sampler", container="cryovial", storage="LN2 vapour phase", reason="bank panel sample",
    )  # fmt: skip
    return receive(actor=actor, sample=sample, location="QC LN2 dewar", reason="bank sample received")


def make_tested_bank_panel(
    *,
    bank: Any,
    analyst: User,
    reviewer_user: User,
    approver_user: User | None = None,
    author: User | None = None,
    password: str = PASSWORD,
    failing: tuple[str, ...] = (),
    unreviewed: tuple[str, ...] = (),
    skip: tuple[str, ...] = (),
) -> Any:
    """Test every test of the bank's panel on one sample (a bank specification approved if none is): return it.

    The specification is written by `author` (the analyst unless given) and approved by `approver_user`.
    By default every result conforms and is reviewed by a second person; `failing` tests do not
    conform, `unreviewed` ones are left for review, `skip` ones are not tested.
    """
    from atmp.lab.models import Specification
    from atmp.lab.services.results import attributes_for, record_result, review

    if not Specification.objects.filter(material_id=bank.lot.material_id, status="approved", voided=False).exists():
        make_bank_specification(
            actor=author or analyst, material=bank.lot.material, approver_user=approver_user, password=password,
            title="ICH Q5D panel",
        )  # fmt: skip
    sample = make_bank_sample(actor=analyst, bank=bank)
    from atmp.trace import bank_panel

    wanted = {t.code for t in bank_panel.panel(bank.kind, vector_production=bank.vector_production)}
    for attribute in attributes_for(sample, actor=analyst):
        code = attribute.panel_test
        if code not in wanted or code in skip:
            continue
        good = BANK_TESTS[code][6]
        value = ("does not conform" if attribute.kind == "conforms" else "1.0E6") if code in failing else good
        result = record_result(actor=analyst, sample=sample, attribute=attribute, value=value, reason="bank panel")
        if code not in unreviewed:
            review(actor=reviewer_user, result=result, password=password)
    return sample


def conforming_bank_panel(bank: Any, people: dict[str, User] | None = None) -> Any:
    """Test the bank's panel, every result conforming and reviewed (the lab's bank_testing hook).

    With the demo's people, Rita writes the bank specification and Alex approves it, Quentin tests
    and Rita reviews;
    without, new test personas do (trace's and manufacturing's test set-ups).
    """
    if people is not None:
        from atmp.demo import PASSWORD as DEMO_PASSWORD

        return make_tested_bank_panel(
            bank=bank, analyst=people["quentin"], reviewer_user=people["rita"], approver_user=people["alex"],
            author=people["rita"], password=DEMO_PASSWORD,
        )  # fmt: skip
    return make_tested_bank_panel(bank=bank, analyst=make_user("qa_reviewer"), reviewer_user=reviewer())
