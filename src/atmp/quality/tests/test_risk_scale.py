"""A site's risk scale: scale_for falls back to the default row, then to atmp's documented default."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.quality import risk
from atmp.quality.services.risk import scale_for, set_scale
from atmp.testing import make_site, make_user

pytestmark = pytest.mark.django_db


def test_without_a_scale_a_site_scores_on_the_builtin_default(site):
    assert scale_for(site) == risk.DEFAULT_SCALE
    assert scale_for(None) == risk.DEFAULT_SCALE


def test_a_default_row_applies_to_every_site_without_its_own(qa_reviewer, site):
    set_scale(actor=qa_reviewer, site=None, reason="", major_rpn=20, critical_rpn=60)
    assert scale_for(site).major_rpn == 20
    ten = set_scale(
        actor=qa_reviewer,
        site=site,
        reason="",
        levels=10,
        major_rpn=100,
        critical_rpn=400,
        major_severity=7,
        critical_severity=9,
    )
    assert scale_for(site) == ten.scale() and scale_for(site).levels == 10
    assert scale_for(make_site()).major_rpn == 20


def test_changing_a_scale_needs_a_reason_and_keeps_one_row_per_site(qa_reviewer, site):
    first = set_scale(actor=qa_reviewer, site=site, reason="")
    with pytest.raises(InvalidInput, match="reason"):
        set_scale(actor=qa_reviewer, site=site, reason=" ", major_rpn=20)
    again = set_scale(actor=qa_reviewer, site=site, reason="calibrated on 2026 data", major_rpn=20)
    assert again.pk == first.pk and again.version == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"levels": 7}, "levels"),
        ({"major_rpn": 60, "critical_rpn": 50}, "critical_rpn"),
        ({"major_severity": 5, "critical_severity": 4}, "critical_severity"),
        ({"levels": 3}, "critical_rpn"),
        ({"severity_levels": "negligible\nserious"}, "severity_levels"),
    ],
)
def test_it_refuses_a_scale_that_does_not_hold_together(qa_reviewer, site, fields, field):
    with pytest.raises(InvalidInput) as refused:
        set_scale(actor=qa_reviewer, site=site, reason="", **fields)
    assert refused.value.field == field


def test_definitions_give_one_line_per_level(qa_reviewer, site):
    made = set_scale(actor=qa_reviewer, site=site, reason="", severity_levels="a\nb\nc\nd\ne")
    assert made.severity_levels.splitlines() == ["a", "b", "c", "d", "e"]


def test_an_operator_does_not_set_a_scale(operator, site):
    with pytest.raises(NotAllowed, match=r"quality\.decide"):
        set_scale(actor=operator, site=site, reason="")


def test_a_site_limited_qa_user_does_not_set_the_default(site):
    local = make_user("qa_approver", site=site)
    with pytest.raises(NotAllowed, match="every site"):
        set_scale(actor=local, site=None, reason="")
    assert set_scale(actor=local, site=site, reason="").site_id == site.pk
