"""Site isolation in the API: a site-limited user sees neither the entries nor the accounts of another site."""

from __future__ import annotations

import pytest

from atmp.accounts import services
from atmp.accounts.models import Site
from atmp.api.tests.conftest import ApiClient, token_for
from atmp.ledger.models import AuditEntry
from atmp.testing import PASSWORD, make_site, make_user, rename_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(qa_reviewer, sysadmin):
    """Two sites; Lars works at Leiden only, Greta at Ghent only; Ghent's site is renamed."""
    leiden = make_site(actor=qa_reviewer, code="LEI", name="Leiden")
    ghent = make_site(actor=qa_reviewer, code="GNT", name="Ghent")
    rename_site(ghent, "Ghent 2", actor=qa_reviewer, reason="the new building")
    lars = make_user("operator", username="lars", full_name="Lars Leiden", password=PASSWORD, site=leiden)
    greta = services.create_user(
        actor=sysadmin,
        username="greta",
        full_name="Greta Ghent",
        email="greta@ghent.example",
        password=PASSWORD,
        roles=["operator"],
        site=ghent,
    )
    return {"leiden": leiden, "ghent": ghent, "lars": lars, "greta": greta}


def _ghent_entries(world) -> list[AuditEntry]:
    ghent, greta = world["ghent"], world["greta"]
    about_ghent = AuditEntry.objects.filter(record_type=Site.record_type(), record_id=str(ghent.pk))
    about_greta = AuditEntry.objects.filter(record_type="accounts.user", record_id=str(greta.pk))
    assignment = greta.assignments.get()
    about_assignment = AuditEntry.objects.filter(record_type=assignment.record_type(), record_id=str(assignment.pk))
    found = list(about_ghent) + list(about_greta) + list(about_assignment)
    assert len(found) >= 4
    return found


def _all_entries(client: ApiClient) -> list[dict]:
    return client.get("/ledger/entries", limit=500).json()["entries"]


def test_the_trail_leaves_out_another_sites_records_and_people(world):
    lars = ApiClient(token_for(world["lars"]))
    shown = {e["seq"] for e in _all_entries(lars)}
    hidden = {e.seq for e in _ghent_entries(world)}
    assert not shown & hidden
    leiden = AuditEntry.objects.filter(record_type=Site.record_type(), record_id=str(world["leiden"].pk)).get()
    assert leiden.seq in shown
    assert AuditEntry.objects.count() - len(hidden) - len(shown) <= 1  # at most the entry of Lars's token


def test_a_filter_on_another_sites_record_finds_nothing(world):
    lars = ApiClient(token_for(world["lars"]))
    page = lars.get("/ledger/entries", record_type="accounts.site", record_id=str(world["ghent"].pk)).json()
    assert page["entries"] == []


def test_an_all_sites_reader_sees_every_entry(world, as_inspector):
    assert len(_all_entries(as_inspector)) == AuditEntry.objects.count()


def test_one_entry_and_its_proof_of_another_site_are_not_found(world, as_inspector):
    lars = ApiClient(token_for(world["lars"]))
    for entry in _ghent_entries(world):
        assert lars.get(f"/ledger/entries/{entry.seq}").status_code == 404
        assert lars.get(f"/ledger/entries/{entry.seq}/proof").status_code == 404
        assert as_inspector.get(f"/ledger/entries/{entry.seq}").status_code == 200
    ghent = world["ghent"]
    assert lars.get(f"/records/accounts.site/{ghent.pk}/history").status_code == 404


def test_the_directory_shows_the_people_of_the_callers_sites_without_private_fields(world, as_sysadmin):
    lars = ApiClient(token_for(world["lars"]))
    users = {u["username"]: u for u in lars.get("/users").json()}
    assert "greta" not in users
    assert [(r["role"], r["site"], r["status"]) for r in users["lars"]["roles"]] == [("operator", "LEI", "active")]
    assert users["lars"]["email"] is None and users["lars"]["mfa_enabled"] is None and users["lars"]["locked"] is None
    assert "rita" in users  # an all-sites reviewer works at Leiden too
    admin_view = {u["username"]: u for u in as_sysadmin.get("/users").json()}
    assert admin_view["greta"]["email"] == "greta@ghent.example"
    assert admin_view["greta"]["mfa_enabled"] is False and admin_view["greta"]["locked"] is False


def test_an_all_sites_reader_without_accounts_manage_sees_everyone_but_no_private_fields(world, as_inspector):
    users = {u["username"]: u for u in as_inspector.get("/users").json()}
    # Granted by the administrator, the role waits for a QA Approver's approval (ADR 0006).
    assert [(r["role"], r["site"], r["status"]) for r in users["greta"]["roles"]] == [("operator", "GNT", "pending")]
    assert users["greta"]["email"] is None
