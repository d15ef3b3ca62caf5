"""Personas signed in through the real sign-in page, for the view tests."""

from __future__ import annotations

import pytest

from atmp.testing import signed_in


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
