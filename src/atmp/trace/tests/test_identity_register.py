"""Registering a donor or patient with their personal data: one change, sealed, digests in the ledger only."""

from __future__ import annotations

import json

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.ledger.errors import ReasonRequired
from atmp.ledger.models import AuditEntry
from atmp.trace import sealed
from atmp.trace.models import Identity, Person
from atmp.trace.services.identities import add_identity, register_person_with_identity
from atmp.trace.services.persons import register_person

from .conftest import JANE, JOHN

pytestmark = pytest.mark.django_db


def test_it_registers_the_person_and_their_sealed_identity_in_one_change(coordinator, site):
    before = AuditEntry.objects.count()
    person = register_person_with_identity(actor=coordinator, kind="patient", site=site, **JANE)
    identity = Identity.objects.get(person=person)
    entries = list(AuditEntry.objects.filter(seq__gt=before).order_by("seq"))
    assert [(e.record_type, e.action) for e in entries] == [("trace.person", "create"), ("trace.identity", "create")]
    assert json.loads(entries[1].changes).keys() == {
        "id", "status", "created_at", "created_by_id", "voided", "person_id",
        "data_hash", "ciphertext_sha256", "erased",
    }  # fmt: skip
    assert identity.ciphertext_sha256 == sealed.ciphertext_hash(bytes(identity.ciphertext))
    assert identity.data_hash.startswith(sealed.Keys.load().hashing.current[0] + ":")


def test_the_snapshot_holds_the_two_digests_and_never_the_sealed_fields(jane):
    snapshot = jane.identity.snapshot()
    assert {"data_hash", "ciphertext_sha256", "erased"} <= snapshot.keys()
    assert not {"ciphertext", "wrapped_key", "hospital_number_index", "name_birth_date_index"} & snapshot.keys()


def test_the_row_holds_no_personal_data_in_clear(jane):
    identity = Identity.objects.get(person=jane)
    stored = b"".join(
        bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
        for v in Identity.objects.filter(pk=identity.pk)
        .values_list("ciphertext", "wrapped_key", "hospital_number_index", "name_birth_date_index", "data_hash")
        .get()
    )
    for value in (b"Zwanenburg", b"Okonkwo", b"1961-04-17", b"7731942"):
        assert value not in stored


def test_a_hospital_number_registered_already_is_refused_however_it_is_written(coordinator, site, jane):
    with pytest.raises(InvalidInput, match="registered already for another person") as refused:
        register_person_with_identity(
            actor=coordinator, kind="patient", site=site, **{**JOHN, "hospital_number": "uzl 773 1942"}
        )
    assert refused.value.field == "hospital_number"
    assert jane.coi not in str(refused.value)  # the link from a number to a person is a recorded search's
    assert Person.objects.count() == 1  # nothing half-written


def test_the_same_name_and_birth_date_is_refused_unless_confirmed_as_another_person(coordinator, site, jane):
    twin = {**JANE, "name": "OKONKWO, jane zwanenburg", "hospital_number": "UZL-1"}
    with pytest.raises(InvalidInput, match="registered already") as refused:
        register_person_with_identity(actor=coordinator, kind="patient", site=site, **twin)
    assert refused.value.field == "name"
    with pytest.raises(ReasonRequired):
        register_person_with_identity(actor=coordinator, kind="patient", site=site, not_a_duplicate=True, **twin)
    other = register_person_with_identity(
        actor=coordinator, kind="patient", site=site, not_a_duplicate=True,
        reason="another patient: the hospital confirmed two namesakes", **twin,
    )  # fmt: skip
    assert other.coi != jane.coi


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("name", "", "must be filled in"),
        ("name", "Jane\u202eEnaj", "invisible or control character U+202E"),
        ("name", "12345", "must contain letters"),
        ("birth_date", "17-04-1961", "not a date like 1970-01-31"),
        ("birth_date", "2999-01-01", "cannot be in the future"),
        ("hospital_number", "", "must be filled in"),
        ("hospital_number", "UZL;DROP", "letters, digits, spaces"),
        ("hospital_number", "X" * 41, "at most 40 characters"),
    ],
)
def test_it_refuses_bad_personal_data_naming_the_field_without_repeating_it(coordinator, site, field, value, rule):
    with pytest.raises(InvalidInput) as refused:
        register_person_with_identity(actor=coordinator, kind="patient", site=site, **{**JANE, field: value})
    assert refused.value.field == field and rule in str(refused.value)
    if value:
        assert value not in str(refused.value)
    assert not Person.objects.exists()


def test_a_reason_that_repeats_the_personal_data_is_refused(coordinator, site):
    with pytest.raises(InvalidInput, match="repeats the person's name") as refused:
        register_person_with_identity(
            actor=coordinator, kind="patient", site=site, reason="referred: Jane Okonkwo", **JANE
        )
    assert refused.value.field == "reason"
    with pytest.raises(InvalidInput, match="repeats the person's birth date"):
        register_person_with_identity(actor=coordinator, kind="patient", site=site, reason="born 17.04.1961", **JANE)
    with pytest.raises(InvalidInput, match="repeats the person's hospital number"):
        register_person_with_identity(actor=coordinator, kind="patient", site=site, reason="see UZL7731942", **JANE)


@pytest.mark.parametrize("persona", ["qa_approver", "operator", "inspector", "sysadmin"])
def test_only_a_coordinator_registers_personal_data(request, site, persona):
    with pytest.raises(NotAllowed, match="identity.manage"):
        register_person_with_identity(actor=request.getfixturevalue(persona), kind="patient", site=site, **JANE)


def test_a_person_registered_without_it_gets_their_identity_later(coordinator, qa_reviewer, site):
    person = register_person(actor=qa_reviewer, kind="donor", site=site)
    identity = add_identity(actor=coordinator, person=person, **JOHN)
    assert identity.person == person and identity.version == 1
