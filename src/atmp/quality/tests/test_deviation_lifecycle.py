"""A deviation from opening to closure: investigation, CAPA for a major one, QA's signed approval."""

from __future__ import annotations

import pytest

from atmp.ledger import signatures
from atmp.ledger.errors import RuleViolation, SignatureRefused
from atmp.quality.factories import make_capa, make_deviation
from atmp.quality.services.deviations import classify, update_deviation
from atmp.testing import PASSWORD
from atmp.workflow import engine, links

pytestmark = pytest.mark.django_db


@pytest.fixture
def major(qa_reviewer, operator, site):
    deviation = make_deviation(actor=operator, site=site)
    classify(actor=qa_reviewer, deviation=deviation, severity=3, occurrence=3, detectability=2, reason="triage")
    engine.transition(qa_reviewer, deviation, "start_investigation", reason="investigate")
    return update_deviation(
        actor=operator,
        deviation=deviation,
        reason="investigated",
        impact_assessment="Batch B-001 was filtered again; no other batch affected.",
        root_cause="The housing was not tightened.",
        root_cause_method="fishbone",
        root_cause_categories="personnel,method",
    )


def test_investigation_starts_only_once_classified(qa_reviewer, operator, site):
    deviation = make_deviation(actor=operator, site=site)
    with pytest.raises(Exception, match="classif"):
        engine.transition(qa_reviewer, deviation, "start_investigation", reason="go")


def test_a_major_deviation_needs_a_capa_before_review(major, operator):
    with pytest.raises(RuleViolation, match="needs a CAPA"):
        engine.transition(operator, major, "submit", reason="done")
    make_capa(actor=operator, site=major.site, source=major)
    engine.transition(operator, major, "submit", reason="done")
    assert major.status == "qa_review"


def test_qa_approves_and_closes_with_a_signature(major, operator, qa_approver):
    make_capa(actor=operator, site=major.site, source=major)
    engine.transition(operator, major, "submit", reason="done")
    engine.transition(qa_approver, major, "close", reason="investigation adequate", password=PASSWORD)
    assert major.status == "closed"
    (sig,) = signatures.current(major, "approved")
    assert sig.signer_id == qa_approver.pk and sig.record_version == major.version


def test_the_investigator_cannot_approve_their_own_investigation(major, qa_reviewer, operator):
    from atmp.testing import make_user

    make_capa(actor=operator, site=major.site, source=major)
    engine.transition(operator, major, "submit", reason="done")
    # An approver who edited the investigation is one of its authors.
    approver = make_user("qa_approver", password=PASSWORD)
    update_deviation(actor=approver, deviation=major, reason="typo", root_cause="The housing was loose.")
    with pytest.raises(SignatureRefused, match="segregation of duties"):
        engine.transition(approver, major, "close", reason="ok", password=PASSWORD)


def test_a_fishbone_category_must_be_known(major, operator):
    from atmp.accounts.errors import InvalidInput

    with pytest.raises(InvalidInput, match="not among") as refused:
        update_deviation(actor=operator, deviation=major, reason="r", root_cause_categories="weather")
    assert refused.value.field == "root_cause_categories"


def test_the_impact_on_a_record_is_a_link(major, operator, site):
    from atmp.quality.services.deviations import add_impact

    add_impact(actor=operator, deviation=major, record=site, reason="the site's cleanroom")
    assert links.linked(major, relation="concerns") == [site]
