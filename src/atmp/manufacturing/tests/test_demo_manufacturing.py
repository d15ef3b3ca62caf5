"""The demo's manufacturing: two process versions of AAV9-SMN (v2 by the approved change control), and
equipment of which the balance is out of calibration, refused for use and on My work."""

from __future__ import annotations

import pytest

from atmp.accounts.models import User
from atmp.ledger import clock
from atmp.manufacturing import demo as manufacturing_demo
from atmp.manufacturing import demo_batches
from atmp.manufacturing.models import ProcessVersion
from atmp.manufacturing.services.equipment import find_equipment, usable
from atmp.workflow.work import work_for


@pytest.fixture
def loaded(db, demo_data):
    return demo_data


def test_version_2_was_made_effective_with_its_change_control_and_superseded_version_1(loaded):
    versions = ProcessVersion.objects.filter(product__code=manufacturing_demo.PRODUCT).order_by("number")
    assert [(v.number, v.status) for v in versions] == [(1, "superseded"), (2, "effective")]
    assert loaded["modules"]["manufacturing"]["process_versions"] == 2


def test_the_balance_is_out_of_calibration_and_the_cabinet_usable_by_the_running_batch_alone(loaded):
    now, running = clock.now(), _batch(demo_batches.IN_PROGRESS)
    assert usable(find_equipment("BAL-01"), on=now).startswith("calibration overdue: BAL-01")
    cabinet = find_equipment("BSC-01")
    assert usable(cabinet, on=now, equipment_class="bsc", batch=running.number) is None
    assert usable(cabinet, on=now, equipment_class="bsc", batch=_batch(demo_batches.PLANNED).number) == (
        f"not clean: BSC-01 is dirty from batch {running.number}; clean it before use"
    )


def test_the_overdue_calibration_is_on_the_operator_s_work(loaded):
    olga = User.objects.get(username="olga")
    assert any(i.kind == "calibration" and i.overdue and "BAL-01" in i.title for i in work_for(olga))


def test_each_process_version_has_an_approved_master_batch_record(loaded):
    from atmp.ledger.models import Signature
    from atmp.manufacturing.models import MasterBatchRecord
    from atmp.manufacturing.selectors.mbr import steps_of

    records = MasterBatchRecord.objects.filter(process_version__product__code=manufacturing_demo.PRODUCT)
    found = sorted((m.process_version.number, m.number, m.status) for m in records)
    assert found == [(1, 1, "superseded"), (2, 1, "effective")]
    current = records.get(status="effective")
    steps = steps_of(current)
    assert 8 <= len(steps) <= 12 and current.copied_from_id is not None
    assert any(s.parallel_with_previous for s in steps) and {"A", "C"} <= {s.room_grade for s in steps}
    assert all(s.sops.all() or not s.verification for s in steps)
    assert Signature.objects.filter(
        record_type=current.record_type(), record_id=str(current.pk), meaning="approved"
    ).exists()


def test_the_demo_rooms_hold_their_products_and_one_needs_a_changeover(loaded):
    from atmp.environment.services.rooms import find_room
    from atmp.manufacturing.services.products import find_product
    from atmp.manufacturing.services.rooms import room_ready

    now, aav = clock.now(), find_product(manufacturing_demo.PRODUCT)
    assert room_ready(find_room("LEI", "PR-C"), product=aav, on=now).startswith(
        "changeover missing: room PR-C was last used for LV-CD19 (GMO class 2, batch LV-26-001)"
    )
    assert room_ready(find_room("LEI", "FS-B"), product=aav, grade_required="B", on=now) is None
    assert room_ready(find_room("LEI", "FS-A"), product=aav, on=now).startswith("line clearance missing")
    assert usable(find_equipment("CEN-01"), on=now, product=aav).startswith("changeover missing: CEN-01")
    quentin = User.objects.get(username="quentin")
    assert any(i.record.startswith("manufacturing.lineclearance:") for i in work_for(quentin))


def _batch(n):
    from atmp.manufacturing.models import Batch

    return Batch.objects.filter(product__code=manufacturing_demo.PRODUCT).order_by("pk")[n - 1]


def test_the_demo_holds_a_dozen_batches_most_reviewed_one_running_one_planned(loaded):
    from atmp.ledger.models import Signature
    from atmp.manufacturing.models import Batch

    batches = list(Batch.objects.filter(product__code=manufacturing_demo.PRODUCT).order_by("pk"))
    assert len(batches) == 12 and all(b.mbr.status == "effective" for b in batches)
    states = {n: b.status for n, b in enumerate(batches, 1)}
    assert states[demo_batches.IN_PROGRESS] == "in_progress" and states[demo_batches.PLANNED] == "planned"
    assert states[demo_batches.PAR_BATCH] == "executed"
    assert [n for n, s in states.items() if s == "reviewed"] == [1, 2, 3, 5, 6, 7, 8, 9, 10]
    for batch in batches:
        reviewed = Signature.objects.filter(
            record_type="manufacturing.batch", record_id=str(batch.pk), meaning="reviewed"
        )
        assert reviewed.exists() == (batch.status == "reviewed")
    assert loaded["modules"]["manufacturing"]["batches"]["batches"] == {
        "reviewed": 9, "executed": 1, "in_progress": 1, "planned": 1
    }  # fmt: skip


