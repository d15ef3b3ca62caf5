"""Personas and records of the manufacturing tests: the root conftest's personas (rita reviews and
registers, alex approves, olga operates), a site, and equipment made by the factories."""

from __future__ import annotations

import pytest

from atmp.manufacturing import factories


@pytest.fixture
def bsc(qa_reviewer, qa_approver, site):
    """BSC-01 at Leiden: qualified, calibrated, maintained and cleaned just now (usable)."""
    return factories.make_usable_equipment(actor=qa_reviewer, qa=qa_approver, code="BSC-01", site=site)


@pytest.fixture
def product(qa_reviewer):
    return factories.make_product(actor=qa_reviewer, code="AAV-001", name="AAV9-hFIX")
