"""The demo's potency runs of AAV9-SMN: three 4PL runs reviewed, the non-parallel one invalid and excluded,
the two valid runs combined into the batch's reportable potency."""

from __future__ import annotations

import pytest

from atmp.lab.models import PotencyResult, PotencyRun
from atmp.lab.services import potency


@pytest.fixture
def loaded(db, demo_data):
    return demo_data


def test_the_demo_runs_are_reviewed_one_invalid_and_excluded_and_combined(loaded):
    runs = list(
        PotencyRun.objects.filter(batch__number=loaded["modules"]["lab"]["potency"]["batch"]).order_by("number")
    )
    assert len(runs) == 3 and all(r.status == "reviewed" for r in runs)
    assert [r.valid for r in runs] == [True, True, False]
    assert runs[2].results["failed"] == ["parallelism"]
    assert potency.usable_for_release(runs[2]).startswith("invalid assay run used for release")
    result = PotencyResult.objects.get()
    assert result.runs == [runs[0].number, runs[1].number]
    assert 0.9 < float(potency.result_values(result)["potency"]) < 1.1
    assert loaded["modules"]["lab"]["potency"]["result"] == result.number
