"""Finding a person by hospital number, or by name and birth date, through the keyed search index; recorded."""

from __future__ import annotations

import json

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.ledger.models import AuditEntry
from atmp.testing import make_site, make_user
from atmp.trace.services.identities import find, register_person_with_identity

from .conftest import JOHN

pytestmark = pytest.mark.django_db


def test_it_finds_by_the_hospital_number_however_it_is_written(coordinator, jane):
    found = find(actor=coordinator, hospital_number="uzl 7731942", purpose="registration check")
    assert [p.coi for p in found.persons] == [jane.coi]


def test_it_finds_by_name_and_birth_date_in_any_order_case_and_accents(coordinator, site, jane):
    john = register_person_with_identity(actor=coordinator, kind="donor", site=site, **JOHN)
    found = find(actor=coordinator, name="ÞORSSON, johann", birth_date="1958-11-02", purpose="donor call-back")
    assert [p.coi for p in found.persons] == [john.coi]


def test_the_search_is_recorded_with_what_was_found_never_what_was_searched(coordinator, jane):
    found = find(actor=coordinator, hospital_number="UZL-7731942", purpose="registration check")
    entry = AuditEntry.objects.get(seq=found.entry_seq)
    assert entry.action == "identity_searched" and entry.reason == "registration check"
    assert json.loads(entry.changes) == {"by": [None, "hospital_number"], "found": [None, [jane.coi]]}
    assert "7731942" not in entry.changes + entry.reason


def test_nothing_found_is_an_empty_list_and_still_recorded(coordinator, jane):
    found = find(actor=coordinator, hospital_number="UZL-0000001", purpose="registration check")
    assert found.persons == [] and AuditEntry.objects.get(seq=found.entry_seq).action == "identity_searched"


def test_it_finds_only_persons_of_the_readers_sites(jane):
    elsewhere = make_user("coi_coordinator", site=make_site(code="AMS"))
    assert find(actor=elsewhere, hospital_number="UZL-7731942", purpose="registration check").persons == []


def test_it_needs_the_permission(operator, jane):
    with pytest.raises(NotAllowed, match="identity.view"):
        find(actor=operator, hospital_number="UZL-7731942", purpose="registration check")


@pytest.mark.parametrize(
    ("search", "field"),
    [
        ({}, "hospital_number"),
        ({"name": "Jane"}, "birth_date"),
        ({"hospital_number": "X", "name": "Jane"}, "hospital_number"),
    ],
)
def test_it_refuses_an_incomplete_search_naming_the_field(coordinator, search, field):
    with pytest.raises(InvalidInput) as refused:
        find(actor=coordinator, purpose="registration check", **search)
    assert refused.value.field == field
