"""The demo's stability study of AAV9-SMN: three batches at -65 °C or colder, pulled at six time points,
potency and full capsids tested, the report signed with the shelf-life estimate frozen."""

from __future__ import annotations

import numpy as np
import pytest

from atmp.lab.models import PullState, Sample, StabilityStudy
from atmp.lab.services import stability as svc
from atmp.ledger import signatures
from atmp.stats import shelf_life as q1e


@pytest.fixture
def loaded(db, demo_data):
    return demo_data


def test_the_demo_study_is_reported_with_a_frozen_estimate(loaded):
    study = StabilityStudy.objects.get(product__code="AAV9-SMN")
    assert study.status == "reported"
    assert signatures.current(study, "approved")
    pulls = svc.pulls(study)
    assert len(pulls) == 18 and {p.state for p in pulls} == {PullState.TESTED}
    assert {Sample.objects.get(pk=p.sample_id).purpose for p in pulls} == {"stability"}
    assert study.estimate_hash == svc.estimate_hash(study.estimate)
    assert study.estimate == svc.compute_estimate(study)
    potency = next(e for e in study.estimate["entries"] if e["attribute"].startswith("Potency"))
    rows = [(b, m, float(v)) for b, m, v in potency["data"]]
    direct = q1e.shelf_life(
        [b for b, _, _ in rows],
        np.asarray([m for _, m, _ in rows], dtype=float),
        np.asarray([v for _, _, v in rows]),
        lower=70.0,
        upper=130.0,
    )
    assert potency["n"] == 18 and potency["model"] == direct.model
    assert float(potency["shelf_life"]) == pytest.approx(direct.shelf_life, abs=1e-6)
    assert direct.shelf_life > 18
    # Frozen storage: no extrapolation beyond the 18 months of long-term data (ICH Q1E Appendix A).
    assert study.estimate["shelf_life_months"] == 18
    summary = loaded["modules"]["lab"]["stability"]
    assert summary["studies"][study.number] == {"status": "reported", "shelf_life_months": 18}
