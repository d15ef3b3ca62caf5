"""Viral clearance studies: every counting rule refused by name, the claim per virus from atmp.stats,
the report before approval, segregation of duties, and the claim frozen by the signature."""

from __future__ import annotations

import io
import math

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.lab import factories
from atmp.lab.services import viral as svc
from atmp.ledger import signatures
from atmp.ledger.errors import Conflict, RuleViolation, SignatureRefused
from atmp.stats import viral
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


class appr:
    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return float(other) == pytest.approx(self.value, abs=1e-6)


def add(actor, study, **fields):
    return svc.add_step(actor=actor, study=study, **factories.step_fields(**fields))


def report(actor, study):
    svc.attach_report(actor=actor, study=study, stream=io.BytesIO(b"%PDF-1.4 report"), name="report.pdf")


def virus(study, name):
    results = svc.compute_results(study)
    return next(v for v in results["viruses"] if v["virus"] == name)


def test_a_study_is_numbered_and_a_step_lrv_is_the_stats_modules(qa_reviewer, study):
    assert study.number.startswith("VC-") and study.status == "draft"
    add(
        qa_reviewer,
        study,
        load_log10_titre="7.0",
        load_volume_ml="100",
        output_log10_titre="2.0",
        output_volume_ml="110",
    )
    mulv = virus(study, "MuLV")
    expected = viral.log_reduction(viral.Step("s", "m", 7.0, 100.0, 2.0, 110.0, True))
    assert mulv["steps"][0]["lrv"] == appr(expected)
    assert mulv["claim"] == appr(expected) and not mulv["claim_greater_equal"]
    assert mulv["claim_text"] == "4.96"


def test_no_virus_detected_uses_the_poisson_limit_of_the_sampled_volume_and_reports_at_least(qa_reviewer, study):
    add(
        qa_reviewer,
        study,
        output_detected=False,
        output_log10_titre=None,
        sampled_volume_ml="50",
        load_log10_titre="6.0",
        load_volume_ml="100",
        output_volume_ml="100",
    )
    mulv = virus(study, "MuLV")
    limit = math.log10(-math.log(0.05) / 50.0)
    assert mulv["steps"][0]["lrv"] == appr(6.0 - limit)
    assert mulv["steps"][0]["lrv_text"].startswith("≥ ")
    assert mulv["claim_greater_equal"] and mulv["claim_text"].startswith("≥ ")


def test_no_virus_detected_may_give_the_assays_limit_instead(qa_reviewer, study):
    add(qa_reviewer, study, output_detected=False, output_log10_titre=None, detection_limit_log10="1.5")
    assert virus(study, "MuLV")["steps"][0]["lrv"] == appr(5.0)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"output_detected": False, "output_log10_titre": None}, "detection_limit_log10"),
        (
            {
                "output_detected": False,
                "output_log10_titre": None,
                "detection_limit_log10": "1",
                "sampled_volume_ml": "5",
            },
            "detection_limit_log10",
        ),
        ({"output_detected": False, "output_log10_titre": None, "sampled_volume_ml": "101"}, "sampled_volume_ml"),
        ({"output_detected": False}, "output_log10_titre"),
        ({"output_log10_titre": None}, "output_log10_titre"),
        ({"detection_limit_log10": "1"}, "detection_limit_log10"),
        ({"load_volume_ml": "0"}, "load_volume_ml"),
        ({"output_volume_ml": "-1"}, "output_volume_ml"),
        ({"load_log10_titre": "abc"}, "load_log10_titre"),
        ({"mechanism": "prayer"}, "mechanism"),
        ({"titre_unit": "cfu"}, "titre_unit"),
        ({"name": " "}, "name"),
        ({"run": 0}, "run"),
        ({"counted": False}, "count_reason"),
    ],
)
def test_bad_step_input_is_refused_naming_the_field_and_nothing_is_written(qa_reviewer, study, fields, field):
    with pytest.raises(InvalidInput) as refused:
        add(qa_reviewer, study, **fields)
    assert refused.value.field == field
    assert not study.steps.exists()


def test_counting_a_step_of_one_log_or_less_is_refused_naming_the_rule(qa_reviewer, study):
    with pytest.raises(InvalidInput, match="not above 1") as refused:
        add(qa_reviewer, study, load_log10_titre="3.0", output_log10_titre="2.0")
    assert refused.value.field == "counted"
    assert not study.steps.exists()


def test_a_weak_step_is_kept_when_excluded_with_its_reason(qa_reviewer, study):
    add(
        qa_reviewer,
        study,
        name="Depth filtration",
        mechanism="depth_filtration",
        load_log10_titre="3.0",
        output_log10_titre="2.4",
        counted=False,
        count_reason="0.6 log10: below the 1 log10 threshold",
    )
    add(qa_reviewer, study)
    mulv = virus(study, "MuLV")
    assert [s["counted"] for s in mulv["steps"]] == [False, True]
    assert mulv["steps"][0]["reason"].startswith("excluded: 0.6 log10")
    assert mulv["claim"] == appr(4.0)


def test_two_counted_steps_of_one_mechanism_need_a_justification(qa_reviewer, study):
    add(qa_reviewer, study, name="Affinity", mechanism="affinity")
    with pytest.raises(InvalidInput, match="not summed without a justification") as refused:
        add(qa_reviewer, study, name="Affinity polish", mechanism="affinity")
    assert refused.value.field == "count_reason"
    add(
        qa_reviewer,
        study,
        name="Affinity polish",
        mechanism="affinity",
        count_reason="different ligand and elution chemistry, shown orthogonal in the study report",
    )
    mulv = virus(study, "MuLV")
    assert mulv["claim"] == appr(8.0)
    assert "justification: different ligand" in mulv["steps"][1]["reason"]


