"""Submitting and approving a change: classification, risk assessment, QA's signature, a QP's for certified product,
and the authority's approval before a Type II variation or substantial modification is implemented."""

from __future__ import annotations

import pytest

from atmp.accounts import signing
from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.ledger import signatures
from atmp.ledger.errors import Conflict, RuleViolation, SignatureRefused
from atmp.quality.factories import make_changecontrol, make_riskassessment
from atmp.quality.services.changes import qp_approve, update_change
from atmp.quality.tests.helpers_change import move
from atmp.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_a_classified_assessed_change_is_approved_by_qa(qa_reviewer, qa_approver, change):
    move(qa_reviewer, change, "assess", "submit")
    move(qa_approver, change, "approve")
    assert change.status == "implementation"
    assert [s.signer_id for s in signatures.current(change, "approved")] == [qa_approver.pk]


def test_entering_approval_needs_a_classification_and_its_rationale(qa_reviewer, site, approved_ra):
    vague = make_changecontrol(
        actor=qa_reviewer,
        site=site,
        risk_assessment=approved_ra,
        regulatory_classification="",
        classification_rationale="",
    )
    move(qa_reviewer, vague, "assess")
    with pytest.raises(InvalidInput) as refused:
        move(qa_reviewer, vague, "submit")
    assert refused.value.field == "regulatory_classification"


def test_entering_approval_needs_a_linked_risk_assessment(qa_reviewer, site):
    bare = make_changecontrol(actor=qa_reviewer, site=site, risk_assessment=None)
    move(qa_reviewer, bare, "assess")
    with pytest.raises(RuleViolation, match="risk assessment"):
        move(qa_reviewer, bare, "submit")


def test_qa_approves_only_on_an_approved_risk_assessment(qa_reviewer, qa_approver, site):
    draft = make_riskassessment(actor=qa_reviewer, site=site)
    pending = make_changecontrol(actor=qa_reviewer, site=site, risk_assessment=draft)
    move(qa_reviewer, pending, "assess", "submit")
    with pytest.raises(RuleViolation, match="approved risk assessment"):
        move(qa_approver, pending, "approve")


def test_the_author_does_not_approve_their_own_change(qa_approver, site, approved_ra):
    mine = make_changecontrol(actor=qa_approver, site=site, risk_assessment=approved_ra)
    move(qa_approver, mine, "assess", "submit")
    with pytest.raises(SignatureRefused, match="segregation of duties"):
        move(qa_approver, mine, "approve")


def test_a_qp_alone_does_not_give_qas_approval(qa_reviewer, qp, change):
    move(qa_reviewer, change, "assess", "submit")
    with pytest.raises(SignatureRefused, match="QA Approver"):
        move(qp, change, "approve")
    change.refresh_from_db()
    assert change.status == "approval"


@pytest.fixture
def certified(qa_reviewer, site, approved_ra):
    made = make_changecontrol(actor=qa_reviewer, site=site, risk_assessment=approved_ra, affects_certified_product=True)
    return move(qa_reviewer, made, "assess")


def test_a_change_to_certified_product_needs_a_qps_approval_before_qas(qa_reviewer, qa_approver, qp, certified):
    move(qa_reviewer, certified, "submit")
    with pytest.raises(RuleViolation, match="Qualified Person approves it first"):
        move(qa_approver, certified, "approve")
    move(qa_approver, certified, "return")
    qp_approve(actor=qp, change=certified, password=PASSWORD)
    move(qa_reviewer, certified, "submit")
    move(qa_approver, certified, "approve")
    assert certified.status == "implementation"
    standing = signatures.current(certified, "approved")
    assert {s.signer_id for s in standing} == {qp.pk, qa_approver.pk}


def test_an_edit_after_the_qps_approval_supersedes_it(qa_reviewer, qa_approver, qp, certified):
    qp_approve(actor=qp, change=certified, password=PASSWORD)
    update_change(actor=qa_reviewer, change=certified, reason="scope widened", affected_systems=["MES"])
    move(qa_reviewer, certified, "submit")
    with pytest.raises(RuleViolation, match="Qualified Person approves it first"):
        move(qa_approver, certified, "approve")


def test_a_qp_signing_the_version_awaiting_qa_is_told_to_resubmit(qa_reviewer, qa_approver, qp, certified):
    move(qa_reviewer, certified, "submit")
    signing.sign(signer=qp, record=certified, meaning="approved", password=PASSWORD)
    with pytest.raises(RuleViolation, match="submit it again"):
        move(qa_approver, certified, "approve")
    move(qa_approver, certified, "return")
    move(qa_reviewer, certified, "submit")
    move(qa_approver, certified, "approve")
    assert certified.status == "implementation"


