"""Assignment to a person or a role, due dates and the overdue state."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.ledger import signatures
from atmp.ledger.errors import Conflict
from atmp.ledger.models import AuditEntry
from atmp.testing import PASSWORD, make_user
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def test_it_assigns_a_person_with_a_due_date(case, author, operator):
    engine.assign(author, case, reason="please investigate", assignee=operator, due_date=dt.date(2030, 1, 31))
    case.refresh_from_db()
    assert (case.assignee_id, case.due_date) == (operator.pk, dt.date(2030, 1, 31))
    last = AuditEntry.objects.filter(record_type=case.record_type(), record_id=str(case.pk)).order_by("seq").last()
    assert last.action == "assign"


def test_it_assigns_a_role(case, author):
    engine.assign(author, case, reason="for QA", role="qa_reviewer")
    assert case.assigned_role == "qa_reviewer"


def test_it_refuses_an_unknown_role_and_an_administrator(case, author):
    with pytest.raises(InvalidInput, match="not a role"):
        engine.assign(author, case, reason="r", role="wizard")
    admin = make_user("system_admin")
    with pytest.raises(InvalidInput, match="administrator"):
        engine.assign(author, case, reason="r", assignee=admin)


def test_an_inspector_cannot_assign(case, inspector):
    with pytest.raises(NotAllowed):
        engine.assign(inspector, case, reason="r", role="operator")


def test_a_record_past_its_due_date_is_overdue_until_it_is_finished(in_review, author, qa_approver):
    engine.assign(author, in_review, reason="r", role="qa_approver", due_date=dt.date(2020, 1, 1))
    assert engine.is_overdue(in_review)
    engine.transition(qa_approver, in_review, "approve", reason="ok", password=PASSWORD)
    engine.transition(qa_approver, in_review, "close", reason="done")
    assert not engine.is_overdue(in_review)
    with pytest.raises(Conflict, match="finished record"):
        engine.assign(author, in_review, reason="r", role="operator")


def test_an_assignment_does_not_supersede_a_signature(in_review, author, qa_approver):
    engine.transition(qa_approver, in_review, "approve", reason="ok", password=PASSWORD)
    engine.assign(author, in_review, reason="close it", assignee=qa_approver)
    assert not signatures.for_record(in_review)[0].superseded
