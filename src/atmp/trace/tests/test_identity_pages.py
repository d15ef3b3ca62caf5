"""The pages: a person's and an identity's record page show the COI and a reveal form to permitted users only;
the reveal page shows the data once (no-store); find and register pages."""

from __future__ import annotations

import pytest

from atmp.ledger.models import AuditEntry
from atmp.testing import signed_in

from .conftest import JANE

pytestmark = pytest.mark.django_db


def page_of(client, record):
    return client.get(f"/records/{record.record_type()}/{record.pk}/")


def assert_no_personal_data(html: str) -> None:
    for value in (*JANE.values(), "Zwanenburg", "Okonkwo"):
        assert value not in html, value


def test_a_coordinator_sees_the_coi_and_the_reveal_form_never_the_data(coordinator, jane):
    client = signed_in(coordinator)
    for record in (jane, jane.identity):
        html = page_of(client, record).content.decode()
        assert jane.coi in html and 'data-testid="reveal-form"' in html
        assert_no_personal_data(html)


@pytest.mark.parametrize("persona", ["qa_reviewer", "inspector", "sysadmin"])
def test_other_roles_see_the_coi_and_no_reveal_form(request, jane, persona):
    client = signed_in(request.getfixturevalue(persona))
    response = page_of(client, jane.identity)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="reveal-form"' not in html
    assert_no_personal_data(html)


def test_revealing_on_the_page_shows_the_data_once_and_records_the_read(coordinator, jane):
    client = signed_in(coordinator)
    shown = client.post(f"/trace/identities/{jane.identity.pk}/reveal/", {"purpose": "label check before infusion"})
    assert shown.status_code == 200 and shown["Cache-Control"] == "no-store, private"
    html = shown.content.decode()
    for value in JANE.values():
        assert value in html
    entry = AuditEntry.objects.filter(action="identity_revealed").get()
    assert entry.reason == "label check before infusion" and entry.actor_name == "Cora Coordinator"
    assert f"/audit/entries/{entry.seq}/" in html
    # The identity's page lists the read in its history, without the data.
    again = page_of(client, jane.identity).content.decode()
    assert "label check before infusion" in again
    assert_no_personal_data(again)


def test_a_reveal_without_a_purpose_returns_to_the_page_with_the_rule(coordinator, jane):
    refused = signed_in(coordinator).post(f"/trace/identities/{jane.identity.pk}/reveal/", {"purpose": ""})
    assert refused.status_code == 400 and 'data-testid="reveal-refused"' in refused.content.decode()
    assert_no_personal_data(refused.content.decode())
    assert not AuditEntry.objects.filter(action="identity_revealed").exists()


def test_a_reveal_is_forbidden_to_other_roles(operator, jane):
    refused = signed_in(operator).post(f"/trace/identities/{jane.identity.pk}/reveal/", {"purpose": "curious"})
    assert refused.status_code == 403
    assert_no_personal_data(refused.content.decode())


def test_the_find_page_finds_by_hospital_number_without_echoing_it(coordinator, jane):
    client = signed_in(coordinator)
    assert client.get("/trace/persons/find/").status_code == 200
    found = client.post("/trace/persons/find/", {"hospital_number": "UZL 7731942", "purpose": "registration check"})
    html = found.content.decode()
    assert found.status_code == 200 and jane.coi in html and found["Cache-Control"] == "no-store, private"
    assert "7731942" not in html


def test_the_register_page_registers_and_leads_to_the_person(coordinator, site):
    client = signed_in(coordinator)
    assert client.get("/trace/persons/new/").status_code == 200
    done = client.post("/trace/persons/new/", {"site": "LEI", "kind": "patient", **JANE})
    assert done.status_code == 302, done.content.decode()[:3000]
    person_page = client.get(done["Location"]).content.decode()
    assert "LEI-P-000001" in person_page
    assert_no_personal_data(person_page)


def test_the_register_page_names_the_field_at_fault(coordinator, site):
    refused = signed_in(coordinator).post(
        "/trace/persons/new/", {"site": "LEI", "kind": "patient", **JANE, "birth_date": "17/04/1961"}
    )
    assert refused.status_code == 400 and 'data-testid="error-birth_date"' in refused.content.decode()
