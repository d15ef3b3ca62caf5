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
