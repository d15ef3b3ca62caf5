"""Samples, results and OOS investigations: every rule named, nothing half-written, OOS in the same change."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.lab import factories
from atmp.lab.models import OosInvestigation, Result, Sample, SampleCustody
from atmp.lab.services import oos as oos_service
from atmp.lab.services import results as svc
from atmp.lab.services.methods import set_validation
from atmp.lab.services.phases import move
from atmp.lab.services.specifications import add_attribute, approve, for_batch, new_specification
from atmp.ledger.errors import Conflict, LedgerError, RuleViolation
from atmp.manufacturing import factories as mf
from atmp.quality.models import Deviation
from atmp.testing import PASSWORD, make_user
from atmp.workflow.models import Link


@pytest.fixture
def batch(qa_reviewer):
    """A batch pinned to an approved phase I specification: titre, endotoxin, HCP, appearance, identity."""
    batch = mf.make_batch(actor=qa_reviewer)
    spec = new_specification(actor=qa_reviewer, product=batch.product, phase="i")
    fit = factories.make_fit_method
    rows = (
        ("Vector genome titre", fit(actor=qa_reviewer), "numeric", ">=1.0E12", "{vg}/mL"),
        ("Bacterial endotoxins", fit(actor=qa_reviewer, method_type="safety"), "numeric", "<=0.50", "[EU]/mL"),
        ("Host-cell protein", fit(actor=qa_reviewer, method_type="purity"), "numeric", "<=100", "ng/mL"),
        ("Appearance", fit(actor=qa_reviewer, method_type="general"), "conforms", "Clear, colourless", ""),
        ("Capsid ratio", fit(actor=qa_reviewer, method_type="purity"), "report", "report", "%"),
    )
    for name, method, kind, criterion, unit in rows:
        add_attribute(actor=qa_reviewer, specification=spec, name=name, method=method, kind=kind,
                      criterion=criterion, unit=unit)  # fmt: skip
    spec.refresh_from_db()
    qa = factories.approver()
    approve(actor=qa, specification=spec, password=PASSWORD, reason="release specification")
    move(actor=qa, product=batch.product, phase="i", reason="first patient")
    for_batch(batch, actor=qa_reviewer)
    return batch


@pytest.fixture
def analyst(db):
    return make_user("qc_analyst", username="quinn", password=PASSWORD)


@pytest.fixture
def sample(analyst, batch):
    sample = svc.add_sample(actor=analyst, site=batch.site, batch=batch, purpose="release", quantity="1",
                            unit="mL", taken_by="olga")  # fmt: skip
    return svc.receive(actor=analyst, sample=sample, location="QC fridge 1")


def _count() -> tuple[int, int, int]:
    return Result.objects.count(), OosInvestigation.objects.count(), Link.objects.count()


def test_sample_is_numbered_and_received_with_custody(analyst, sample):
    assert sample.number.startswith("S-")
    assert sample.status == "received"
    assert sample.location == "QC fridge 1"
    row = SampleCustody.objects.get(sample=sample)
    assert (row.from_person, row.to_person) == ("olga", "quinn")
    svc.hand_over(actor=analyst, sample=sample, from_person="quinn", to_person="max", location="Bench 3")
    sample.refresh_from_db()
    assert sample.location == "Bench 3"


def test_sample_refusals(analyst, batch):
    with pytest.raises(InvalidInput) as exc:
        svc.add_sample(actor=analyst, site=batch.site, purpose="release", quantity="1", unit="mL", taken_by="o")
    assert exc.value.field == "batch"
    with pytest.raises(InvalidInput) as exc:
        svc.add_sample(actor=analyst, site=batch.site, batch=batch, purpose="later", quantity="1", unit="mL",
                       taken_by="o")  # fmt: skip
    assert exc.value.field == "purpose"
    with pytest.raises(InvalidInput) as exc:
        svc.add_sample(actor=analyst, site=batch.site, batch=batch, purpose="release", quantity="1", unit="ml",
                       taken_by="o")  # fmt: skip
    assert exc.value.field == "unit"
    assert Sample.objects.count() == 0


def test_registered_sample_takes_no_result(analyst, batch):
    sample = svc.add_sample(actor=analyst, site=batch.site, batch=batch, purpose="release", quantity="1",
                            unit="mL", taken_by="olga")  # fmt: skip
    with pytest.raises(RuleViolation, match="sample not received"):
        svc.record_result(actor=analyst, sample=sample, attribute="1", value="2.0E13")
    with pytest.raises(RuleViolation, match="sample status"):
        svc.move_sample(actor=analyst, sample=sample, status="consumed")


def test_conforming_result_is_evaluated_with_usp_rounding(analyst, sample):
    result = svc.record_result(actor=analyst, sample=sample, attribute="Bacterial endotoxins", value="0.504",
                               unit="[EU]/mL")  # fmt: skip
    assert (result.value_entered, result.number, result.reported, result.conforms) == ("0.504", "0.504", "0.50", True)
    assert result.analyst == "quinn"
    assert result.specification_id == for_batch(sample.batch).pk
    sample.refresh_from_db()
    assert sample.status == "in_testing"
    assert OosInvestigation.objects.count() == 0


def test_conforms_and_report_attributes(analyst, sample):
    looks = svc.record_result(actor=analyst, sample=sample, attribute="Appearance", value="conforms")
    assert (looks.reported, looks.conforms) == ("Conforms", True)
    ratio = svc.record_result(actor=analyst, sample=sample, attribute="Capsid ratio", value="37.5")
    assert (ratio.reported, ratio.conforms, ratio.number) == ("37.5", None, "37.5")
    with pytest.raises(InvalidInput) as exc:
        svc.record_result(actor=analyst, sample=sample, attribute="Appearance", value="fine")
    assert exc.value.field == "value" and "conforms" in str(exc.value)


def test_non_numeric_value_refused(analyst, sample):
    before = _count()
    with pytest.raises(InvalidInput) as exc:
        svc.record_result(actor=analyst, sample=sample, attribute="1", value="high")
    assert exc.value.field == "value" and "number" in str(exc.value)
    assert _count() == before


def test_wrong_unit_refused_and_convertible_unit_converted_explicitly(analyst, sample):
    with pytest.raises(InvalidInput, match="wrong unit") as exc:
        svc.record_result(actor=analyst, sample=sample, attribute="Host-cell protein", value="12", unit="%")
    assert exc.value.field == "unit"
    with pytest.raises(InvalidInput, match="unit mismatch"):
        svc.record_result(actor=analyst, sample=sample, attribute="Host-cell protein", value="12000", unit="pg/mL")
    result = svc.record_result(actor=analyst, sample=sample, attribute="Host-cell protein", value="12000",
                               unit="pg/mL", convert=True)  # fmt: skip
    assert (result.unit, result.converted, result.amount, result.reported, result.conforms) == (
        "pg/mL",
        True,
        "12",
        "12",
        True,
    )
    assert result.value_entered == "12000"


def test_attribute_not_in_specification_refused(analyst, sample):
    with pytest.raises(InvalidInput, match="attribute not in specification") as exc:
        svc.record_result(actor=analyst, sample=sample, attribute="Potency", value="1")
    assert exc.value.field == "attribute"


def test_method_not_fit_for_phase_refused(analyst, qa_reviewer, sample):
    attribute = svc.attributes_for(sample)[0]
    set_validation(actor=qa_reviewer, method=attribute.method, phase="i", status="not_validated",
                   reason="validation withdrawn")  # fmt: skip
    before = _count()
    with pytest.raises(RuleViolation, match="method not fit"):
        svc.record_result(actor=analyst, sample=sample, attribute="1", value="2.0E13")
    assert _count() == before


def test_instrument_out_of_calibration_refused(analyst, qa_reviewer, sample):
    instrument = mf.make_equipment(actor=qa_reviewer, site=sample.site, code="QC-DDPCR", equipment_class="ddpcr",
                                   clean_hold_hours=None)  # fmt: skip
    before = _count()
    with pytest.raises(InvalidInput, match="instrument not usable") as exc:
        svc.record_result(actor=analyst, sample=sample, attribute="1", value="2.0E13", instrument=instrument)
    assert exc.value.field == "instrument"
    assert _count() == before
    usable = mf.make_usable_equipment(actor=qa_reviewer, site=sample.site, code="QC-PLATE",
                                      equipment_class="plate_reader")  # fmt: skip
    result = svc.record_result(actor=analyst, sample=sample, attribute="1", value="2.0E13", instrument="QC-PLATE")
    assert result.instrument_id == usable.pk


def test_failing_result_opens_oos_in_the_same_change(analyst, sample):
    result = svc.record_result(actor=analyst, sample=sample, attribute="Bacterial endotoxins", value="0.62",
                               unit="[EU]/mL")  # fmt: skip
    assert result.conforms is False
    oos = OosInvestigation.objects.get(result=result)
    assert oos.status == "phase_1" and oos.batch_id == sample.batch_id
    assert oos.number.startswith("OOS-")
    targets = set(Link.objects.filter(source_type="lab.oosinvestigation", source_id=str(oos.pk)).values_list(
        "target_type", flat=True))  # fmt: skip
    assert targets == {"lab.result", "manufacturing.batch"}


def test_result_not_written_when_its_oos_cannot_be_opened(analyst, sample, monkeypatch):
    """One change: a failure opening the investigation leaves no result behind (nothing half-written)."""

    def broken(**kwargs):
        raise Conflict("link refused")

    monkeypatch.setattr(oos_service.links, "link", broken)
    before = _count()
    with pytest.raises(Conflict):
        svc.record_result(actor=analyst, sample=sample, attribute="1", value="5.0E11")
    assert _count() == before
    sample.refresh_from_db()
    assert sample.status == "received"


def test_correction_supersedes_and_original_is_never_edited(analyst, sample):
    first = svc.record_result(actor=analyst, sample=sample, attribute="1", value="2.0E13")
    with pytest.raises(InvalidInput) as exc:
        svc.correct_result(actor=analyst, result=first, value="2.1E13", reason="")
    assert exc.value.field == "reason"
    second = svc.correct_result(actor=analyst, result=first, value="2.1E13", reason="transcription error")
    assert second.supersedes_id == first.pk and svc.superseded(first)
    assert [r.pk for r in svc.live_results(sample)] == [second.pk]
    with pytest.raises(Conflict, match="superseded"):
        svc.correct_result(actor=analyst, result=first, value="2.2E13", reason="again")
    from atmp.ledger import writer

    first.value_entered = "9"
    with pytest.raises(Conflict, match="append-only"), writer.change(actor=analyst, reason="edit") as ch:
        ch.save(first)


def test_review_is_a_second_person_signature(analyst, sample, qa_reviewer):
    result = svc.record_result(actor=analyst, sample=sample, attribute="1", value="2.0E13")
    with pytest.raises(LedgerError):
        svc.review(actor=analyst, result=result, password=PASSWORD)
    other = make_user("qc_analyst", username="max", password=PASSWORD)
    signature = svc.review(actor=other, result=result, password=PASSWORD)
    assert signature.meaning == "reviewed"
    assert [s.signer_name for s in svc.reviewed_by(result)] == [signature.signer_name]


def test_oos_phase_1_lab_error_invalidated_by_retest(analyst, sample):
    result = svc.record_result(actor=analyst, sample=sample, attribute="1", value="5.0E11")
    oos = OosInvestigation.objects.get(result=result)
    oos_service.record_findings(actor=analyst, oos=oos, phase_1_finding="Dilution error: 10x instead of 100x.",
                                reason="phase I")  # fmt: skip
    qa = factories.approver()
    with pytest.raises(LedgerError, match="no retest"):
        oos_service.transition(qa, oos, "invalidate", reason="lab error", password=PASSWORD)
    retest = svc.correct_result(actor=analyst, result=result, value="2.0E13", reason="retest after lab error")
    assert OosInvestigation.objects.count() == 1  # the retest joins the open investigation
    oos_service.transition(qa, oos, "invalidate", reason="assignable lab error", password=PASSWORD)
    oos.refresh_from_db()
    assert (oos.status, oos.conclusion) == ("closed", "invalidated")
    assert retest.conforms is True


def test_oos_confirmed_in_phase_2_opens_a_deviation(analyst, sample):
    result = svc.record_result(actor=analyst, sample=sample, attribute="Host-cell protein", value="140")
    oos = OosInvestigation.objects.get(result=result)
    with pytest.raises(InvalidInput) as exc:
        oos_service.transition(analyst, oos, "escalate", reason="no lab error")
    assert exc.value.field == "phase_1_finding"
    oos_service.record_findings(actor=analyst, oos=oos, phase_1_finding="No laboratory error.", reason="phase I")
    oos_service.transition(analyst, oos, "escalate", reason="no lab error")
    oos_service.record_findings(actor=analyst, oos=oos, phase_2_finding="Purification step 40 under-loaded.",
                                reason="phase II")  # fmt: skip
    before = Deviation.objects.count()
    oos_service.transition(factories.approver(), oos, "confirm", reason="confirmed OOS", password=PASSWORD)
    oos.refresh_from_db()
    assert (oos.status, oos.conclusion) == ("closed", "confirmed")
    deviation = Deviation.objects.latest("pk")
    assert Deviation.objects.count() == before + 1
    assert Link.objects.filter(source_type="quality.deviation", source_id=str(deviation.pk),
                               target_type="lab.oosinvestigation").exists()  # fmt: skip


def test_factories(qa_reviewer):
    oos = factories.make_oos_in_phase_2(actor=qa_reviewer)
    assert oos.status == "phase_2"
    assert factories.make_samplecustody(actor=qa_reviewer).pk


def test_import_checks_every_line_first_and_keeps_the_file(analyst, sample):
    import io

    bad = (
        "attribute,value,unit\n"
        "Vector genome titre,2.0E13,{vg}/mL\n"
        "Bacterial endotoxins,high,[EU]/mL\n"
        "Host-cell protein,12,%\n"
    )
    before = _count()
    with pytest.raises(InvalidInput) as exc:
        svc.import_csv(actor=analyst, stream=io.BytesIO(bad.encode()), name="bad.csv", sample=sample)
    assert exc.value.field == "file"
    assert "line 3: value" in str(exc.value) and "line 4: unit" in str(exc.value)
    assert _count() == before
    good = (
        f"sample,attribute,value,unit\n{sample.number},1,2.0E13,{{vg}}/mL\n{sample.number},Bacterial endotoxins,0.8,\n"
    )
    made = svc.import_csv(actor=analyst, stream=io.BytesIO(good.encode()), name="run-12.csv")
    assert len(made) == 2 and made[0].source_file_id == made[1].source_file_id
    import hashlib

    assert made[0].source_file.sha256 == hashlib.sha256(good.encode()).hexdigest()
    assert OosInvestigation.objects.filter(result=made[1]).exists()


def test_instrument_never_calibrated_refused_naming_the_rule(analyst, qa_reviewer, sample):
    from atmp.manufacturing.services.equipment import qualify

    instrument = mf.qualify_stages(
        actor=qa_reviewer,
        equipment=mf.make_equipment(
            actor=qa_reviewer, site=sample.site, code="QC-ELISA", equipment_class="reader", clean_hold_hours=None
        ),
    )
    qualify(actor=factories.approver(), equipment=instrument, password=PASSWORD, reason="IQ/OQ/PQ approved")
    before = _count()
    with pytest.raises(InvalidInput, match="calibration overdue") as exc:
        svc.record_result(actor=analyst, sample=sample, attribute="1", value="2.0E13", instrument="QC-ELISA")
    assert exc.value.field == "instrument"
    assert _count() == before
