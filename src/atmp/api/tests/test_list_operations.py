"""A list declared once serves the API too: the page's filters, sort and cursor as query parameters."""

from __future__ import annotations

import pytest
from ninja import Router
from ninja.testing import TestClient

from atmp.api import errors
from atmp.api.lists import add_list_operation
from atmp.api.main import AtmpAPI
from atmp.testing import make_site
from atmp.web.lists_accounts import SITES

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def api() -> TestClient:
    """An API with one list operation over the sites list (the real one's errors, without its tokens)."""
    router = Router()
    add_list_operation(router, "/sites-page", SITES, permission="records.view", tags=["sites"])
    app = AtmpAPI(urls_namespace="lists-test")
    errors.install(app)
    app.add_router("", router)
    return TestClient(app)


@pytest.fixture
def sites(qa_reviewer):
    names = [("ANT", "Antwerp"), ("BRN", "Brno"), ("CPH", "Copenhagen"), ("DUB", "Dublin"), ("EDI", "Edinburgh")]
    return [make_site(actor=qa_reviewer, code=code, name=name) for code, name in names]


def _get(api, user, **params):
    return api.get("/sites-page", query_params=params, user=user, auth_user=user)


def test_a_page_is_items_and_the_next_cursor_until_there_is_none(api, sites, qa_reviewer):
    first = _get(api, qa_reviewer, limit="2", sort="-code")
    assert first.status_code == 200
    body = first.json()
    assert [i["code"] for i in body["items"]] == ["EDI", "DUB"]
    assert set(body["items"][0]) == {"code", "name", "timezone", "address", "version", "status", "created"}
    seen = [i["code"] for i in body["items"]]
    while body["next"] is not None:
        body = _get(api, qa_reviewer, limit="2", sort="-code", after=body["next"]).json()
        seen += [i["code"] for i in body["items"]]
    assert seen == ["EDI", "DUB", "CPH", "BRN", "ANT"]


def test_the_filters_are_the_pages_filters(api, sites, qa_reviewer):
    body = _get(api, qa_reviewer, q="r", created_by="rita").json()
    assert [i["code"] for i in body["items"]] == ["ANT", "BRN", "EDI"] and body["next"] is None


def test_a_bad_parameter_is_a_400_naming_it(api, sites, qa_reviewer):
    response = _get(api, qa_reviewer, created_from="last week")
    assert response.status_code == 400
    assert response.json()["field"] == "created_from"
    assert _get(api, qa_reviewer, sort="nope").json()["field"] == "sort"
    assert _get(api, qa_reviewer, after="garbage").json()["field"] == "after"


def test_the_operation_declares_its_permission_and_its_parameters(api, operator):
    from atmp.accounts.access import declared_permission

    app = api.router_or_app
    operation = next(iter(app._routers[1][1].path_operations.values())).operations[0]
    assert declared_permission(operation.view_func) == "records.view"
    get = app.get_openapi_schema(path_prefix="")["paths"]["/sites-page"]["get"]
    # <module>_<function>: the module that declares the rows (atmp.accounts.visibility), the list's name.
    assert get["operationId"] == "accounts_list_sites"
    names = {p["name"] for p in get["parameters"]}
    assert names == {"q", "state", "created_from", "created_to", "created_by", "sort", "after", "limit"}
    assert get["responses"][200]["content"]["application/json"]["schema"]["$ref"].endswith("/ListPage")
