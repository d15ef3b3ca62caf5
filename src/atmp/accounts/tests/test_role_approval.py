"""Granting roles: never to oneself, never a GMP role beside system_admin, and a GMP role only with a second person."""

from __future__ import annotations

import json

import pytest

from atmp.accounts import approvals, services
from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import RoleAssignment
from atmp.ledger import verify
from atmp.ledger.errors import SignatureRefused
from atmp.ledger.models import AuditEntry, Signature
from atmp.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db
GOOD = "a long enough passphrase 7"


def pending_of(user) -> RoleAssignment:
    return RoleAssignment.objects.get(user=user, status="pending", voided=False)


def test_an_administrator_cannot_grant_roles_to_himself(sysadmin):
    with pytest.raises(NotAllowed, match="your own roles"):
        services.set_roles(actor=sysadmin, user=sysadmin, roles=["qa_approver"], reason="I need to sign")
    assert sysadmin.roles() == {"system_admin"}


@pytest.mark.parametrize("gmp_role", ["qa_approver", "operator", "inspector"])
def test_a_system_administrator_cannot_also_hold_a_gmp_role(sysadmin, gmp_role, site):
    other_admin = make_user("system_admin", username="sally")
    with pytest.raises(NotAllowed, match="segregation of duties"):
        services.set_roles(actor=sysadmin, user=other_admin, roles=[gmp_role], site=site, reason="extra duty")
    with pytest.raises(NotAllowed, match="segregation of duties"):
        services.create_user(
            actor=sysadmin, username="nina", full_name="Nina", password=GOOD, roles=["system_admin", gmp_role]
        )


def test_a_gmp_user_cannot_be_made_system_administrator_beside_the_role(sysadmin, operator, site):
    with pytest.raises(NotAllowed, match="segregation of duties"):
        services.set_roles(actor=sysadmin, user=operator, roles=["system_admin"], site=site, reason="promote")
    # Replacing the GMP role (at the same, every-site scope) by system_admin is allowed.
    services.set_roles(actor=sysadmin, user=operator, roles=["system_admin"], reason="moved to IT")
    assert operator.roles() == {"system_admin"}


def test_a_granted_gmp_role_is_pending_and_grants_nothing_until_approved(sysadmin, qa_approver):
    nina = services.create_user(actor=sysadmin, username="nina", full_name="Nina", password=GOOD, roles=["operator"])
    assert nina.roles() == set() and not nina.can("records.write")
    assignment = pending_of(nina)

    signature = approvals.approve_role_assignment(actor=qa_approver, assignment=assignment, password=PASSWORD)

    nina.forget_roles()
    assert nina.roles() == {"operator"} and nina.can("records.write")
    assignment.refresh_from_db()
    assert assignment.status == "active" and assignment.version == 2
    assert (signature.meaning, signature.signer_id, signature.record_version) == ("approved", qa_approver.pk, 2)
    # One audited change: the system's activation, then the approver's signature on that version.
    activation, sign = AuditEntry.objects.filter(record_type="accounts.roleassignment", record_id=str(assignment.pk))[
        1:
    ]
    assert activation.actor_id is None and json.loads(activation.changes)["status"] == ["pending", "active"]
    assert (sign.action, sign.actor_id, sign.seq) == ("sign", qa_approver.pk, activation.seq + 1)
    assert verify.run().ok, verify.run().failures


def test_approval_needs_the_approvers_password_and_a_wrong_one_is_audited(sysadmin, qa_approver):
    nina = services.create_user(actor=sysadmin, username="nina", full_name="Nina", password=GOOD, roles=["operator"])
    with pytest.raises(SignatureRefused, match="password"):
        approvals.approve_role_assignment(actor=qa_approver, assignment=pending_of(nina), password="wrong")
    assert pending_of(nina).status == "pending"
    assert AuditEntry.objects.filter(action="sign_failed", actor_id=qa_approver.pk).exists()


def test_nobody_approves_their_own_role_assignment(qa_approver, sysadmin, site):
    services.set_roles(
        actor=sysadmin, user=qa_approver, roles=["qualified_person"], site=site, reason="QP course passed"
    )
    with pytest.raises(NotAllowed, match="your own role assignment"):
        approvals.approve_role_assignment(actor=qa_approver, assignment=pending_of(qa_approver), password=PASSWORD)


def test_an_administrator_or_an_operator_cannot_approve(sysadmin, operator):
    nina = services.create_user(actor=sysadmin, username="nina", full_name="Nina", password=GOOD, roles=["inspector"])
    for who in (sysadmin, operator):
        with pytest.raises(SignatureRefused, match="do not allow signing"):
            approvals.approve_role_assignment(actor=who, assignment=pending_of(nina), password=PASSWORD)
    assert not Signature.objects.exists()


def test_a_site_limited_approver_cannot_approve_a_role_at_every_site(sysadmin, site):
    local = make_user("qa_approver", username="lena", password=PASSWORD, site=site)
    nina = services.create_user(actor=sysadmin, username="nina", full_name="Nina", password=GOOD, roles=["operator"])
    # The signing rule refuses first: the signer must see every site the record concerns.
    with pytest.raises(SignatureRefused, match="concerns every site"):
        approvals.approve_role_assignment(actor=local, assignment=pending_of(nina), password=PASSWORD)


def test_an_approver_rejects_a_pending_role_with_a_reason(sysadmin, qa_approver):
    nina = services.create_user(actor=sysadmin, username="nina", full_name="Nina", password=GOOD, roles=["operator"])
    assignment = pending_of(nina)
    with pytest.raises(InvalidInput, match="^reason:"):
        approvals.reject_role_assignment(actor=qa_approver, assignment=assignment, reason=" ")
    approvals.reject_role_assignment(actor=qa_approver, assignment=assignment, reason="not trained yet")
    assignment.refresh_from_db()
    assert (assignment.status, assignment.voided) == ("rejected", True)
    assert nina.roles() == set()
    with pytest.raises(SignatureRefused, match="only a pending assignment"):
        approvals.approve_role_assignment(actor=qa_approver, assignment=assignment, password=PASSWORD)


def test_the_console_grants_directly_only_while_nobody_could_approve(db):
    first = services.create_user(actor=None, username="alex", full_name="Alex", password=GOOD, roles=["qa_approver"])
    assert first.roles() == {"qa_approver"}  # the bootstrap: no one else could approve it
    second = services.create_user(actor=None, username="nina", full_name="Nina", password=GOOD, roles=["operator"])
    assert second.roles() == set() and pending_of(second).role == "operator"


def test_system_admin_is_granted_without_approval(sysadmin, qa_approver):
    sally = services.create_user(
        actor=sysadmin, username="sally", full_name="Sally", password=GOOD, roles=["system_admin"]
    )
    assert sally.roles() == {"system_admin"}
