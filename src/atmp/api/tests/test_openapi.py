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
