"""The demo's viral clearance study of AAV9-SMN: approved by QA, claims frozen per virus, one step with
no virus detected (≥) and one excluded with its reason."""

from __future__ import annotations

import pytest

from atmp.lab.models import ViralClearanceStudy
from atmp.ledger import signatures


@pytest.fixture
def loaded(db, demo_data):
    return demo_data


def test_the_demo_study_is_approved_with_frozen_claims_per_virus(loaded):
    study = ViralClearanceStudy.objects.get(product__code="AAV9-SMN")
    assert study.status == "approved" and study.report is not None
    assert signatures.current(study, "approved")
    claims = {v["virus"]: v for v in study.results["viruses"]}
    assert set(claims) == {"MuLV", "MMV"}
    assert claims["MuLV"]["claim_text"].startswith("≥ ") and not claims["MMV"]["claim_greater_equal"]
    mmv_steps = claims["MMV"]["steps"]
    assert [s["counted"] for s in mmv_steps] == [False, True, True]
    assert mmv_steps[0]["reason"].startswith("excluded: Detergent does not inactivate")
    assert loaded["modules"]["lab"]["viral"]["number"] == study.number
