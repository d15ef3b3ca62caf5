"""Sites over the API: list what the caller sees, create, change with a reason, void."""

from __future__ import annotations

import pytest

from atmp.accounts.models import Site
from atmp.api.tests.conftest import ApiClient, token_for
from atmp.ledger.models import AuditEntry
from atmp.testing import make_site, make_user

pytestmark = pytest.mark.django_db


def test_it_creates_a_site_through_the_ledger(as_reviewer, qa_reviewer):
    response = as_reviewer.post("/sites", {"code": "ams", "name": "Amsterdam", "timezone": "Europe/Amsterdam"})
    assert response.status_code == 201
    assert response.json()["code"] == "AMS" and response.json()["version"] == 1
    site = Site.objects.get(code="AMS")
    assert AuditEntry.objects.get(record_type="accounts.site", record_id=str(site.pk)).actor_id == qa_reviewer.pk


def test_it_changes_a_site_with_a_reason(as_reviewer, site):
    response = as_reviewer.patch(f"/sites/{site.code}", {"name": "Leiden II", "reason": "renamed"})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["version"]) == ("Leiden II", 2)
    assert AuditEntry.objects.filter(action="update", reason="renamed").exists()


def test_it_refuses_a_change_to_a_version_changed_since_it_was_read(as_reviewer, site):
    as_reviewer.patch(f"/sites/{site.code}", {"name": "Leiden II", "reason": "renamed", "version": 1})
    response = as_reviewer.patch(f"/sites/{site.code}", {"address": "Somewhere", "reason": "moved", "version": 1})
    assert response.status_code == 409
    assert "reload" in response.json()["detail"]


def test_a_change_that_changes_nothing_is_422(as_reviewer, site):
    response = as_reviewer.patch(f"/sites/{site.code}", {"name": "Leiden", "reason": "same"})
    assert response.status_code == 422


def test_it_voids_a_site_with_a_reason(as_reviewer, site):
    response = as_reviewer.post(f"/sites/{site.code}/void", {"reason": "closed"})
    assert response.status_code == 200 and response.json()["voided"] is True
    again = as_reviewer.post(f"/sites/{site.code}/void", {"reason": "closed"})
    assert again.status_code == 400


def test_an_unknown_site_is_404(as_reviewer):
    assert as_reviewer.patch("/sites/NOPE", {"name": "x", "reason": "y"}).status_code == 404


def test_a_site_bound_user_lists_and_changes_only_their_sites(qa_reviewer):
    leiden = make_site(actor=qa_reviewer, code="LEI")
    make_site(actor=qa_reviewer, code="GNT")
    lei_qa = ApiClient(token_for(make_user("qa_reviewer", site=leiden)))
    assert [s["code"] for s in lei_qa.get("/sites").json()] == ["LEI"]
    assert lei_qa.patch("/sites/GNT", {"name": "x", "reason": "y"}).status_code == 404


def test_the_inspector_cannot_create_sites(as_inspector):
    response = as_inspector.post("/sites", {"code": "INS", "name": "Nope"})
    assert response.status_code == 403 and "sites.manage" in response.json()["detail"]


def test_a_voided_site_cannot_be_changed(as_reviewer, site):
    as_reviewer.post(f"/sites/{site.code}/void", {"reason": "site closed"})
    response = as_reviewer.patch(f"/sites/{site.code}", {"name": "Leiden II", "reason": "renamed"})
    assert response.status_code == 409, response.content
    assert "voided" in response.json()["detail"]
    site.refresh_from_db()
    assert (site.name, site.voided) == ("Leiden", True)
