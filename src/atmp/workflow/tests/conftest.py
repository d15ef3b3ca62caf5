"""Personas and a factory for the workflow tests: a case authored by one person, approved by another."""

from __future__ import annotations

import pytest

from atmp.testing import PASSWORD, make_sample_case, make_user


@pytest.fixture
def author(db):
    return make_user("qa_approver", username="auth", full_name="Ann Author", password=PASSWORD)


@pytest.fixture
def case(author):
    return make_sample_case(actor=author, summary="what happened")


@pytest.fixture
def in_review(case, author):
    from atmp.workflow import engine

    return engine.transition(author, case, "submit", reason="ready for review")
