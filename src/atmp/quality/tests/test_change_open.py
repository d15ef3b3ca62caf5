"""Opening a change control: numbered, what it affects as lists and as links, its risk assessment linked."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger import clock
from atmp.quality.factories import make_changecontrol
from atmp.quality.services.changes import REVISED_TYPES, link_affected, link_risk_assessment, open_change
from atmp.quality.workflows.changes import risk_assessments
from atmp.testing import make_site
from atmp.workflow import links

pytestmark = pytest.mark.django_db


def test_it_numbers_changes_and_keeps_what_they_affect(operator, site):
    made = open_change(
        actor=operator,
        site=site,
        title="New culture medium supplier",
        affected_products=["AAV9-SMN"],
        affected_processes=["Upstream", "Harvest"],
        affected_equipment=["BR-200"],
    )
    assert made.number == f"CC-{clock.now().year}-0001" and made.status == "draft"
    assert made.affected_processes == ["Upstream", "Harvest"]


def test_records_it_affects_are_linked_in_the_same_change(operator, site):
    other = make_site()
    made = open_change(actor=operator, site=site, title="Move QC to the new site", affected_records=[other])
    assert [s.reads for s in links.for_record(made)] == ["concerns"]
    assert links.linked(made, relation="concerns") == [other]


def test_a_document_it_affects_is_revised_anything_else_concerned():
    assert REVISED_TYPES == ("quality.document",)


def test_its_risk_assessment_supports_it(qa_reviewer, site, approved_ra):
    made = make_changecontrol(actor=qa_reviewer, site=site, risk_assessment=None)
    link_risk_assessment(actor=qa_reviewer, change=made, assessment=approved_ra, reason="assessed")
    assert risk_assessments(made) == [approved_ra]


def test_a_record_that_is_not_a_risk_assessment_is_refused_as_one(qa_reviewer, site, change):
    with pytest.raises(InvalidInput, match="not a risk assessment"):
        link_risk_assessment(actor=qa_reviewer, change=change, assessment=site)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"regulatory_classification": "type_iii"}, "regulatory_classification"),
        ({"affected_products": "AAV9"}, "affected_products"),
        ({"affected_sites": ["LEI", "LEI"]}, "affected_sites"),
        ({"comparability_required": "yes"}, "comparability_required"),
        ({"effectiveness_review": "fine"}, "effectiveness_review"),
        ({"status": "closed"}, "status"),
    ],
)
def test_it_refuses_bad_input_naming_the_field_and_writes_nothing(operator, site, fields, field):
    from atmp.quality.models.changes import ChangeControl

    with pytest.raises(InvalidInput) as refused:
        open_change(actor=operator, site=site, **{"title": "T", **fields})
    assert refused.value.field == field
    assert not ChangeControl.objects.exists()


def test_a_closed_change_takes_no_new_links(qa_reviewer, qa_approver, change):
    from atmp.ledger.errors import Conflict
    from atmp.quality.tests.helpers_change import move

    move(qa_approver, change, "cancel")
    with pytest.raises(Conflict, match="no new links"):
        link_affected(actor=qa_reviewer, change=change, record=make_site())
