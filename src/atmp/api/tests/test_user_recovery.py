"""Account recovery and role approval over the API: thin calls of the services, each refusal named."""

from __future__ import annotations

import pytest

from atmp.accounts import services
from atmp.accounts.models import RoleAssignment, User
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db
TEMPORARY = "a temporary passphrase 9"


def test_the_administrator_cannot_grant_himself_a_role(as_sysadmin, sysadmin):
    response = as_sysadmin.put("/users/sam/roles", {"roles": ["qa_approver"], "reason": "I want to sign"})
    assert response.status_code == 403 and "your own roles" in response.json()["detail"]
    sysadmin.forget_roles()
    assert sysadmin.roles() == {"system_admin"}


def test_a_granted_role_waits_for_an_approver_who_approves_it_over_the_api(as_sysadmin, as_approver):
    made = as_sysadmin.post("/users", {"username": "nina", "full_name": "Nina", "password": TEMPORARY,
                                       "roles": ["operator"], "reason": "hired"})  # fmt: skip
    (role,) = made.json()["roles"]
    assert role["status"] == "pending"
    url = f"/users/nina/roles/{role['id']}/approve"
    assert as_sysadmin.post(url, {"password": PASSWORD}).status_code == 403  # no records.sign
    wrong = as_approver.post(url, {"password": "wrong"})
    assert wrong.status_code == 422
    approved = as_approver.post(url, {"password": PASSWORD, "reason": "training checked"})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "active"
    assert User.objects.get(username="nina").roles() == {"operator"}


def test_an_approver_rejects_a_role_over_the_api(as_sysadmin, as_approver, sysadmin):
    nina = services.create_user(actor=sysadmin, username="nina", full_name="N", password=TEMPORARY, roles=["operator"])
    assignment = RoleAssignment.objects.get(user=nina)
    assert as_approver.post(f"/users/nina/roles/{assignment.pk}/reject", {"reason": ""}).status_code == 400
    response = as_approver.post(f"/users/nina/roles/{assignment.pk}/reject", {"reason": "not trained"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert as_approver.post(f"/users/olga/roles/{assignment.pk}/reject", {"reason": "x"}).status_code == 404


@pytest.mark.parametrize("action", ["unlock", "enable", "reset-mfa"])
def test_recovery_needs_a_reason_and_is_refused_on_ones_own_account(as_sysadmin, action):
    assert as_sysadmin.post(f"/users/sam/{action}", {"reason": "self-service"}).status_code == 403


def test_the_administrator_resets_a_password_and_re_enables_over_the_api(as_sysadmin, operator):
    response = as_sysadmin.post("/users/olga/reset-password", {"password": TEMPORARY, "reason": "forgot it"})
    assert response.status_code == 200, response.content
    operator.refresh_from_db()
    assert operator.must_change_password
    as_sysadmin.post("/users/olga/disable", {"reason": "on leave"})
    response = as_sysadmin.post("/users/olga/enable", {"reason": "back"})
    assert response.status_code == 200 and response.json()["is_active"] is True
