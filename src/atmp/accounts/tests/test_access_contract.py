"""Deny by default, proven for every URL: each page and API operation declares its permission (or
public), and every role plus the anonymous visitor gets exactly what the declaration says.

The test walks the project's URL resolver as it is at run time, so a page or an API router that a
later module adds is checked with no change here. Path parameters are filled from a small data
set made with the factories (see VALUES); a parameter this table does not know gets a placeholder,
which may answer 404 but must still answer 401 to the anonymous and 403 to a role without the
permission.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from ninja.operation import PathView

from atmp.accounts.access import PUBLIC, declared_permission
from atmp.accounts.roles import PERMISSIONS, Role, permissions_of

ANONYMOUS = "anonymous"
EVERY_IDENTITY = [ANONYMOUS, *(r.value for r in Role)]
# `make test`'s two passes share the walk (scripts/test.sh sets ATMP_ACCESS_SHARE): PostgreSQL asks
# as every other identity from the first, SQLite as the rest, so every page and operation is asked
# on both databases and every identity on one; unset (a run alone): every identity.
SHARE = os.environ.get("ATMP_ACCESS_SHARE", "all")
if SHARE not in ("all", "first", "second"):
    raise ValueError(f"ATMP_ACCESS_SHARE={SHARE!r}: give all, first or second")
IDENTITIES = {"all": EVERY_IDENTITY, "first": EVERY_IDENTITY[0::2], "second": EVERY_IDENTITY[1::2]}[SHARE]
PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")  # a named group of a re_path() pattern


@dataclass(frozen=True)
class Endpoint:
    """One method on one URL, and the view whose declaration governs it."""

    method: str
    route: str  # Django route syntax, e.g. api/v1/ledger/entries/<int:seq>
    view: Callable[..., Any]
    api: bool  # a django-ninja operation (answers 401), or a web page (redirects to the login page)
    operation: Any = None  # the django-ninja Operation, for its query parameters

    def __str__(self) -> str:
        return f"{self.method} /{self.route}"


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def _path_view(callback: Callable[..., Any]) -> PathView | None:
    """Return the django-ninja PathView behind a URL's callback, if it is one."""
    for cell in getattr(callback, "__closure__", None) or ():
        if isinstance(cell.cell_contents, PathView):
            return cell.cell_contents
    return None


def endpoints() -> list[Endpoint]:
    """Return every (method, URL) the project serves: ninja operations by method, other views as GET."""
    found: dict[tuple[str, str], Endpoint] = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        path_view = _path_view(pattern.callback)
        if path_view is None:
            found.setdefault(("GET", route), Endpoint("GET", route, pattern.callback, api=route.startswith("api/")))
            continue
        for operation in path_view.operations:
            for method in operation.methods:
                found.setdefault((method, route), Endpoint(method, route, operation.view_func, True, operation))
    return sorted(found.values(), key=lambda e: (e.route, e.method))


ALL = endpoints()
GETS = [e for e in ALL if e.method == "GET"]


@pytest.mark.parametrize("endpoint", ALL, ids=str)
def test_every_url_and_operation_declares_its_permission_or_public(endpoint):
    declared = declared_permission(endpoint.view)
    assert declared, f"{endpoint} declares neither a permission (@requires) nor @public"
    assert declared == PUBLIC or declared in PERMISSIONS, f"{endpoint} declares an unknown permission {declared!r}"


def test_the_walk_finds_the_api_and_its_openapi_document():
    routes = {e.route for e in ALL}
    assert "api/v1/openapi.json" in routes
    assert "api/v1/ledger/entries" in routes


# --- every GET, for every role and the anonymous visitor ----------------------------------------


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:
    """Make a small ledger with one of everything a URL can name, and return the values to fill in.

    Made once for the module (a thousand cases read it), inside a transaction rolled back at the
    end, as Django's TestCase.setUpTestData does: each test runs in its own savepoint within it
    (its `db`), so what one test writes (a login's session, a refused write's entry) is gone
    before the next.
    """
    from atmp.testing import rolled_back_at_the_end

    yield from rolled_back_at_the_end(django_db_blocker, _make_data)


