"""Clients for the API tests: a bearer token per persona, and an anonymous client."""

from __future__ import annotations

import pytest

from atmp.testing import ApiClient, token_for

__all__ = ["ApiClient", "token_for"]


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