def test_every_done_step_has_its_entries_and_the_verifications_the_master_record_asks(loaded):
    from atmp.manufacturing.models import BatchStep
    from atmp.manufacturing.selectors.batches import live_entries, missing_entries, needs_verification, verified_ids

    done = BatchStep.objects.filter(batch__product__code=manufacturing_demo.PRODUCT, progress="done")
    assert done.count() == 10 * 11 + 1  # ten batches executed, and the running batch's first step
    asked = 0
    for step in done.select_related("mbr_step", "batch"):
        assert missing_entries(step) == []
        live = live_entries(step)
        wanted = [e for e in live if needs_verification(e, step.mbr_step)]
        assert {e.pk for e in wanted} <= verified_ids(live)
        asked += len(wanted)
    assert asked > 100


def test_a_value_outside_its_proven_acceptable_range_opened_its_deviation_and_qa_assessed_it(loaded):
    from atmp.manufacturing.models import BatchEntry
    from atmp.manufacturing.selectors.batches import exceptions

    batch = _batch(demo_batches.PAR_BATCH)
    entry = BatchEntry.objects.get(step__batch=batch, flag="out_of_par")
    deviation = entry.deviation
    assert entry.parameter.name == "Incubator temperature" and deviation is not None
    assert deviation.status == "investigation" and deviation.classification and deviation.impact_assessment
    kinds = {e.kind for e in exceptions(batch)}
    assert {"deviation", "out_of_range"} <= kinds


def test_one_batch_holds_a_correction_with_its_reason_and_another_an_acknowledged_warning(loaded):
    from atmp.manufacturing.models import BatchEntry
    from atmp.manufacturing.selectors.batches import exceptions

    corrected = BatchEntry.objects.get(step__batch=_batch(demo_batches.CORRECTED_BATCH), supersedes__isnull=False)
    assert corrected.supersedes.value == "45" and corrected.correction_reason.startswith("transcription error")
    warned = exceptions(_batch(demo_batches.WARNING_BATCH))
    assert [e.kind for e in warned if e.kind == "acknowledged_warning"] == ["acknowledged_warning"]
    assert exceptions(_batch(1)) == []


def test_an_alert_level_particle_count_in_the_batch_s_room_is_on_its_review_by_exception(loaded):
    from atmp.manufacturing.selectors.batches import exceptions

    found = [e for e in exceptions(_batch(demo_batches.EM_BATCH)) if e.kind == "em_excursion"]
    assert len(found) == 1 and "EM alert level" in found[0].text and "FS-A/A-PC1" in found[0].text


def test_each_executed_batch_consumed_its_lots_into_its_output_lot(loaded):
    from atmp.trace.models import Use

    batch = _batch(1)
    inputs = set(Use.objects.filter(output=batch.output_lot, voided=False).values_list("input__number", flat=True))
    assert inputs >= {"MED-001-26-0042", "WCB-HEK293-26-02", "PEI-001-26-003", "DS-AAV9-26-003"}


def test_the_printed_command_for_the_quarantined_lot_is_refused_naming_the_rule_and_writes_nothing(loaded, monkeypatch):
    import shlex

    from click.testing import CliRunner

    from atmp.cli.main import main
    from atmp.ledger.models import AuditEntry

    text = "\n".join(manufacturing_demo.describe(loaded["modules"]["manufacturing"]))
    line = next(x.strip() for x in text.splitlines() if "batch add" in x)
    env, *argv = shlex.split(line)
    assert env.startswith("ATMP_PASSWORD=") and argv[:4] == ["atmp", "manufacturing", "batch", "add"]
    assert argv[4] == _batch(demo_batches.IN_PROGRESS).number
    monkeypatch.setenv("ATMP_PASSWORD", env.partition("=")[2])
    before = AuditEntry.objects.count()
    done = CliRunner().invoke(main, argv[1:])
    assert done.exit_code == 2, done.output
    assert f"lot {demo_batches.QUARANTINED_LOT} is quarantine: only a released lot is used" in done.output
    assert AuditEntry.objects.count() == before


def test_the_running_batch_waits_for_the_rest_of_its_seed_train(loaded):
    from atmp.manufacturing.selectors.batches import missing_entries

    step = _batch(demo_batches.IN_PROGRESS).steps.get(number=demo_batches.REFUSED_STEP)
    assert step.progress == "in_progress" and step.operator.username == "olga"
    assert missing_entries(step)[:3] == [
        "parameter Passage confluence",
        "parameter Cell age at the end of the seed train",
        "control Viable cell density",
    ]


def test_each_executed_batch_recorded_its_cells_age_within_the_working_cell_bank_s_limit(loaded):
    from atmp.manufacturing.models import BatchEntry

    ages = BatchEntry.objects.filter(parameter__unit="{passage}", voided=False)
    assert ages.count() >= 9
    assert all(e.flag == "ok" and int(e.value) <= 20 for e in ages)