def test_the_same_mechanism_is_counted_once_per_virus_not_across_viruses(qa_reviewer, study):
    add(qa_reviewer, study)
    add(qa_reviewer, study, virus="MMV", virus_family="Parvoviridae", enveloped=False, virus_size_nm="18-24")
    results = svc.compute_results(study)
    assert [v["claim"] for v in results["viruses"]] == ["4.000000", "4.000000"]


def test_replicate_runs_each_show_their_lrv_and_the_claim_takes_the_lowest(qa_reviewer, study):
    add(qa_reviewer, study, run=1, output_log10_titre="2.0")
    add(qa_reviewer, study, run=2, output_log10_titre="2.5")
    mulv = virus(study, "MuLV")
    assert [float(s["lrv"]) for s in mulv["steps"]] == [pytest.approx(4.5), pytest.approx(4.0)]
    assert [s["in_claim"] for s in mulv["steps"]] == [False, True]
    assert mulv["claim"] == appr(4.0)
    with pytest.raises(InvalidInput, match="already has run 2"):
        add(qa_reviewer, study, run=2)
    with pytest.raises(InvalidInput) as refused:
        add(qa_reviewer, study, run=3, mechanism="heat")
    assert refused.value.field == "mechanism"


def test_submitting_without_steps_is_refused(qa_reviewer, study):
    with pytest.raises(RuleViolation, match="no steps"):
        svc.submit(actor=qa_reviewer, study=study, reason="ready")


def test_approval_needs_the_final_report(qa_reviewer, qa_approver, study):
    add(qa_reviewer, study)
    svc.submit(actor=qa_reviewer, study=study, reason="ready")
    with pytest.raises(RuleViolation, match="final report"):
        svc.approve(actor=qa_approver, study=study, password=PASSWORD, reason="ok")


def test_the_author_of_a_step_does_not_approve_the_study(qa_reviewer, qa_approver, study):
    add(qa_approver, study)  # alex wrote a step: an author of the study
    report(qa_reviewer, study)
    svc.submit(actor=qa_reviewer, study=study, reason="ready")
    with pytest.raises(SignatureRefused, match="segregation of duties"):
        svc.approve(actor=qa_approver, study=study, password=PASSWORD, reason="ok")


def test_a_qa_reviewer_does_not_approve(qa_reviewer, operator, study):
    add(operator, study)
    report(operator, study)
    svc.submit(actor=operator, study=study, reason="ready")
    with pytest.raises(Exception, match="do not allow"):
        svc.approve(actor=qa_reviewer, study=study, password=PASSWORD, reason="ok")


def test_approval_is_signed_and_freezes_the_claim(qa_reviewer, qa_approver, study, monkeypatch):
    add(qa_reviewer, study)
    report(qa_reviewer, study)
    svc.submit(actor=qa_reviewer, study=study, reason="ready")
    svc.approve(actor=qa_approver, study=study, password=PASSWORD, reason="claim accepted")
    study.refresh_from_db()
    assert study.status == "approved"
    assert [s.signer_id for s in signatures.current(study, "approved")] == [qa_approver.pk]
    frozen = study.results
    assert frozen["viruses"][0]["claim"] == appr(4.0) and frozen["method"] == svc.METHOD
    assert frozen["provenance"]["input_sha256"] == study.steps_hash and frozen["provenance"]["versions"]["atmp"]
    # A later change of the computation does not change the signed claim.
    monkeypatch.setattr(viral, "log_reduction", lambda step: 0.5)
    results, refusal, is_frozen = svc.results_of(study)
    assert is_frozen and refusal == "" and results["viruses"][0]["claim"] == appr(4.0)


def test_steps_are_frozen_once_submitted(qa_reviewer, study):
    step = add(qa_reviewer, study)
    svc.submit(actor=qa_reviewer, study=study, reason="ready")
    with pytest.raises(Conflict, match="frozen"):
        add(qa_reviewer, study, name="Other", mechanism="heat")
    with pytest.raises(Conflict, match="frozen"):
        svc.void_step(actor=qa_reviewer, step=step, reason="typo")


def test_a_step_is_voided_with_a_reason_in_draft(qa_reviewer, study):
    add(qa_reviewer, study)
    wrong = add(qa_reviewer, study, name="Heat", mechanism="heat")
    svc.void_step(actor=qa_reviewer, step=wrong, reason="entered twice")
    assert [s["step"] for s in virus(study, "MuLV")["steps"]] == ["Low pH hold"]


def test_a_process_version_of_another_product_is_refused(qa_reviewer, site, aav):
    from atmp.manufacturing import factories as mf

    other = mf.make_processversion(actor=qa_reviewer, site=site)
    with pytest.raises(InvalidInput) as refused:
        factories.make_viralclearancestudy(actor=qa_reviewer, site=site, product=aav, process_version=other)
    assert refused.value.field == "process_version"


def test_the_report_is_stored_and_hashed(qa_reviewer, study):
    report(qa_reviewer, study)
    study.refresh_from_db()
    assert study.report.name == "report.pdf" and len(study.report.sha256) == 64
