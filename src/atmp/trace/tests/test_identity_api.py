"""Personal data through the REST API: only the reveal answers with it (no-store); 4xx naming the field."""

from __future__ import annotations

import pytest

from atmp.ledger.models import AuditEntry
from atmp.testing import ApiClient, token_for

from .conftest import JANE, JOHN

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(coordinator):
    return ApiClient(token_for(coordinator))


def no_personal_data(answer) -> None:
    text = answer.content.decode()
    for value in (*JANE.values(), *JOHN.values(), "Zwanenburg", "Þórsson"):
        assert value not in text, value


def test_register_reveal_find_correct_from_the_api(api, site):
    made = api.post("/trace/persons", {"site": "LEI", "kind": "patient", **JANE})
    assert made.status_code == 201, made.json()
    no_personal_data(made)
    coi = made.json()["coi"]
    assert made.json()["identity"]["ciphertext_sha256"]
    shown = api.post(f"/trace/persons/{coi}/reveal", {"purpose": "label check before infusion"})
    assert shown.status_code == 200 and shown["Cache-Control"] == "no-store, private"
    assert {k: shown.json()[k] for k in JANE} == JANE
    assert AuditEntry.objects.get(seq=shown.json()["entry_seq"]).action == "identity_revealed"
    found = api.post("/trace/persons/find", {"hospital_number": "uzl7731942", "purpose": "registration check"})
    assert [i["coi"] for i in found.json()["items"]] == [coi] and found["Cache-Control"] == "no-store, private"
    no_personal_data(found)
    fixed = api.patch(
        f"/trace/persons/{coi}/identity", {"reason": "name changed by marriage", "name": "Jane Smit", "version": 1}
    )
    assert fixed.status_code == 200 and fixed.json()["version"] == 2
    no_personal_data(fixed)
    record = api.get(f"/records/trace.identity/{fixed.json()['record'].split(':')[1]}")
    assert record.status_code == 200
    assert (
        set(record.json()["snapshot"]) >= {"data_hash", "ciphertext_sha256"}
        and "ciphertext" not in record.json()["snapshot"]
    )
    no_personal_data(record)
    history = api.get(f"/records/trace.identity/{fixed.json()['record'].split(':')[1]}/history")
    assert {e["action"] for e in history.json()["entries"]} == {"create", "update", "identity_revealed"}
    no_personal_data(history)


def test_personal_data_is_added_to_a_person_registered_without_it(api, qa_reviewer, site):
    from atmp.trace.services.persons import register_person

    bare = register_person(actor=qa_reviewer, kind="donor", site=site)
    added = api.post(f"/trace/persons/{bare.coi}/identity", {**JOHN})
    assert added.status_code == 201 and added.json()["coi"] == bare.coi
    again = api.post(f"/trace/persons/{bare.coi}/identity", {**JOHN})
    assert again.status_code == 409


def test_erase_before_the_end_of_retention_is_422(api, jane, qa_reviewer):
    from atmp.trace import factories

    product = factories.make_material(actor=qa_reviewer, type="drug_product", unit="{bag}")
    lot = factories.make_released_lot(actor=qa_reviewer, site=jane.site, material=product)
    factories.make_administration(actor=qa_reviewer, patient=jane, lot=lot)
    refused = api.post(f"/trace/persons/{jane.coi}/identity/erase", {"reason": "end of retention"})
    assert refused.status_code == 422 and "kept until" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"birth_date": "1961-13-01"}, "birth_date"),
        ({"hospital_number": "UZL;1"}, "hospital_number"),
        ({"name": " "}, "name"),
        ({"site": "NOPE"}, "site"),
        ({"kind": "relative"}, "kind"),
        ({"address": "Main St 1"}, "address"),
    ],
)
def test_bad_input_is_400_naming_the_field_without_echoing_it(api, site, body, field):
    refused = api.post("/trace/persons", {"site": "LEI", "kind": "patient", **JANE, **body})
    assert refused.status_code == 400 and refused.json()["field"] == field, refused.json()
    no_personal_data(refused)
    assert "1961-13-01" not in refused.content.decode() and "UZL;1" not in refused.content.decode()


def test_a_reveal_needs_a_purpose_and_the_permission(api, jane, qa_approver):
    assert api.post(f"/trace/persons/{jane.coi}/reveal", {}).json()["field"] == "purpose"
    other = ApiClient(token_for(qa_approver))
    refused = other.post(f"/trace/persons/{jane.coi}/reveal", {"purpose": "curious"})
    assert refused.status_code == 403 and "identity.view" in refused.json()["detail"]
    assert api.post("/trace/persons/LEI-P-999999/reveal", {"purpose": "follow-up"}).status_code == 404
