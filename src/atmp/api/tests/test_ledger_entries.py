"""GET /ledger/entries: the reviewer's filtered, keyset-paginated audit trail, and single entries."""

from __future__ import annotations

import pytest

from atmp.ledger.models import AuditEntry
from atmp.testing import make_site, rename_site

pytestmark = pytest.mark.django_db


def test_it_lists_entries_newest_first_with_their_hashes(as_inspector, site):
    page = as_inspector.get("/ledger/entries").json()
    seqs = [e["seq"] for e in page["entries"]]
    assert seqs == sorted(seqs, reverse=True)
    newest = AuditEntry.objects.order_by("-seq").first()
    assert page["entries"][0]["hash"] == newest.hash
    assert page["next_before"] is None


def test_it_pages_with_next_before_without_gaps_or_repeats(as_inspector, qa_reviewer):
    for n in range(7):
        make_site(actor=qa_reviewer, code=f"P{n:02d}")
    seen, before = [], None
    while True:
        params = {"limit": 3} | ({"before": before} if before else {})
        page = as_inspector.get("/ledger/entries", **params).json()
        seen += [e["seq"] for e in page["entries"]]
        before = page["next_before"]
        if before is None:
            break
    assert seen == list(range(AuditEntry.objects.count(), 0, -1))


def test_it_filters_by_record_action_and_actor_name_or_id(as_inspector, qa_reviewer, site):
    rename_site(site, "Leiden II", actor=qa_reviewer, reason="renamed")
    by_record = as_inspector.get("/ledger/entries", record_type="accounts.site", record_id=str(site.pk)).json()
    assert [e["action"] for e in by_record["entries"]] == ["update", "create"]
    by_name = as_inspector.get("/ledger/entries", actor="rita", action="update").json()
    by_id = as_inspector.get("/ledger/entries", actor=str(qa_reviewer.pk), action="update").json()
    assert by_name == by_id and len(by_name["entries"]) == 1
    assert by_name["entries"][0]["reason"] == "renamed"
    assert by_name["entries"][0]["changes"] == {"name": ["Leiden", "Leiden II"]}


def test_it_filters_by_time(as_inspector, site):
    assert as_inspector.get("/ledger/entries", since="2999-01-01").json()["entries"] == []
    assert as_inspector.get("/ledger/entries", until="2999-01-01T00:00:00Z").json()["entries"]


def test_an_unknown_actor_name_is_404(as_inspector):
    response = as_inspector.get("/ledger/entries", actor="nobody")
    assert response.status_code == 404
    assert "nobody" in response.json()["detail"]


def test_it_returns_one_entry_by_seq(as_inspector, site):
    entry = as_inspector.get("/ledger/entries/1").json()
    assert entry["seq"] == 1 and entry["prev_hash"] == "0" * 64


def test_an_entry_beyond_the_head_is_404(as_inspector):
    response = as_inspector.get("/ledger/entries/99999")
    assert response.status_code == 404


def test_the_trail_needs_audit_view(db):
    from atmp.api.tests.conftest import ApiClient, token_for
    from atmp.testing import make_user

    nobody = make_user()  # an account with no role
    response = ApiClient(token_for(nobody)).get("/ledger/entries")
    assert response.status_code == 403
    assert "audit.view" in response.json()["detail"]
