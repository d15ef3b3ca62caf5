"""The demo's QC results: three batches sampled and tested, every result reviewed, one OOS in phase II."""

from __future__ import annotations

import pytest

from atmp.lab.demo_disposition import AWAITING, CONDITIONAL
from atmp.lab.demo_results import BATCHES
from atmp.lab.models import Result, Sample
from atmp.lab.services.oos import all_investigations
from atmp.lab.services.results import reviewed_by


@pytest.fixture
def loaded(db, demo_data):
    return demo_data


def test_release_samples_are_tested_and_reviewed(loaded):
    # The first BATCHES batches, and the disposition demo's conditionally released ones (all but
    # sterility at release, sterility late: one conforms and is reviewed, one fails).
    # The batch awaiting the QP has all but sterility.
    tested = BATCHES + CONDITIONAL + AWAITING
    assert Sample.objects.filter(purpose="release", status="in_testing").count() == tested
    results = list(Result.objects.filter(sample__purpose="release"))  # the stability study's are its own
    assert len(results) == tested * 14 - AWAITING
    unreviewed = [r for r in results if not reviewed_by(r)]
    assert [(r.attribute.name, r.conforms) for r in unreviewed] == [("Sterility", False)]


def test_one_oos_in_phase_2_and_the_late_sterility_failure_in_phase_1(loaded):
    hcp, sterility = all_investigations().order_by("number")
    assert hcp.status == "phase_2" and hcp.phase_1_finding
    assert hcp.result.attribute.name == "Host cell protein" and hcp.result.conforms is False
    assert sterility.status == "phase_1" and sterility.result.attribute.name == "Sterility"
