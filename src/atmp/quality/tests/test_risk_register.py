"""The risk register: approved assessments of a product or process, riskiest (remaining) first."""

from __future__ import annotations

import pytest

from atmp.quality.factories import make_approved_riskassessment, make_fmearow, make_riskassessment
from atmp.quality.selectors.risk import register
from atmp.quality.tests.helpers_change import move
from atmp.testing import PASSWORD, make_site, make_user

pytestmark = pytest.mark.django_db


RESIDUAL = ("residual_severity", "residual_occurrence", "residual_detectability")


def _approved_with(actor, site, scores, **fields):
    ra = make_riskassessment(actor=actor, site=site, rows=0, **fields)
    for n, (s, o, d, residual) in enumerate(scores):
        extra = dict(zip(RESIDUAL, residual, strict=False))
        make_fmearow(
            actor=actor, assessment=ra, failure_mode=f"mode {n}", severity=s, occurrence=o, detectability=d, **extra
        )
    move(actor, ra, "submit")
    move(make_user("qa_approver", password=PASSWORD), ra, "approve")
    return ra


def test_it_lists_approved_assessments_riskiest_remaining_first(qa_reviewer, site):
    low = _approved_with(qa_reviewer, site, [(2, 2, 2, ())])
    high = _approved_with(qa_reviewer, site, [(5, 4, 4, (5, 1, 2)), (3, 3, 3, ())])
    make_riskassessment(actor=qa_reviewer, site=site)  # a draft is not in the register
    found = register(viewer=qa_reviewer, product="aav9-smn")
    assert [e.assessment.pk for e in found] == [high.pk, low.pk]
    assert [r.failure_mode for r in found[0].rows] == ["mode 1", "mode 0"]  # 27 remains above the residual 10
    assert found[0].highest == 27


def test_it_keeps_a_register_per_process(qa_reviewer, site):
    harvest = _approved_with(qa_reviewer, site, [(2, 2, 2, ())], product="", process="Harvest")
    make_approved_riskassessment(actor=qa_reviewer, site=site)
    assert [e.assessment.pk for e in register(viewer=qa_reviewer, process="harvest")] == [harvest.pk]


def test_a_site_limited_user_sees_only_their_sites(qa_reviewer, site):
    other = make_site()
    make_approved_riskassessment(actor=qa_reviewer, site=other)
    mine = make_approved_riskassessment(actor=qa_reviewer, site=site)
    local = make_user("operator", site=site)
    assert [e.assessment.pk for e in register(viewer=local, product="AAV9-SMN")] == [mine.pk]
