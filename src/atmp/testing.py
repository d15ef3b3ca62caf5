"""Factories for tests and benchmarks: users with roles, sites, and audited changes."""

from __future__ import annotations

import itertools
from typing import Any

from atmp.accounts.attest import account_event
from atmp.accounts.models import RoleAssignment, Site, User
from atmp.accounts.roles import Role
from atmp.ledger import writer

_counter = itertools.count(1)
PASSWORD = "correct horse battery staple 42"  # noqa: S105 - test personas only


def make_user(
    *roles: str,
    username: str | None = None,
    full_name: str | None = None,
    password: str | None = None,
    site: Site | None = None,
) -> User:
    """Create an active user holding the given roles (assigned by the system through the ledger)."""
    n = next(_counter)
    username = username or f"user{n}"
    user = User(username=username, full_name=full_name or f"Test User {n}", email=f"{username}@example.org")
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    with writer.change(actor=None, reason="test set-up") as ch:
        user.save()
        account_event(ch, user, action="user_created")
        for role in roles:
            RoleAssignment(user=user, role=role, site=site).save()
    user.forget_roles()
    return user


def make_site(*, actor: User | None = None, code: str | None = None, **fields: Any) -> Site:
    """Create a site through the ledger."""
    n = next(_counter)
    site = Site(code=code or f"S{n:03d}", name=fields.pop("name", f"Site {n}"), **fields)
    with writer.change(actor=actor, reason=""):
        site.save()
    return site


def rename_site(site: Site, name: str, *, actor: User | None = None, reason: str = "correct the name") -> Site:
    """Change a site's name through the ledger."""
    with writer.change(actor=actor, reason=reason):
        site.name = name
        site.save()
    return site


def make_signed_history(
    site: Site, *, editor: User, signer: User, changes: int, signatures: int, password: str = PASSWORD
) -> Site:
    """Rename a site `changes` times and have `signer` approve `signatures` of its versions, spread over them."""
    from atmp.accounts import signing

    signed_after = {round((i + 1) * changes / signatures) for i in range(signatures)} if signatures else set()
    if signatures and 0 in signed_after:
        signed_after = {i + 1 for i in range(signatures)}
    for i in range(1, changes + 1):
        rename_site(site, f"{site.name.split(' #')[0]} #{i}", actor=editor, reason=f"change {i}")
        site.refresh_from_db()
        if i in signed_after:
            signing.sign(signer=signer, record=site, meaning="approved", password=password)
            site.refresh_from_db()
    return site


ALL_ROLES = [r.value for r in Role]


def make_role_assignment(*, actor: User | None = None, role: str = "operator") -> RoleAssignment:
    """Create a role assignment through the ledger."""
    user = make_user()
    assignment = RoleAssignment(user=user, role=role)
    with writer.change(actor=actor, reason=""):
        assignment.save()
    return assignment


def make_review(*, actor: User) -> Any:
    """Create an audit-trail review over the whole trail."""
    from atmp.ledger import reviews, trail

    return reviews.start_review(actor=actor, filter=trail.TrailFilter())


# One factory per GmpRecord model and a field it can change: the contract test in
# ledger/tests/test_record_contract.py fails for any GmpRecord model missing here.
RECORD_FACTORIES: dict[str, tuple[Any, str, Any]] = {
    "accounts.site": (lambda actor: make_site(actor=actor), "name", "Renamed"),
    "accounts.roleassignment": (lambda actor: make_role_assignment(actor=actor), "role", "qc_analyst"),
    "ledger.audittrailreview": (lambda actor: make_review(actor=actor), "comment", "Re-read"),
}
