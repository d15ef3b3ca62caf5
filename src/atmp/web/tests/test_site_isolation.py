"""Site isolation on the pages: the audit trail, home, entries, proofs and the user directory."""

from __future__ import annotations

import pytest

from atmp.api.tests.test_site_isolation import _ghent_entries, world  # noqa: F401 - the fixture
from atmp.web.tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_the_audit_page_and_home_leave_out_another_sites_entries(world):  # noqa: F811
    lars = signed_in(world["lars"])
    hidden = {e.seq for e in _ghent_entries(world)}
    rows = lars.get("/audit/").context["rows"]
    assert rows and not {r.entry.seq for r in rows} & hidden
    recent = lars.get("/").context["recent"]
    assert recent and not {r.entry.seq for r in recent} & hidden
    assert "greta" not in lars.get("/audit/").context["usernames"]


def test_an_entry_and_its_proof_of_another_site_are_not_found(world):  # noqa: F811
    lars = signed_in(world["lars"])
    for entry in _ghent_entries(world):
        assert lars.get(f"/audit/entries/{entry.seq}/").status_code == 404
        assert lars.get(f"/audit/entries/{entry.seq}/proof.json").status_code == 404


def test_the_users_pages_show_names_and_roles_and_private_fields_to_administrators_only(world, sysadmin):  # noqa: F811
    lars = signed_in(world["lars"])
    page = lars.get("/users/").content.decode()
    assert "Lars Leiden" in page and "Greta Ghent" not in page
    assert "lars@example.org" not in page and "<th>MFA</th>" not in page
    assert lars.get(f"/users/{world['greta'].pk}/").status_code == 404
    own = lars.get(f"/users/{world['lars'].pk}/").content.decode()
    assert "Lars Leiden" in own and 'data-testid="email"' not in own
    admin = signed_in(sysadmin)
    assert "<th>MFA</th>" in admin.get("/users/").content.decode()
    assert 'data-testid="email"' in admin.get(f"/users/{world['greta'].pk}/").content.decode()


def test_a_site_limited_reviewer_cannot_start_a_review_over_entries_they_do_not_see(world):  # noqa: F811
    from atmp.ledger.models import AuditTrailReview
    from atmp.testing import PASSWORD, make_user

    lena = make_user("qa_approver", username="lena", password=PASSWORD, site=world["leiden"])
    client = signed_in(lena)
    response = client.post("/audit/reviews/", {"record_type": "Site", "comment": "all sites"}, follow=True)
    assert "entries about sites or people you do not see" in response.content.decode()
    assert not AuditTrailReview.objects.exists()
