"""Accounts over the API: list, create, disable, set roles; every change through the services."""

from __future__ import annotations

import pytest

from atmp.accounts.models import User
from atmp.ledger.models import AuditEntry

pytestmark = pytest.mark.django_db
GOOD = "a long enough passphrase 7"


def test_anyone_with_accounts_view_lists_users_with_their_roles(as_inspector, operator):
    users = {u["username"]: u for u in as_inspector.get("/users").json()}
    assert [(r["role"], r["site"], r["status"]) for r in users["olga"]["roles"]] == [("operator", None, "active")]
    assert "password" not in users["olga"] and "mfa_secret" not in users["olga"]


def test_the_administrator_creates_a_user_with_roles_at_a_site(as_sysadmin, sysadmin, site):
    body = {"username": "nina", "full_name": "Nina QP", "password": GOOD}
    response = as_sysadmin.post("/users", body | {"roles": ["qualified_person"], "site": "LEI", "reason": "hired"})
    assert response.status_code == 201, response.content
    assert [(r["role"], r["site"], r["status"]) for r in response.json()["roles"]] == [
        ("qualified_person", "LEI", "pending")
    ]
    assert AuditEntry.objects.filter(action="user_created", actor_id=sysadmin.pk).exists()


def test_a_weak_password_is_refused_naming_the_field(as_sysadmin):
    response = as_sysadmin.post("/users", {"username": "nina", "full_name": "Nina", "password": "short"})
    assert response.status_code == 400 and response.json()["field"] == "password"


def test_an_unknown_site_is_refused_naming_the_field(as_sysadmin):
    response = as_sysadmin.post("/users", {"username": "nina", "full_name": "N", "password": GOOD, "site": "ZZZ"})
    assert response.status_code == 400 and response.json()["field"] == "site"


def test_the_administrator_disables_an_account_with_a_reason(as_sysadmin, operator):
    response = as_sysadmin.post("/users/olga/disable", {"reason": "left the company"})
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert not User.objects.get(pk=operator.pk).is_active


def test_disabling_needs_a_reason(as_sysadmin, operator):
    response = as_sysadmin.post("/users/olga/disable", {"reason": ""})
    assert response.status_code == 400 and response.json()["field"] == "reason"


def test_the_administrator_cannot_disable_themselves(as_sysadmin):
    assert as_sysadmin.post("/users/sam/disable", {"reason": "oops"}).status_code == 403


def test_an_unknown_user_is_404(as_sysadmin):
    assert as_sysadmin.post("/users/nobody/disable", {"reason": "x"}).status_code == 404


def test_the_administrator_sets_roles_with_a_reason(as_sysadmin, operator):
    response = as_sysadmin.put("/users/olga/roles", {"roles": ["qc_analyst"], "reason": "moved to QC"})
    assert response.status_code == 200
    assert [(r["role"], r["status"]) for r in response.json()["roles"]] == [("qc_analyst", "pending")]
    assert AuditEntry.objects.filter(record_type="accounts.roleassignment", reason="moved to QC").count() == 2


def test_a_qa_reviewer_cannot_manage_accounts(as_reviewer, operator):
    response = as_reviewer.put("/users/olga/roles", {"roles": ["qa_approver"], "reason": "promote myself"})
    assert response.status_code == 403 and "accounts.manage" in response.json()["detail"]
