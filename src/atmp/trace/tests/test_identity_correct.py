"""Correcting a person's personal data: a reason, a new sealed version, the digests change in the ledger."""

from __future__ import annotations

import json

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.ledger.errors import ReasonRequired, StaleRecord
from atmp.ledger.models import AuditEntry
from atmp.trace.models import Identity
from atmp.trace.services.identities import correct_identity, find, register_person_with_identity, reveal

from .conftest import JANE, JOHN

pytestmark = pytest.mark.django_db


def test_a_correction_seals_a_new_version_and_the_ledger_sees_only_its_digests(coordinator, jane):
    old = Identity.objects.get(person=jane)
    fixed = correct_identity(
        actor=coordinator, person=jane, name="Jane Zwanenburg-Okonkwo-Smit", reason="surname misspelt at intake",
        version=1,
    )  # fmt: skip
    assert fixed.version == 2
    entry = AuditEntry.objects.filter(record_type="trace.identity").order_by("seq").last()
    assert entry.action == "update" and entry.reason == "surname misspelt at intake"
    assert json.loads(entry.changes).keys() == {"data_hash", "ciphertext_sha256"}
    assert fixed.ciphertext_sha256 != old.ciphertext_sha256
    shown = reveal(actor=coordinator, person=jane, purpose="check the correction")
    assert shown.data == {**JANE, "name": "Jane Zwanenburg-Okonkwo-Smit"}


def test_the_search_index_follows_the_correction(coordinator, jane):
    correct_identity(actor=coordinator, person=jane, hospital_number="UZL-1000001", reason="wrong number at intake")
    assert find(actor=coordinator, hospital_number="UZL-7731942", purpose="registration check").persons == []
    assert [
        p.coi for p in find(actor=coordinator, hospital_number="UZL1000001", purpose="registration check").persons
    ] == [jane.coi]


def test_it_needs_a_reason_that_does_not_repeat_old_or_new_data(coordinator, jane):
    with pytest.raises(ReasonRequired):
        correct_identity(actor=coordinator, person=jane, name="Jane Smit", reason="")
    with pytest.raises(InvalidInput, match="repeats the person's name"):
        correct_identity(actor=coordinator, person=jane, name="Jane Smit", reason="Smit, not Zwanenburg")


def test_it_refuses_a_correction_to_another_persons_hospital_number(coordinator, site, jane):
    register_person_with_identity(actor=coordinator, kind="donor", site=site, **JOHN)
    with pytest.raises(InvalidInput, match="registered already") as refused:
        correct_identity(
            actor=coordinator, person=jane, hospital_number="LUMC-0004411", reason="number from the referral"
        )
    assert refused.value.field == "hospital_number"


def test_it_refuses_a_stale_version_an_unknown_field_and_no_change(coordinator, jane):
    with pytest.raises(StaleRecord):
        correct_identity(actor=coordinator, person=jane, name="Jane Smit", reason="typo", version=7)
    with pytest.raises(InvalidInput) as refused:
        correct_identity(actor=coordinator, person=jane, address="Main St 1", reason="typo")
    assert refused.value.field == "address"
    with pytest.raises(InvalidInput, match="nothing to correct"):
        correct_identity(actor=coordinator, person=jane, name=" Jane  Zwanenburg-Okonkwo ", reason="typo")


def test_a_pv_officer_reveals_but_does_not_correct(pv_officer, jane):
    with pytest.raises(NotAllowed, match="identity.manage"):
        correct_identity(actor=pv_officer, person=jane, name="Jane Smit", reason="typo")
