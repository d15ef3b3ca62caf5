"""A recall starts with a scope and closes only reconciled: everyone notified, quantities add up or explained."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import RuleViolation
from atmp.quality.factories import make_recall, make_recall_recipient
from atmp.quality.selectors.recalls import reconciliation
from atmp.quality.services import recalls
from atmp.testing import PASSWORD
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(qa_reviewer, qa_approver):
    recall = make_recall(actor=qa_reviewer, with_scope=True)  # 10 bags distributed
    make_recall_recipient(actor=qa_reviewer, recall=recall, reference="UZG-PHARM")
    return engine.transition(qa_approver, recall, "start", reason="decided")


def test_a_recall_does_not_start_without_a_scope(qa_reviewer, qa_approver):
    recall = make_recall(actor=qa_reviewer)
    with pytest.raises(RuleViolation, match="at least one batch"):
        engine.transition(qa_approver, recall, "start", reason="r")


def test_closing_waits_for_every_recipient_to_be_notified(running, qa_approver):
    engine.transition(qa_approver, running, "reconcile", reason="r")
    with pytest.raises(RuleViolation, match="every recipient must be notified"):
        engine.transition(qa_approver, running, "close", reason="r", password=PASSWORD)


def notify_all(actor, recall):
    for r in recall.recipients.all():
        recalls.record_notification(actor=actor, recipient=r, reason="phoned", version=r.version, response="ok")


def test_quantities_that_do_not_add_up_block_closing_until_explained(running, qa_reviewer, qa_approver):
    notify_all(qa_reviewer, running)
    row = running.scope.get()
    recalls.update_scope(actor=qa_reviewer, row=row, reason="back", version=row.version, quantity_returned=7)
    engine.transition(qa_reviewer, running, "reconcile", reason="r")
    with pytest.raises(RuleViolation, match="do not add up"):
        engine.transition(qa_approver, running, "close", reason="r", password=PASSWORD)
    recalls.update_recall(
        actor=qa_reviewer,
        recall=running,
        reason="explain",
        version=running.version,
        reconciliation_note="3 bags administered before the recall; patients followed up by PV",
    )
    engine.transition(qa_approver, running, "close", reason="reconciled", password=PASSWORD)
    assert running.status == "closed"


def test_quantities_that_add_up_close_without_explanation(running, qa_reviewer, qa_approver):
    notify_all(qa_reviewer, running)
    row = running.scope.get()
    recalls.update_scope(
        actor=qa_reviewer, row=row, reason="back", version=row.version, quantity_returned=6, quantity_administered=4
    )
    assert reconciliation(running).complete
    engine.transition(qa_reviewer, running, "reconcile", reason="r")
    engine.transition(qa_approver, running, "close", reason="reconciled", password=PASSWORD)
    assert running.status == "closed"


def test_more_back_than_distributed_is_refused(running, qa_reviewer):
    row = running.scope.get()
    with pytest.raises(InvalidInput, match="exceed"):
        recalls.update_scope(actor=qa_reviewer, row=row, reason="r", version=row.version, quantity_returned=11)


def test_a_recipient_is_named_by_a_reference_not_an_address(running, qa_reviewer):
    with pytest.raises(InvalidInput, match="reference"):
        recalls.add_recipient(actor=qa_reviewer, recall=running, reference="dr.x@hospital.example", kind="physician")


def test_an_unknown_class_is_refused(qa_reviewer, site):
    with pytest.raises(InvalidInput, match="classification"):
        recalls.open_recall(actor=qa_reviewer, site=site, title="t", recall_reason="r", classification="class_iv")


def test_a_recall_is_numbered_rcl(qa_reviewer):
    assert make_recall(actor=qa_reviewer).number.startswith(f"RCL-{engine.today().year}-")


@pytest.mark.parametrize(
    ("reference", "kind", "rule"),
    [
        ("Jan de Vries", "patient", "no spaces"),
        ("Jansen", "patient", "pseudonym code with digits"),
        ("Kerkstraat 1, Leiden", "consignee", "no spaces"),
        ("dr.x@hospital.example", "physician", "e-mail"),
    ],
)
def test_a_name_or_address_is_refused_as_a_recipient_reference(qa_reviewer, reference, kind, rule):
    recall = make_recall(actor=qa_reviewer)
    with pytest.raises(InvalidInput, match=rule) as refused:
        recalls.add_recipient(actor=qa_reviewer, recall=recall, reference=reference, kind=kind)
    assert refused.value.field == "reference" and not recall.recipients.exists()


def test_a_patient_is_reached_by_a_pseudonym_code(qa_reviewer):
    recall = make_recall(actor=qa_reviewer)
    added = recalls.add_recipient(actor=qa_reviewer, recall=recall, reference="PAT-0042", kind="patient")
    assert added.reference == "PAT-0042"


def test_a_patient_is_reached_by_a_coi_whose_check_character_is_a_star(qa_reviewer):
    recall = make_recall(actor=qa_reviewer)
    added = recalls.add_recipient(actor=qa_reviewer, recall=recall, reference="LEI-P-000002-*", kind="patient")
    assert added.reference == "LEI-P-000002-*"