def test_a_qa_approvers_signature_is_not_a_qps(qa_reviewer, qa_approver, certified):
    other_approver = make_user("qa_approver", password=PASSWORD)
    signing.sign(signer=other_approver, record=certified, meaning="approved", password=PASSWORD)
    move(qa_reviewer, certified, "submit")
    with pytest.raises(RuleViolation, match="Qualified Person approves it first"):
        move(qa_approver, certified, "approve")


def test_the_qp_who_approved_does_not_also_give_qas_approval(qa_reviewer, certified):
    both = make_user("qa_approver", "qualified_person", password=PASSWORD)
    qp_approve(actor=both, change=certified, password=PASSWORD)
    move(qa_reviewer, certified, "submit")
    with pytest.raises(SignatureRefused, match="someone else"):
        move(both, certified, "approve")


@pytest.mark.parametrize(
    ("who", "setup", "error", "message"),
    [
        ("qa_approver", None, NotAllowed, "Qualified Person"),
        ("qp", "submit", Conflict, "before it is submitted"),
        ("qp", "not_certified", RuleViolation, "does not affect certified product"),
        ("qp", "twice", Conflict, "stands already"),
    ],
)
def test_the_qps_approval_is_refused_naming_the_rule(
    qa_reviewer, qa_approver, qp, certified, who, setup, error, message
):
    if setup == "submit":
        move(qa_reviewer, certified, "submit")
    elif setup == "not_certified":
        update_change(actor=qa_reviewer, change=certified, reason="not certified", affects_certified_product=False)
    elif setup == "twice":
        qp_approve(actor=qp, change=certified, password=PASSWORD)
    signer = qa_approver if who == "qa_approver" else qp
    with pytest.raises(error, match=message):
        qp_approve(actor=signer, change=certified, password=PASSWORD)


@pytest.mark.parametrize("classification", ["type_ii", "ct_substantial_modification"])
def test_prior_approval_classes_wait_for_the_authoritys_reference(
    qa_reviewer, qa_approver, site, approved_ra, classification
):
    made = make_changecontrol(
        actor=qa_reviewer, site=site, risk_assessment=approved_ra, regulatory_classification=classification
    )
    move(qa_reviewer, made, "assess", "submit")
    with pytest.raises(RuleViolation, match="regulatory_approval_ref"):
        move(qa_approver, made, "approve")
    move(qa_approver, made, "return")
    update_change(
        actor=qa_reviewer, change=made, reason="approved by EMA", regulatory_approval_ref="EMEA/H/C/1234/II/07"
    )
    move(qa_reviewer, made, "submit")
    move(qa_approver, made, "approve")
    assert made.status == "implementation"


@pytest.mark.parametrize("classification", ["none", "type_ia", "type_ia_in", "type_ib"])
def test_other_classes_are_implemented_without_waiting(qa_reviewer, qa_approver, site, approved_ra, classification):
    made = make_changecontrol(
        actor=qa_reviewer, site=site, risk_assessment=approved_ra, regulatory_classification=classification
    )
    move(qa_reviewer, made, "assess", "submit")
    move(qa_approver, made, "approve")
    assert made.status == "implementation"


def test_the_qps_are_told_when_a_change_to_certified_product_is_assessed(
    qa_reviewer, qp, site, approved_ra, mailoutbox, django_capture_on_commit_callbacks
):
    made = make_changecontrol(actor=qa_reviewer, site=site, risk_assessment=approved_ra, affects_certified_product=True)
    with django_capture_on_commit_callbacks(execute=True):
        move(qa_reviewer, made, "assess")
    assert any(qp.email in m.to and "QP's approval" in m.subject for m in mailoutbox)


def test_qa_approvers_are_told_when_a_change_is_submitted(
    qa_reviewer, qa_approver, change, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        move(qa_reviewer, change, "assess", "submit")
    assert any(qa_approver.email in m.to and "awaits QA's approval" in m.subject for m in mailoutbox)


def test_the_page_says_before_anyone_tries_that_the_qp_who_approved_may_not_give_qas_approval(qa_reviewer, certified):
    from atmp.workflow import engine

    both = make_user("qa_approver", "qualified_person", password=PASSWORD)
    qp_approve(actor=both, change=certified, password=PASSWORD)
    move(qa_reviewer, certified, "submit")

    (approve,) = [o for o in engine.available(both, certified) if o.name == "approve"]

    assert not approve.allowed and any("someone else" in r for r in approve.reasons)
