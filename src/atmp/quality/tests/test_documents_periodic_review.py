"""`atmp tick` opens a document's periodic review when it falls due: once, audited, to the document's owner."""

import datetime as dt

import pytest
from django.core import mail

from atmp.ledger import clock
from atmp.ledger.models import AuditEntry
from atmp.quality.factories import make_document, make_effective_version
from atmp.quality.models import DocumentVersion
from atmp.quality.periodic import open_due_reviews
from atmp.testing import PASSWORD
from atmp.workflow.engine import today
from atmp.workflow.work import work_for


def _version(author, approver, *, interval: int, days_ago: int) -> DocumentVersion:
    document = make_document(actor=author, title="Batch record review", review_interval_months=interval)
    return make_effective_version(
        actor=author,
        approver=approver,
        password=PASSWORD,
        document=document,
        effective_date=today() - dt.timedelta(days=days_ago),
    )


@pytest.fixture
def due(qa_reviewer, qa_approver):
    # In force for 40 days on a one-month interval: its review fell due about ten days ago.
    return _version(qa_reviewer, qa_approver, interval=1, days_ago=40)


def _assign_entries(version):
    return AuditEntry.objects.filter(record_type=version.record_type(), record_id=str(version.pk), action="assign")


def test_a_due_review_is_opened_for_the_owner_once(due, qa_reviewer, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert open_due_reviews(clock.now()) == {"due": 1, "opened": 1}
    version = DocumentVersion.objects.get(pk=due.pk)
    assert version.status == "effective"
    assert version.assignee_id == qa_reviewer.pk and version.due_date == version.review_due
    (entry,) = _assign_entries(version)
    assert entry.actor_id is None and "periodic review" in entry.reason
    assert [m.to for m in mail.outbox] == [[qa_reviewer.email]]
    assert "Periodic review due" in mail.outbox[0].subject
    # The owner's My work lists it, overdue since its review date has passed.
    items = [i for i in work_for(qa_reviewer) if i.record == version.record_key]
    assert [i.overdue for i in items] == [True]


def test_a_second_tick_opens_nothing_new(due, django_capture_on_commit_callbacks):
    open_due_reviews(clock.now())
    size = AuditEntry.objects.count()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert open_due_reviews(clock.now()) == {"due": 1, "opened": 0}
    assert AuditEntry.objects.count() == size
    assert mail.outbox == []


def test_a_review_not_yet_due_is_not_opened(qa_reviewer, qa_approver):
    version = _version(qa_reviewer, qa_approver, interval=24, days_ago=0)
    assert open_due_reviews(clock.now()) == {"due": 0, "opened": 0}
    assert not _assign_entries(version).exists()
    assert DocumentVersion.objects.get(pk=version.pk).due_date is None


def test_a_superseded_version_s_review_is_not_opened(due, qa_reviewer, qa_approver):
    make_effective_version(actor=qa_reviewer, approver=qa_approver, password=PASSWORD, document=due.document)
    assert open_due_reviews(clock.now()) == {"due": 0, "opened": 0}
    assert not _assign_entries(due).exists()


def test_tick_runs_it_and_the_ledger_still_verifies(due, signing_key):
    from atmp.ledger import verify, witness

    first = witness.tick()
    second = witness.tick()
    assert first.tasks["quality.document_reviews"] == {"due": 1, "opened": 1}
    assert second.tasks["quality.document_reviews"] == {"due": 1, "opened": 0}
    assert verify.run().ok


def test_a_disabled_owner_s_review_goes_to_qa_reviewers(qa_reviewer, qa_approver, django_capture_on_commit_callbacks):
    from atmp.accounts import services
    from atmp.testing import make_user

    owner = make_user("qa_reviewer", username="owen", password=PASSWORD)
    version = _version(owner, qa_approver, interval=1, days_ago=40)
    services.disable_user(actor=None, user=owner, reason="left the company")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert open_due_reviews(clock.now()) == {"due": 1, "opened": 1}
    version = DocumentVersion.objects.get(pk=version.pk)
    assert version.assignee_id is None and version.assigned_role == "qa_reviewer"
    assert [m.to for m in mail.outbox] == [[qa_reviewer.email]]
