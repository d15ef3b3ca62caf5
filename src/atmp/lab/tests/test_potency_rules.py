"""Potency assay runs: lots refused by name (unreleased, expired, wrong type), the plate parsed and refused
by line, the outcome frozen equal to atmp.stats on the same data, the validity criteria deciding valid or
invalid, the reviewer not the analyst, and only valid reviewed runs combined into a batch's potency."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest

from atmp.accounts.errors import InvalidInput
from atmp.lab import factories
from atmp.lab.models import PotencyResult, PotencyRun
from atmp.lab.services import potency as svc
from atmp.ledger import clock
from atmp.ledger.errors import RuleViolation
from atmp.manufacturing import factories as mf
from atmp.stats import potency as rp
from atmp.testing import PASSWORD
from atmp.trace import factories as tf

pytestmark = pytest.mark.django_db


@pytest.fixture
def method(qa_reviewer):
    return factories.make_potency_method(actor=qa_reviewer, max_ci_ratio="2", reference_low="0.5", reference_high="1")


@pytest.fixture
def reference(qa_reviewer, site):
    return factories.make_reference_lot(actor=qa_reviewer, site=site)


def add(actor, site, method, reference, **fields):
    plate = fields.pop("plate", factories.potency_plate())
    fields.setdefault("run_date", clock.now().date())
    return svc.add_run(
        actor=actor, site=site, method=method, reference_lot=reference, plate=io.BytesIO(plate), **fields
    )


def test_a_run_is_numbered_and_stores_its_plate_file_and_wells(qa_reviewer, site, method, reference):
    run = add(qa_reviewer, site, method, reference)
    assert run.number.startswith("PR-") and run.status == "draft" and run.analyst == qa_reviewer
    assert len(run.plate) == 48 and run.plate[0][0] == "A1"
    assert run.plate_file.sha256 and run.plate_file.size == len(factories.potency_plate())


def test_an_unreleased_reference_lot_is_refused_naming_the_rule(qa_reviewer, site, method):
    material = tf.make_material(actor=qa_reviewer, type="reference_standard")
    lot = tf.make_lot(actor=qa_reviewer, material=material, site=site)
    with pytest.raises(RuleViolation, match="reference_lot: .*quarantine; only a lot released by QA"):
        add(qa_reviewer, site, method, lot)
    assert not PotencyRun.objects.exists()


def test_an_expired_reference_lot_is_refused(qa_reviewer, site, method):
    today = clock.now().date()
    lot = factories.make_reference_lot(actor=qa_reviewer, site=site, expiry_date=today)
    run = add(qa_reviewer, site, method, lot, run_date=today)  # expiring on the run date: still good
    assert run.reference_lot == lot
    old = factories.make_reference_lot(actor=qa_reviewer, site=site, expiry_date=today + dt.timedelta(days=10))
    from atmp.ledger import writer

    with writer.change(actor=qa_reviewer, reason="test: the expiry as printed on the vial"):
        old.expiry_date = today - dt.timedelta(days=1)
        old.save()
    with pytest.raises(RuleViolation, match="reference_lot: .*expired on"):
        add(qa_reviewer, site, method, old)
    assert PotencyRun.objects.count() == 1


def test_a_lot_of_the_wrong_material_type_is_refused(qa_reviewer, site, method):
    reagent = factories.make_reagent_lot(actor=qa_reviewer, site=site)
    with pytest.raises(RuleViolation, match="reference_lot: .*critical reagent, not a reference standard"):
        add(qa_reviewer, site, method, reagent)
    reference = factories.make_reference_lot(actor=qa_reviewer, site=site)
    with pytest.raises(RuleViolation, match="reagent_lots: .*reference standard, not a critical reagent"):
        add(qa_reviewer, site, method, reference, reagent_lots=[reference.number])
    run = add(qa_reviewer, site, method, reference, reagent_lots=[reagent.number])
    assert run.reagent_lots == [reagent.number]


def test_a_method_not_of_type_potency_or_without_criteria_is_refused(qa_reviewer, site, reference):
    with pytest.raises(InvalidInput, match="method"):
        add(qa_reviewer, site, factories.make_method(actor=qa_reviewer), reference)
    bare = factories.make_method(actor=qa_reviewer, method_type="potency")
    with pytest.raises(InvalidInput, match="no run validity criteria"):
        add(qa_reviewer, site, bare, reference)


@pytest.mark.parametrize(
    ("plate", "message"),
    [
        (b"well,prep,dose,response\n", "header"),
        (b"well,preparation,dose,response\nZ9,S,1,1\n", "line 2: well 'Z9'"),
        (b"well,preparation,dose,response\nA1,S,1,1\nA1,T,1,1\n", "line 3: well A1 appears twice"),
        (b"well,preparation,dose,response\nA1,S,0,1\n", "line 2: the dose"),
        (b"well,preparation,dose,response\nA1,S,1,x\n", "must be a number"),
        (b"well,preparation,dose,response\nA1,S,1,1\nA2,X,1,1\n", "preparations must be"),
    ],
)
def test_a_bad_plate_is_refused_naming_the_line(qa_reviewer, site, method, reference, plate, message):
    with pytest.raises(InvalidInput, match=message) as caught:
        add(qa_reviewer, site, method, reference, plate=plate)
    assert caught.value.field == "plate"
    assert not PotencyRun.objects.exists()


def _inputs(plate: bytes):
    rows = [line.split(",") for line in plate.decode().splitlines()[1:]]
    return [r[1] for r in rows], np.array([float(r[2]) for r in rows]), np.array([float(r[3]) for r in rows])


def test_the_frozen_numbers_equal_the_stats_functions_on_the_same_data(qa_reviewer, site, method, reference):
    plate = factories.potency_plate(seed=4, potency=1.2)
    run = svc.evaluate(actor=qa_reviewer, run=add(qa_reviewer, site, method, reference, plate=plate))
    expected = rp.parallel_line(*_inputs(plate), standard="S").ratios[0]
    assert run.status == "evaluated" and run.valid is True and run.results["failed"] == []
    assert isinstance(run.results["potency"], str)
    assert float(run.results["potency"]) == expected.potency_ratio
    assert float(run.results["lower"]) == expected.lower and float(run.results["upper"]) == expected.upper
    assert run.results["provenance"]["method"].startswith("Parallel-line")
    assert len(run.results["provenance"]["input_sha256"]) == 64


def test_the_4pl_frozen_numbers_equal_relative_potency(qa_reviewer, site, reference):
    method = factories.make_potency_method(actor=qa_reviewer, slope_ratio_low="0.8", slope_ratio_high="1.25")
    plate = factories.potency_plate(seed=5, potency=0.9, shape="logistic")
    run = svc.evaluate(actor=qa_reviewer, run=add(qa_reviewer, site, method, reference, plate=plate, model="four_pl"))
    expected = rp.relative_potency(*_inputs(plate), standard="S", slope_ratio_margin=(0.8, 1.25))
    assert float(run.results["potency"]) == expected.ratios["T"][0]
    assert run.valid is True
    assert [c["criterion"] for c in run.results["criteria"]] == ["parallelism"]


def test_a_non_parallel_run_is_invalid_with_the_failed_criterion(qa_reviewer, site, method, reference):
    plate = factories.potency_plate(seed=3, test_slope=1.6)
    run = svc.evaluate(actor=qa_reviewer, run=add(qa_reviewer, site, method, reference, plate=plate))
    assert run.status == "evaluated" and run.valid is False
    assert "parallelism" in run.results["failed"]
    assert svc.usable_for_release(run).startswith("invalid assay run used for release")


def test_a_reference_response_outside_its_range_makes_the_run_invalid(qa_reviewer, site, reference):
    method = factories.make_potency_method(actor=qa_reviewer, reference_low="2", reference_high="3")
    run = svc.evaluate(actor=qa_reviewer, run=add(qa_reviewer, site, method, reference))
    assert run.results["failed"] == ["reference_response"]


def test_a_lot_released_then_expired_before_evaluation_refuses_evaluation(qa_reviewer, site, method, reference):
    run = add(qa_reviewer, site, method, reference, run_date=clock.now().date())
    from atmp.ledger import writer

    with writer.change(actor=qa_reviewer, reason="test: expiry"):
        reference.expiry_date = clock.now().date() - dt.timedelta(days=1)
        reference.save()
    run.refresh_from_db()
    with pytest.raises(RuleViolation, match="expired"):
        svc.evaluate(actor=qa_reviewer, run=run)
    run.refresh_from_db()
    assert run.status == "draft" and run.results == {}


def test_the_analyst_does_not_review_their_own_run(qa_reviewer, site, method, reference):
    run = svc.evaluate(actor=qa_reviewer, run=add(qa_reviewer, site, method, reference))
    with pytest.raises(Exception, match="analyst|author|own"):
        svc.review(actor=qa_reviewer, run=run, password=PASSWORD, reason="mine")
    run.refresh_from_db()
    assert run.status == "evaluated"
    assert svc.usable_for_release(run).startswith("unreviewed assay run")
    svc.review(actor=factories.reviewer(), run=run, password=PASSWORD, reason="checked")
    assert run.status == "reviewed" and svc.usable_for_release(run) is None


def test_the_outcome_is_frozen_once_evaluated(qa_reviewer, site, method, reference):
    from atmp.ledger import writer
    from atmp.ledger.errors import Conflict

    run = svc.evaluate(actor=qa_reviewer, run=add(qa_reviewer, site, method, reference))
    with pytest.raises(Conflict, match="frozen"), writer.change(actor=qa_reviewer, reason="tamper"):
        run.plate = run.plate[:10]
        run.save()


@pytest.fixture
def batch(qa_reviewer):
    return mf.make_batch(actor=qa_reviewer)


def runs_of(actor, batch, method, specs):
    reference = factories.make_reference_lot(actor=actor, site=batch.site)
    out = []
    for seed, potency, slope in specs:
        run = add(
            actor,
            batch.site,
            method,
            reference,
            batch=batch,
            plate=factories.potency_plate(seed=seed, potency=potency, test_slope=slope),
        )
        svc.evaluate(actor=actor, run=run)
        out.append(svc.review(actor=factories.reviewer(), run=run, password=PASSWORD, reason="checked"))
    return out


def test_valid_reviewed_runs_are_combined_as_the_stats_function_does(qa_reviewer, batch, method):
    runs = runs_of(qa_reviewer, batch, method, [(2, 1.0, 1.0), (5, 1.1, 1.0), (6, 0.95, 1.0)])
    result = svc.combine(actor=qa_reviewer, batch=batch, runs=runs)
    values = [np.array([float(r.results[k]) for r in runs]) for k in ("potency", "lower", "upper")]
    expected = rp.combine_runs(*values, dfs=np.array([float(r.results["residual_df"]) for r in runs]))
    assert float(svc.result_values(result)["potency"]) == expected.potency
    assert result.runs == [r.number for r in runs] and result.number.startswith("PP-")


def test_an_invalid_run_is_refused_for_combination(qa_reviewer, batch, method):
    runs = runs_of(qa_reviewer, batch, method, [(2, 1.0, 1.0), (3, 1.0, 1.6)])
    assert runs[1].valid is False
    with pytest.raises(RuleViolation, match="runs: invalid assay run used for release: PR-.* failed parallelism"):
        svc.combine(actor=qa_reviewer, batch=batch, runs=runs)
    assert not PotencyResult.objects.exists()
    single = svc.combine(actor=qa_reviewer, batch=batch, runs=runs[:1])
    values = svc.result_values(single)
    assert values["method"] == "single run" and values["potency"] == runs[0].results["potency"]


def test_an_unreviewed_run_or_another_batchs_run_is_refused(qa_reviewer, batch, method, site, reference):
    run = svc.evaluate(
        actor=qa_reviewer,
        run=add(
            qa_reviewer,
            batch.site,
            method,
            factories.make_reference_lot(actor=qa_reviewer, site=batch.site),
            batch=batch,
        ),
    )
    with pytest.raises(RuleViolation, match="unreviewed assay run"):
        svc.combine(actor=qa_reviewer, batch=batch, runs=[run])
    other = runs_of(qa_reviewer, mf.make_batch(actor=qa_reviewer), method, [(2, 1.0, 1.0)])
    with pytest.raises(InvalidInput, match="does not measure batch"):
        svc.combine(actor=qa_reviewer, batch=batch, runs=other)
