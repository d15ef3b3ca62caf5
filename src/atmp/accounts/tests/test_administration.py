"""Account administration: creation, roles and disabling are audited; bad input names the field."""

from __future__ import annotations

import json

import pytest

from atmp.accounts import services
from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.ledger.models import AuditEntry

pytestmark = pytest.mark.django_db
GOOD = "a long enough passphrase 7"


def test_it_creates_a_user_with_roles_and_audits_it(sysadmin):
    user = services.create_user(
        actor=sysadmin, username="nina", full_name="Nina QP", password=GOOD, roles=["qualified_person"]
    )
    assert [a.role for a in services.pending_assignments(user)] == ["qualified_person"]
    assert AuditEntry.objects.filter(action="user_created", record_id=str(user.pk)).exists()
    assert AuditEntry.objects.filter(record_type="accounts.roleassignment", actor_id=sysadmin.pk).exists()


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("username", {"username": "Bad Name!"}),
        ("password", {"password": "short"}),
        ("full_name", {"full_name": " "}),
        ("roles", {"roles": ["wizard"]}),
    ],
)
def test_it_names_the_bad_field(sysadmin, field, kwargs):
    args = {"username": "nina", "full_name": "Nina", "password": GOOD, "roles": []} | kwargs
    with pytest.raises(InvalidInput, match=f"^{field}:"):
        services.create_user(actor=sysadmin, **args)


def test_only_administrators_manage_accounts(qa_approver):
    with pytest.raises(NotAllowed, match="accounts.manage"):
        services.create_user(actor=qa_approver, username="x1", full_name="X", password=GOOD)


def test_it_changes_roles_with_a_reason_and_voids_the_old_ones(sysadmin, operator):
    services.set_roles(actor=sysadmin, user=operator, roles=["qc_analyst"], reason="moved to QC")
    assert operator.roles() == set()  # the new role waits for a QA Approver
    assert [a.role for a in services.pending_assignments(operator)] == ["qc_analyst"]
    voids = AuditEntry.objects.filter(action="void", record_type="accounts.roleassignment")
    assert voids.count() == 1 and voids.get().reason == "moved to QC"


def test_it_requires_a_reason_to_change_roles(sysadmin, operator):
    with pytest.raises(InvalidInput, match="^reason:"):
        services.set_roles(actor=sysadmin, user=operator, roles=["qc_analyst"], reason="")


def test_it_disables_without_deleting(sysadmin, operator):
    services.disable_user(actor=sysadmin, user=operator, reason="left the company")
    operator.refresh_from_db()
    assert not operator.is_active and operator.permissions() == frozenset()
    entry = AuditEntry.objects.filter(action="user_disabled").get()
    assert json.loads(entry.changes) == {"is_active": [True, False]}
