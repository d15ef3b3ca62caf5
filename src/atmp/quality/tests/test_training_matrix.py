"""Training requirements, each user's status (trained, due, overdue) and the matrix the KPIs count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.ledger import clock
from atmp.quality.factories import make_document, make_effective_version, make_training_requirement
from atmp.quality.selectors.documents import training_compliance, training_matrix, training_status
from atmp.quality.services import documents
from atmp.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_an_untrained_operator_is_due_then_overdue(effective, sop, operator, qa_approver):
    make_training_requirement(actor=qa_approver, document=sop, role="operator", grace_days=10)
    (item,) = training_status(operator)
    assert (item.state, item.due) == ("due", effective.effective_date + dt.timedelta(days=10))
    later = clock.now() + dt.timedelta(days=11)
    assert training_status(operator, later)[0].state == "overdue"


def test_signing_makes_the_operator_trained(effective, sop, operator, qa_approver):
    make_training_requirement(actor=qa_approver, document=sop, role="operator")
    documents.read_and_understood(actor=operator, version=effective, password=PASSWORD)
    assert [i.state for i in training_status(operator)] == ["trained"]


def test_a_requirement_of_a_named_person(effective, sop, qa_reviewer, qa_approver):
    make_training_requirement(actor=qa_approver, document=sop, user=qa_reviewer)
    assert [i.document for i in training_status(qa_reviewer)] == [sop]
    assert training_status(qa_approver) == []


def test_the_matrix_counts_required_pairs(effective, sop, qa_reviewer, qa_approver):
    olga, oscar = make_user("operator", password=PASSWORD), make_user("operator", password=PASSWORD)
    make_training_requirement(actor=qa_approver, document=sop, role="operator")
    other = make_document(actor=qa_reviewer)
    make_effective_version(actor=qa_reviewer, approver=qa_approver, password=PASSWORD, document=other)
    make_training_requirement(actor=qa_approver, document=other, role="operator")
    documents.read_and_understood(actor=olga, version=effective, password=PASSWORD)
    matrix = training_matrix()
    assert matrix.required == 4 and matrix.count("trained") == 1 and matrix.count("due") == 3
    assert matrix.cells[(olga.pk, sop.pk)].state == "trained"
    assert matrix.compliance == Decimal("0.2500") == training_compliance()
    assert [d.number for d in matrix.documents] == sorted([sop.number, other.number])
    assert {u.pk for u in matrix.users} >= {olga.pk, oscar.pk}


def test_a_voided_requirement_no_longer_counts(effective, sop, operator, qa_approver):
    requirement = make_training_requirement(actor=qa_approver, document=sop, role="operator")
    documents.void_requirement(actor=qa_approver, requirement=requirement, reason="role no longer gowns")
    assert training_status(operator) == [] and training_matrix().compliance == Decimal("1.0000")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "role"),
        ({"role": "chef"}, "role"),
        ({"role": "inspector"}, "role"),
        ({"role": "operator", "grace_days": 999}, "grace_days"),
    ],
)
def test_bad_requirements_name_the_field(sop, qa_approver, fields, field):
    with pytest.raises(InvalidInput) as refused:
        documents.add_requirement(actor=qa_approver, document=sop, **fields)
    assert refused.value.field == field


def test_an_operator_cannot_set_requirements(sop, operator):
    with pytest.raises(NotAllowed, match="quality.decide"):
        documents.add_requirement(actor=operator, document=sop, role="operator")


def test_training_due_shows_on_my_work(effective, sop, operator, qa_approver):
    from atmp.workflow.work import work_for

    make_training_requirement(actor=qa_approver, document=sop, role="operator")
    (item,) = [i for i in work_for(operator) if i.kind == "training"]
    assert (item.record, item.status, item.overdue) == (effective.record_key, "due", False)
    documents.read_and_understood(actor=operator, version=effective, password=PASSWORD)
    assert not [i for i in work_for(operator) if i.kind == "training"]


def test_compliance_is_the_matrix_s_at_each_site_now_and_in_the_past(effective, sop, qa_reviewer, qa_approver):
    from atmp.testing import make_site

    here, there = make_site(actor=qa_approver), make_site(actor=qa_approver)
    olga = make_user("operator", password=PASSWORD)  # every site: signs a company-wide SOP's training
    make_user("operator", password=PASSWORD, site=here)
    make_user("operator", password=PASSWORD, site=there)
    make_user("qa_reviewer", password=PASSWORD)  # every site
    make_training_requirement(actor=qa_approver, document=sop, role="operator", site=here)
    make_training_requirement(actor=qa_approver, document=sop, role="qa_reviewer")
    documents.read_and_understood(actor=olga, version=effective, password=PASSWORD)
    for site in (None, here, there):
        for at in (None, clock.now() - dt.timedelta(days=1), clock.now() + dt.timedelta(days=1)):
            assert training_compliance(site, at) == training_matrix(site, at).compliance, (site, at)
    assert training_compliance(here) < Decimal(1) == training_compliance(there, clock.now() - dt.timedelta(days=1))
