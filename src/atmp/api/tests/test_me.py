"""GET /me: the caller's account, roles, permissions and sites."""

from __future__ import annotations

import pytest

from atmp.api.tests.conftest import ApiClient, token_for
from atmp.testing import make_site, make_user

pytestmark = pytest.mark.django_db


def test_it_shows_the_callers_roles_and_permissions(as_inspector):
    me = as_inspector.get("/me").json()
    assert me["username"] == "ines" and me["roles"] == ["inspector"]
    assert "audit.view" in me["permissions"] and "records.write" not in me["permissions"]


def test_a_site_bound_user_sees_only_their_sites(qa_reviewer):
    leiden = make_site(actor=qa_reviewer, code="LEI")
    make_site(actor=qa_reviewer, code="GNT")
    olga = make_user("operator", site=leiden)
    me = ApiClient(token_for(olga)).get("/me").json()
    assert [s["code"] for s in me["sites"]] == ["LEI"]


def test_a_user_assigned_to_every_site_sees_them_all(qa_reviewer, inspector):
    make_site(actor=qa_reviewer, code="LEI")
    make_site(actor=qa_reviewer, code="GNT")
    me = ApiClient(token_for(inspector)).get("/me").json()
    assert [s["code"] for s in me["sites"]] == ["GNT", "LEI"]
