"""Editing a change control: with a reason and the version seen; content freezes once it is approved."""

from __future__ import annotations

import json

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger import writer
from atmp.ledger.errors import Conflict, StaleRecord
from atmp.ledger.models import AuditEntry
from atmp.quality.models import ChangeControl
from atmp.quality.services.changes import update_change
from atmp.quality.tests.helpers_change import move

pytestmark = pytest.mark.django_db


def test_it_changes_the_content_with_a_reason(qa_reviewer, change):
    changed = update_change(
        actor=qa_reviewer, change=change, reason="scope widened", affected_systems=["LIMS"], version=1
    )
    assert changed.affected_systems == ["LIMS"] and changed.version == 2


def test_it_refuses_an_edit_without_a_reason(qa_reviewer, change):
    with pytest.raises(InvalidInput, match="reason"):
        update_change(actor=qa_reviewer, change=change, reason="", title="New")


def test_it_refuses_an_edit_of_a_version_not_seen(qa_reviewer, change):
    with pytest.raises(StaleRecord):
        update_change(actor=qa_reviewer, change=change, reason="r", title="New", version=5)


def test_an_approved_change_keeps_its_content(qa_reviewer, qa_approver, change):
    move(qa_reviewer, change, "assess", "submit")
    move(qa_approver, change, "approve")
    with pytest.raises(Conflict, match="description cannot change now"):
        update_change(actor=qa_reviewer, change=change, reason="late", description="Other")


def test_the_effectiveness_review_is_written_during_the_review_only(qa_reviewer, change):
    with pytest.raises(Conflict, match="effectiveness_review cannot change now"):
        update_change(actor=qa_reviewer, change=change, reason="early", effectiveness_review="worked")


def test_status_is_not_edited(qa_reviewer, change):
    with pytest.raises(InvalidInput) as refused:
        update_change(actor=qa_reviewer, change=change, reason="r", status="closed")
    assert refused.value.field == "status"


def test_a_list_changed_in_place_is_diffed_against_the_list_as_read(qa_reviewer, change):
    update_change(actor=qa_reviewer, change=change, reason="scope", affected_systems=["LIMS"], version=1)
    read = ChangeControl.objects.get(pk=change.pk)
    read.affected_systems.append("MES")  # the loaded list itself, not a new one
    assert read.loaded_snapshot()["affected_systems"] == ["LIMS"]
    with writer.change(actor=qa_reviewer, reason="MES is affected too") as ch:
        ch.save(read)
    entry = AuditEntry.objects.filter(record_type=change.record_type(), record_id=str(change.pk)).last()
    assert json.loads(entry.changes) == {"affected_systems": [["LIMS"], ["LIMS", "MES"]]}
    assert read.loaded_snapshot()["affected_systems"] == ["LIMS", "MES"]
