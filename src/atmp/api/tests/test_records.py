"""GET /records/{type}/{id} and its history: any GMP record, by type, within the caller's sites."""

from __future__ import annotations

import pytest

from atmp.accounts import signing
from atmp.api.tests.conftest import ApiClient, token_for
from atmp.testing import PASSWORD, RECORD_FACTORIES, make_site, make_user, rename_site

pytestmark = pytest.mark.django_db


def test_it_shows_a_record_with_its_snapshot_and_version(as_inspector, site):
    doc = as_inspector.get(f"/records/accounts.site/{site.pk}").json()
    assert (doc["type"], doc["id"], doc["version"], doc["voided"]) == ("accounts.site", str(site.pk), 1, False)
    assert doc["snapshot"]["name"] == "Leiden"
    assert doc["snapshot_hash"] == site.snapshot_hash()
    assert doc["created_at"].endswith("Z")


def test_a_signature_shows_as_superseded_after_a_change(as_inspector, site, qa_approver, qa_reviewer):
    signing.sign(signer=qa_approver, record=site, meaning="approved", password=PASSWORD)
    assert as_inspector.get(f"/records/accounts.site/{site.pk}").json()["signatures"][0]["superseded"] is False
    rename_site(site, "Leiden II", actor=qa_reviewer)
    sig = as_inspector.get(f"/records/accounts.site/{site.pk}").json()["signatures"][0]
    assert sig["superseded"] is True
    assert (sig["meaning"], sig["label"], sig["signer"]["name"]) == ("approved", "Approved", "Alex Approver")


def test_it_shows_a_records_history_newest_first(as_inspector, site, qa_reviewer):
    rename_site(site, "Leiden II", actor=qa_reviewer, reason="typo")
    history = as_inspector.get(f"/records/accounts.site/{site.pk}/history").json()
    assert [(e["action"], e["reason"]) for e in history["entries"]] == [("update", "typo"), ("create", "")]


@pytest.mark.parametrize("record_type", sorted(RECORD_FACTORIES))
def test_every_record_type_is_readable_without_new_code(as_inspector, qa_reviewer, record_type):
    record = RECORD_FACTORIES[record_type][0](qa_reviewer)
    response = as_inspector.get(f"/records/{record_type}/{record.pk}")
    assert response.status_code == 200, response.content
    assert response.json()["type"] == record_type


@pytest.mark.parametrize("path", ["/records/quality.nothing/1", "/records/accounts.site/999999",
                                  "/records/accounts.site/not-a-number", "/records/accounts.user/1"])  # fmt: skip
def test_an_unknown_type_or_id_is_404(as_inspector, site, path):
    response = as_inspector.get(path)
    assert response.status_code == 404
    assert response.json()["detail"]


def test_a_site_outside_the_callers_sites_is_404(qa_reviewer):
    leiden = make_site(actor=qa_reviewer, code="LEI")
    ghent = make_site(actor=qa_reviewer, code="GNT")
    olga = ApiClient(token_for(make_user("operator", site=leiden)))
    assert olga.get(f"/records/accounts.site/{leiden.pk}").status_code == 200
    assert olga.get(f"/records/accounts.site/{ghent.pk}").status_code == 404
    assert olga.get(f"/records/accounts.site/{ghent.pk}/history").status_code == 404
