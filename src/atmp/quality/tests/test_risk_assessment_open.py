"""Opening a risk assessment: numbered per year, the site's scale frozen into it."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger import clock
from atmp.quality.services.risk import open_assessment, set_scale
from atmp.testing import make_site, make_user

pytestmark = pytest.mark.django_db


def test_it_numbers_assessments_per_year(operator, site):
    year = clock.now().year
    first = open_assessment(actor=operator, site=site, title="Fill line", product="AAV9-SMN")
    second = open_assessment(actor=operator, site=site, title="Harvest", process="Harvest")
    assert (first.number, second.number) == (f"RA-{year}-0001", f"RA-{year}-0002")
    assert first.status == "draft" and str(first) == f"RA-{year}-0001 Fill line"


def test_the_sites_scale_is_frozen_into_the_assessment(qa_reviewer, site):
    set_scale(actor=qa_reviewer, site=site, reason="", major_rpn=20, critical_rpn=60)
    made = open_assessment(actor=qa_reviewer, site=site, title="Fill line")
    set_scale(actor=qa_reviewer, site=site, reason="recalibrated", major_rpn=30, critical_rpn=70)
    assert made.scale().major_rpn == 20


@pytest.mark.parametrize(("fields", "field"), [({"title": " "}, "title"), ({"product": "x" * 201}, "product")])
def test_it_refuses_bad_input_naming_the_field(operator, site, fields, field):
    with pytest.raises(InvalidInput) as refused:
        open_assessment(actor=operator, site=site, **{"title": "T", **fields})
    assert refused.value.field == field


def test_it_refuses_a_site_that_is_not_the_users(site):
    elsewhere = make_site()
    local = make_user("operator", site=site)
    with pytest.raises(InvalidInput, match="site"):
        open_assessment(actor=local, site=elsewhere, title="T")
