"""Personas and records of the quality tests: a QP besides the root conftest's personas, a site,
changes and assessments made by the factories."""

from __future__ import annotations

import pytest

from atmp.testing import PASSWORD, make_user


@pytest.fixture
def qp(db):
    return make_user("qualified_person", username="quinn", full_name="Quinn QP", password=PASSWORD)


@pytest.fixture
def approved_ra(qa_reviewer, site):
    from atmp.quality.factories import make_approved_riskassessment

    return make_approved_riskassessment(actor=qa_reviewer, site=site)


@pytest.fixture
def change(qa_reviewer, site, approved_ra):
    from atmp.quality.factories import make_changecontrol

    return make_changecontrol(actor=qa_reviewer, site=site, risk_assessment=approved_ra)


@pytest.fixture
def draft_ra(qa_reviewer, site):
    from atmp.quality.factories import make_riskassessment

    return make_riskassessment(actor=qa_reviewer, site=site)
