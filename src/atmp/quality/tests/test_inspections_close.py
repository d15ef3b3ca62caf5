"""Self-inspections: planned with a lead auditor; closed only when critical and major findings have a CAPA."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import RuleViolation
from atmp.quality.factories import make_self_inspection
from atmp.quality.services import inspections
from atmp.testing import PASSWORD
from atmp.workflow import engine, links

pytestmark = pytest.mark.django_db


@pytest.fixture
def reporting(qa_reviewer):
    si = make_self_inspection(actor=qa_reviewer)
    engine.transition(qa_reviewer, si, "start", reason="opening meeting")
    return si


def to_report(actor, si):
    inspections.update_inspection(
        actor=actor,
        inspection=si,
        reason="report",
        version=si.version,
        report_summary="Fill line inspected; one major finding",
    )
    return engine.transition(actor, si, "report", reason="report written")


def test_it_is_numbered_by_its_planned_year(qa_reviewer):
    si = make_self_inspection(actor=qa_reviewer, planned_date="2027-03-01")
    assert si.number == "SI-2027-0001" and si.status == "planned"


def test_an_administrator_cannot_lead_it(qa_reviewer, sysadmin, site):
    with pytest.raises(InvalidInput, match="lead_auditor"):
        inspections.plan_inspection(
            actor=qa_reviewer, site=site, title="t", area="a", planned_date="2027-01-01", lead_auditor=sysadmin
        )


def test_closing_needs_the_report_summary(reporting, qa_reviewer, qa_approver):
    engine.transition(qa_reviewer, reporting, "report", reason="r")
    with pytest.raises(InvalidInput, match="report_summary"):
        engine.transition(qa_approver, reporting, "close", reason="r", password=PASSWORD)


def test_a_major_finding_needs_an_addressing_capa(reporting, qa_reviewer, qa_approver, make_capa):
    finding = inspections.add_finding(
        actor=qa_reviewer, inspection=reporting, classification="major", description="Airlock interlock bypassed"
    )
    inspections.add_finding(
        actor=qa_reviewer, inspection=reporting, classification="recommendation", description="Label the bins"
    )
    to_report(qa_reviewer, reporting)
    with pytest.raises(RuleViolation, match=f"{finding.record_key} \\(major\\)"):
        engine.transition(qa_approver, reporting, "close", reason="r", password=PASSWORD)
    inspections.link_finding_capa(actor=qa_reviewer, finding=finding, capa=make_capa().record_key, reason="raised")
    engine.transition(qa_approver, reporting, "close", reason="done", password=PASSWORD)
    assert reporting.status == "closed"


def test_a_finding_that_follows_up_in_a_capa_counts_too(reporting, qa_reviewer, qa_approver, make_capa):
    finding = inspections.add_finding(
        actor=qa_reviewer, inspection=reporting, classification="critical", description="x"
    )
    links.link(actor=qa_reviewer, source=finding, target=make_capa(), relation="follows_up", reason="r")
    to_report(qa_reviewer, reporting)
    engine.transition(qa_approver, reporting, "close", reason="done", password=PASSWORD)
    assert reporting.status == "closed"


def test_a_minor_finding_needs_no_capa(reporting, qa_reviewer, qa_approver):
    inspections.add_finding(actor=qa_reviewer, inspection=reporting, classification="minor", description="x")
    to_report(qa_reviewer, reporting)
    engine.transition(qa_approver, reporting, "close", reason="done", password=PASSWORD)


def test_an_unknown_classification_is_refused(reporting, qa_reviewer):
    with pytest.raises(InvalidInput, match="classification"):
        inspections.add_finding(actor=qa_reviewer, inspection=reporting, classification="severe", description="x")
