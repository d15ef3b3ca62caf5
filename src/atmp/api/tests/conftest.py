"""Clients for the API tests: a bearer token per persona, and an anonymous client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from atmp.accounts import auth


class ApiClient:
    """A test client that speaks JSON to /api/v1/ with one persona's bearer token (or none)."""

    def __init__(self, token: str | None = None, **kwargs: Any) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = Client(headers=headers, **kwargs)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path: str, body: Any = None) -> Any:
        return self._send("post", path, body)

    def patch(self, path: str, body: Any = None) -> Any:
        return self._send("patch", path, body)

    def put(self, path: str, body: Any = None) -> Any:
        return self._send("put", path, body)

    def _send(self, method: str, path: str, body: Any) -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
        return getattr(self.client, method)(f"/api/v1{path}", data=data, content_type="application/json")


def token_for(user) -> str:
    """Return a fresh API token of the user (made by the user, as POST /tokens would)."""
    return auth.issue_token(actor=None, user=user, name="api tests").raw  # issued as `atmp user token` does


@pytest.fixture
def anonymous(db) -> ApiClient:
    return ApiClient()


@pytest.fixture
def as_operator(operator) -> ApiClient:
    return ApiClient(token_for(operator))


@pytest.fixture
def as_reviewer(qa_reviewer) -> ApiClient:
    return ApiClient(token_for(qa_reviewer))


@pytest.fixture
def as_approver(qa_approver) -> ApiClient:
    return ApiClient(token_for(qa_approver))


@pytest.fixture
def as_inspector(inspector) -> ApiClient:
    return ApiClient(token_for(inspector))


@pytest.fixture
def as_sysadmin(sysadmin) -> ApiClient:
    return ApiClient(token_for(sysadmin))