def _make_data() -> dict[str, Any]:
    from atmp.ledger import checkpoints, signatures, writer
    from atmp.testing import RECORD_FACTORIES, make_site, make_user

    reviewer = make_user("qa_reviewer", username="contract-reviewer")
    approver = make_user("qa_approver", username="contract-approver")
    site = make_site(actor=reviewer, code="LEI", name="Leiden")
    for factory, _field, _value in RECORD_FACTORIES.values():
        factory(reviewer)
    with writer.change(actor=approver) as ch:
        signatures.apply(ch, record=site, meaning="approved")
    # One user per role, made once: a login per case (what the test is about), not a new account.
    users = {i: make_user(i, username=f"as-{i.replace('_', '-')}").pk for i in EVERY_IDENTITY if i != ANONYMOUS}
    checkpoint = checkpoints.sign_now(actor=reviewer)
    return {
        "users": users,
        "seq": 1,
        "size": checkpoint.size,
        "old": 1,
        "new": checkpoint.size,
        "record_type": site.record_type(),
        "record_id": site.pk,
        "pk": site.pk,
        "id": site.pk,
        "code": site.code,
        "site": site.code,
        "site_id": site.pk,
        "username": approver.username,
        "user_id": approver.pk,
        "path": "atmp/none.css",
    }


def _url(endpoint: Endpoint, values: dict[str, Any]) -> str:
    """Return the endpoint's URL with its path parameters, and required query parameters, filled in."""

    def fill(match: re.Match[str]) -> str:
        name, converter = match["name"], match["converter"] or "str"
        value = values.get(name, 1 if converter == "int" else "1")
        return str(value)

    route = GROUP.sub(lambda m: str(values.get(m["name"], "1")), endpoint.route).replace("^", "").replace("$", "")
    path = "/" + PARAM.sub(fill, route)
    query = [f"{name}={values.get(name, 1)}" for name in _required_query(endpoint)]
    return path + ("?" + "&".join(query) if query else "")


def _required_query(endpoint: Endpoint) -> list[str]:
    if endpoint.operation is None:
        return []
    names = []
    for model in endpoint.operation.signature.models:
        if getattr(model, "__ninja_param_source__", None) != "query":
            continue
        for name, field in model.model_fields.items():
            if field.is_required():
                names.append(name)
    return names


def _client(identity: str, data: dict[str, Any]) -> Client:
    from atmp.accounts.models import User

    client = Client()
    if identity != ANONYMOUS:
        # Read afresh: each case's savepoint rolls back what the last login wrote to the row.
        client.force_login(User.objects.get(pk=data["users"][identity]))
    return client


CASES = [pytest.param(e, i, id=f"{e} as {i}") for e in GETS for i in IDENTITIES]


@pytest.mark.parametrize(("endpoint", "identity"), CASES)
def test_each_role_gets_exactly_what_the_declared_permission_allows(db, data, endpoint, identity):
    declared = declared_permission(endpoint.view)
    assert declared, f"{endpoint} declares no permission"
    url = _url(endpoint, data)
    response = _client(identity, data).get(url)
    status = response.status_code
    where = f"GET {url} as {identity} (declares {declared!r}) answered {status}"
    assert status < 500, where
    if declared == PUBLIC:
        assert status not in (401, 403), where
    elif identity == ANONYMOUS:
        if endpoint.api:
            assert status == 401, where
        else:
            assert status == 302 and response["Location"].startswith(settings.LOGIN_URL), where
    elif declared in permissions_of({identity}):
        assert status not in (401, 403), where
    else:
        assert status == 403, where


# --- every page refuses a write to a role without the permission, and the ledger records it --------

WRITE_CASES = [
    pytest.param(e, i, id=f"POST /{e.route} as {i}")
    for e in GETS
    if not e.api
    for i in IDENTITIES
    if i != ANONYMOUS and declared_permission(e.view) not in (PUBLIC, *permissions_of({i}))
]


@pytest.mark.parametrize(("endpoint", "identity"), WRITE_CASES)
def test_a_refused_page_write_is_recorded_in_the_ledger(db, data, endpoint, identity):
    from atmp.accounts.refusals import ACTION
    from atmp.ledger.models import AuditEntry

    before = AuditEntry.objects.filter(action=ACTION).count()
    url = _url(endpoint, data)
    response = _client(identity, data).post(url, {})
    assert response.status_code == 403, f"POST {url} as {identity} answered {response.status_code}"
    assert AuditEntry.objects.filter(action=ACTION).count() == before + 1, f"POST {url} as {identity} was not recorded"
