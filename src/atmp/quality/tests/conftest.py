"""Personas of the quality tests: an operator who reports, a QA reviewer who triages, a QA approver and a QP."""

from __future__ import annotations

import pytest

from atmp.testing import PASSWORD, make_site, make_user


@pytest.fixture
def site(db):
    return make_site(code="GNT", name="Ghent")


@pytest.fixture
def qp(db):
    return make_user("qualified_person", username="quinn", full_name="Quinn QP", password=PASSWORD)
