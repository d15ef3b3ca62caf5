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


def make_link(*, actor: User, relation: str = "relates_to") -> Any:
    """Link two new sites through the workflow's link service."""
    from atmp.workflow import links

    return links.link(actor=actor, source=make_site(), target=make_site(), relation=relation, reason="test set-up")


def make_sample_case(*, actor: User | None = None, **fields: Any) -> Any:
    """Create the test-only workflow record (atmp.workflow.tests.sample) in its initial state."""
    from atmp.workflow.tests.sample.models import SampleCase

    fields.setdefault("summary", "what happened")
    case = SampleCase(title=fields.pop("title", f"Case {next(_counter)}"), **fields)
    with writer.change(actor=actor, reason=""):
        case.save()
    return case


class ApiClient:
    """A test client that speaks JSON to /api/v1/ with one persona's bearer token (or none)."""

    def __init__(self, token: str | None = None, **kwargs: Any) -> None:
        from django.test import Client

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = Client(headers=headers, **kwargs)

    def get(self, path: str, **params: Any) -> Any:
        """GET an API path with query parameters."""
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path: str, body: Any = None) -> Any:
        """POST a JSON body."""
        return self._send("post", path, body)

    def patch(self, path: str, body: Any = None) -> Any:
        """PATCH a JSON body."""
        return self._send("patch", path, body)

    def put(self, path: str, body: Any = None) -> Any:
        """PUT a JSON body."""
        return self._send("put", path, body)

    def _send(self, method: str, path: str, body: Any) -> Any:
        import json

        data = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
        return getattr(self.client, method)(f"/api/v1{path}", data=data, content_type="application/json")


def token_for(user: User) -> str:
    """Return a fresh API token of the user (made by the user, as POST /tokens would)."""
    from atmp.accounts import auth

    return auth.issue_token(actor=None, user=user, name="api tests").raw  # issued as `atmp user token` does


def _signed_at() -> Any:
    import datetime as dt

    return dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


# One factory per GmpRecord model and a field it can change: the contract test in
# ledger/tests/test_record_contract.py fails for any GmpRecord model missing here.
RECORD_FACTORIES: dict[str, tuple[Any, str, Any]] = {
    "accounts.site": (lambda actor: make_site(actor=actor), "name", "Renamed"),
    "accounts.roleassignment": (lambda actor: make_role_assignment(actor=actor), "role", "qc_analyst"),
    "ledger.audittrailreview": (lambda actor: make_review(actor=actor), "comment", "Re-read"),
    "workflow.link": (lambda actor: make_link(actor=actor), "note", "Re-worded"),
    "sample.samplecase": (lambda actor: make_sample_case(actor=actor), "summary", "Re-worded"),
    "quality.deviation": (lambda actor: _quality("make_deviation", actor), "title", "Re-titled"),
    "quality.planneddeviation": (lambda actor: _quality("make_planned_deviation", actor), "title", "Re-titled"),
    "quality.capa": (lambda actor: _quality("make_capa", actor), "title", "Re-titled"),
    "quality.capaaction": (lambda actor: _quality("make_capa_action", actor), "description", "Re-worded"),
    "quality.document": (lambda actor: _quality("make_document", actor), "title", "Re-titled"),
    "quality.documentversion": (lambda actor: _quality("make_document_version", actor), "change_summary", "Re-worded"),
    "quality.trainingrequirement": (lambda actor: _quality("make_training_requirement", actor), "note", "Re-worded"),
    "quality.trainingrecord": (
        lambda actor: _quality("make_unsigned_training_record", actor),
        "signed_at",
        _signed_at(),
    ),
}


# Where a record needs content before its workflow can move (a deviation is classified before its
# investigation starts), the random walks (workflow/tests/test_random_walk.py) start from these.
WALK_FACTORIES: dict[str, Any] = {
    "quality.deviation": lambda actor: _quality("make_investigated_deviation", actor),
    "quality.capa": lambda actor: _quality("make_capa_ready_for_check", actor),
    "quality.capaaction": lambda actor: _quality("make_evidenced_action", actor),
}


def _quality(factory: str, actor: User) -> Any:
    from atmp.quality import factories

    return getattr(factories, factory)(actor=actor)
