"""Supplier audits: findings while under way, and no closure while a critical or major finding lacks a CAPA."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.quality.factories import make_supplier_audit
from atmp.quality.services import suppliers
from atmp.testing import PASSWORD
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


@pytest.fixture
def reporting(qa_reviewer):
    audit = make_supplier_audit(actor=qa_reviewer, lead_auditor=qa_reviewer)
    engine.transition(qa_reviewer, audit, "start", reason="opening meeting")
    suppliers.update_audit(
        actor=qa_reviewer,
        audit=audit,
        reason="report",
        version=audit.version,
        outcome="acceptable_with_actions",
        summary="Two findings",
    )
    engine.transition(qa_reviewer, audit, "report", reason="report written")
    return audit


def test_a_finding_is_not_recorded_before_the_audit_starts(qa_reviewer):
    audit = make_supplier_audit(actor=qa_reviewer)
    with pytest.raises(Conflict, match="takes no edits"):
        suppliers.add_audit_finding(actor=qa_reviewer, audit=audit, classification="minor", description="x")


def test_reporting_needs_an_outcome(qa_reviewer):
    audit = make_supplier_audit(actor=qa_reviewer)
    engine.transition(qa_reviewer, audit, "start", reason="go")
    with pytest.raises(InvalidInput, match="outcome"):
        engine.transition(qa_reviewer, audit, "report", reason="r")


def test_a_major_finding_without_a_capa_blocks_closing(reporting, qa_reviewer, qa_approver, make_capa):
    finding = suppliers.add_audit_finding(
        actor=qa_reviewer, audit=reporting, classification="major", description="No change control"
    )
    suppliers.add_audit_finding(actor=qa_reviewer, audit=reporting, classification="minor", description="Typo")
    with pytest.raises(RuleViolation, match="needs a linked CAPA"):
        engine.transition(qa_approver, reporting, "close", reason="done", password=PASSWORD)
    suppliers.link_finding_capa(actor=qa_reviewer, finding=finding, capa=make_capa().record_key, reason="CAPA raised")
    engine.transition(qa_approver, reporting, "close", reason="done", password=PASSWORD)
    assert reporting.status == "closed"


def test_a_record_that_is_not_a_capa_is_refused(reporting, qa_reviewer, capa_type):
    finding = suppliers.add_audit_finding(actor=qa_reviewer, audit=reporting, classification="major", description="x")
    with pytest.raises(InvalidInput, match="capa: .* is not a CAPA"):
        suppliers.link_finding_capa(actor=qa_reviewer, finding=finding, capa=reporting.record_key)


def test_an_unknown_capa_is_refused(reporting, qa_reviewer, capa_type):
    finding = suppliers.add_audit_finding(actor=qa_reviewer, audit=reporting, classification="major", description="x")
    with pytest.raises(InvalidInput, match="no record"):
        suppliers.link_finding_capa(actor=qa_reviewer, finding=finding, capa=f"{capa_type}:99999")
