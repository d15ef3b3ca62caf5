"""The OpenAPI document: public, complete, and every operation declares its permission."""

from __future__ import annotations

import pytest
from django.test import Client

from atmp.accounts.access import declared_permission
from atmp.api.main import api

pytestmark = pytest.mark.django_db


def test_the_openapi_document_needs_no_login():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "atmp"


def test_every_operation_is_documented_with_the_error_answers():
    doc = Client().get("/api/v1/openapi.json").json()
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            assert {"400", "401", "403", "404"} <= set(operation["responses"]), f"{method.upper()} {path}"


def test_every_operation_declares_a_permission():
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                assert declared_permission(operation.view_func), operation.view_func.__name__


def _schema_classes(base: type) -> list[type]:
    found = []
    for sub in base.__subclasses__():
        if sub.__module__.startswith("atmp."):
            found.append(sub)
        found.extend(_schema_classes(sub))
    return found


def test_no_two_schemas_share_a_name_in_the_document():
    # The document keys its components by class name: a second class of the same name silently
    # replaces the first, and clients then read the wrong body (as EntryOut once did, for the ledger).
    from ninja import Schema

    components = set(Client().get("/api/v1/openapi.json").json()["components"]["schemas"])
    modules: dict[str, set[str]] = {}
    for cls in _schema_classes(Schema):
        if cls.__name__ in components:
            modules.setdefault(cls.__name__, set()).add(cls.__module__)
    shared = {name: sorted(found) for name, found in modules.items() if len(found) > 1}
    assert not shared, f"schema names used by more than one module: {shared}"


def test_no_two_operations_share_an_id():
    # Operation ids are `<module>_<function>`: two functions of one module's API files with the same
    # name (lab's results and potency both had get_result) gave two operations one id, which client
    # generators refuse and which the document's x-atmp-permission is keyed by.
    ids: dict[str, list[str]] = {}
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                name = operation.operation_id or api.get_openapi_operation_id(operation)
                ids.setdefault(name, []).append(f"{operation.view_func.__module__}.{operation.view_func.__name__}")
    shared = {name: where for name, where in ids.items() if len(where) > 1}
    assert not shared, f"operation ids used twice: {shared}"


def test_the_document_is_made_once_and_kept():
    first = Client().get("/api/v1/openapi.json").json()
    assert api.get_openapi_schema(path_prefix="/api/v1/") is api.get_openapi_schema(path_prefix="/api/v1/")
    assert Client().get("/api/v1/openapi.json").json() == first
