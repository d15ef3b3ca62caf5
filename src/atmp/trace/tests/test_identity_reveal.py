"""Revealing who a person is: only for roles that need it, with a purpose, each read a ledger entry without the data."""

from __future__ import annotations

import json

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.ledger.models import AuditEntry
from atmp.testing import make_site, make_user
from atmp.trace.services.identities import reveal

from .conftest import JANE

pytestmark = pytest.mark.django_db


def test_a_coordinator_sees_the_data_and_the_read_is_recorded_with_reader_person_and_purpose(coordinator, jane):
    shown = reveal(actor=coordinator, person=jane, purpose="check the label against the hospital's record")
    assert shown.data == JANE and shown.coi == jane.coi
    entry = AuditEntry.objects.get(seq=shown.entry_seq)
    assert (entry.action, entry.record_type, entry.record_id) == (
        "identity_revealed",
        "trace.identity",
        str(jane.identity.pk),
    )
    assert entry.actor_name == "Cora Coordinator" and entry.reason == "check the label against the hospital's record"
    assert json.loads(entry.changes) == {
        "coi": [None, jane.coi],
        "fields": [None, ["birth_date", "hospital_number", "name"]],
    }
    assert entry.snapshot_hash == ""  # an event, not a version of the record


def test_a_pv_officer_may_reveal_too(pv_officer, jane):
    assert (
        reveal(actor=pv_officer, person=jane, purpose="adverse event follow-up with the treating physician").data
        == JANE
    )


@pytest.mark.parametrize("persona", ["qa_reviewer", "qa_approver", "operator", "inspector", "sysadmin"])
def test_no_other_role_may_reveal_not_even_the_administrator(request, jane, persona):
    reader = request.getfixturevalue(persona)
    before = AuditEntry.objects.count()
    with pytest.raises(NotAllowed, match="identity.view"):
        reveal(actor=reader, person=jane, purpose="curious")
    assert AuditEntry.objects.count() == before


def test_a_reader_of_another_site_is_told_there_is_no_such_person(jane):
    elsewhere = make_user("coi_coordinator", site=make_site(code="AMS"))
    with pytest.raises(InvalidInput, match="there is no person") as refused:
        reveal(actor=elsewhere, person=jane, purpose="follow-up")
    assert refused.value.field == "person"


@pytest.mark.parametrize("purpose", ["", "   ", "1234", "x" * 501])
def test_a_purpose_is_required_in_words(coordinator, jane, purpose):
    with pytest.raises(InvalidInput) as refused:
        reveal(actor=coordinator, person=jane, purpose=purpose)
    assert refused.value.field == "purpose"


def test_a_purpose_that_repeats_the_data_is_refused_and_nothing_is_recorded(coordinator, jane):
    before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput, match="repeats the person's name"):
        reveal(actor=coordinator, person=jane, purpose="is this Zwanenburg?")
    assert AuditEntry.objects.count() == before


def test_a_person_without_personal_data_has_nothing_to_reveal(coordinator, qa_reviewer, site):
    from atmp.trace.services.persons import register_person

    bare = register_person(actor=qa_reviewer, kind="donor", site=site)
    with pytest.raises(InvalidInput, match="has no personal data"):
        reveal(actor=coordinator, person=bare, purpose="follow-up")
