"""Personas signed in through the real sign-in page, for the view tests."""

from __future__ import annotations

import pytest
from django.test import Client

from atmp.testing import PASSWORD


def signed_in(user) -> Client:
    """Return a test client signed in as the user through /login/ (audited like a real sign-in)."""
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


@pytest.fixture
def as_reviewer(qa_reviewer):
    return signed_in(qa_reviewer)


@pytest.fixture
def as_approver(qa_approver):
    return signed_in(qa_approver)


@pytest.fixture
def as_inspector(inspector):
    return signed_in(inspector)


@pytest.fixture
def as_sysadmin(sysadmin):
    return signed_in(sysadmin)
