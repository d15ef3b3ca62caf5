"""Personas and records of the traceability tests: the root conftest's personas (rita reviews and
receives, alex approves and releases, olga operates), a site, and lots made by the factories."""

from __future__ import annotations

import pytest

from atmp.trace import factories


@pytest.fixture
def material(qa_reviewer):
    return factories.make_material(actor=qa_reviewer, code="MED-001", name="Culture medium X", unit="mL")


@pytest.fixture
def lot(qa_reviewer, site, material):
    """A lot of 100 mL in quarantine at Leiden."""
    return factories.make_lot(actor=qa_reviewer, number="L-0001", material=material, site=site)


@pytest.fixture
def released(qa_reviewer, qa_approver, site, material):
    """A released lot of 100 mL at Leiden."""
    return factories.make_released_lot(
        actor=qa_reviewer, approver=qa_approver, number="L-0100", material=material, site=site
    )


@pytest.fixture
def product(qa_reviewer):
    return factories.make_material(
        actor=qa_reviewer, code="DP-001", name="CAR-T drug product", type="drug_product", unit="{bag}"
    )


@pytest.fixture
def made(qa_reviewer, site, product):
    """A lot in quarantine being made (the output of uses)."""
    return factories.make_lot(actor=qa_reviewer, number="DP-0001", material=product, site=site, quantity="2")
