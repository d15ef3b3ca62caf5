"""The demo's manufacturing: two process versions of AAV9-SMN (v2 by the approved change control), and
equipment of which the balance is out of calibration, refused for use and on My work."""

from __future__ import annotations

import pytest

from atmp import demo
from atmp.accounts.models import User
from atmp.ledger import clock
from atmp.manufacturing import demo as manufacturing_demo
from atmp.manufacturing.models import ProcessVersion
from atmp.manufacturing.services.equipment import find_equipment, usable
from atmp.workflow.work import work_for


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker, signing_key):
    """Load the demo once for the module, in a transaction rolled back after its last test."""
    from atmp.testing import rolled_back_at_the_end

    yield from rolled_back_at_the_end(django_db_blocker, demo.load)


@pytest.fixture
def loaded(db, demo_data):
    return demo_data


def test_version_2_was_made_effective_with_its_change_control_and_superseded_version_1(loaded):
    versions = ProcessVersion.objects.filter(product__code=manufacturing_demo.PRODUCT).order_by("number")
    assert [(v.number, v.status) for v in versions] == [(1, "superseded"), (2, "effective")]
    assert loaded["modules"]["manufacturing"]["process_versions"] == 2


def test_the_balance_is_out_of_calibration_and_the_cabinet_usable(loaded):
    now = clock.now()
    assert usable(find_equipment("BAL-01"), on=now).startswith("calibration overdue: BAL-01")
    assert usable(find_equipment("BSC-01"), on=now, equipment_class="bsc") is None


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
