"""The demo's QC results: three batches sampled and tested, every result reviewed, one OOS in phase II."""

from __future__ import annotations

import pytest

from atmp.lab.demo_results import BATCHES
from atmp.lab.models import Result, Sample
from atmp.lab.services.oos import all_investigations
from atmp.lab.services.results import reviewed_by


@pytest.fixture
def loaded(db, demo_data):
    return demo_data


def test_release_samples_are_tested_and_reviewed(loaded):
    assert Sample.objects.filter(purpose="release", status="in_testing").count() == BATCHES
    results = list(Result.objects.filter(sample__purpose="release"))  # the stability study's are its own
    assert len(results) == BATCHES * 14
    assert all(reviewed_by(r) for r in results)


def test_one_oos_in_phase_2(loaded):
    (oos,) = all_investigations()
    assert oos.status == "phase_2" and oos.phase_1_finding
    assert oos.result.attribute.name == "Host cell protein" and oos.result.conforms is False
