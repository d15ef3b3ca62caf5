"""Personas and records of the lab tests: the root conftest's personas (rita writes, alex approves),
a product, methods made by the factories, a site, the AAV product and a draft viral clearance study."""

from __future__ import annotations

import pytest

from atmp.lab import factories
from atmp.manufacturing import factories as mf


@pytest.fixture
def product(qa_reviewer):
    return mf.make_product(actor=qa_reviewer, code="AAV-001", name="AAV9-hFIX")


@pytest.fixture
def titre(qa_reviewer):
    """A ddPCR titre method, qualified for phases I and II, validated for III."""
    method = factories.make_method(actor=qa_reviewer, code="QC-VG", title="Vector genome titre by ddPCR")
    for phase, status in (("i", "qualified"), ("ii", "qualified"), ("iii", "validated")):
        factories.make_methodvalidation(actor=qa_reviewer, method=method, phase=phase, status=status)
    return method


@pytest.fixture
def elisa(qa_reviewer):
    """A capsid ELISA qualified for phase I only."""
    method = factories.make_method(
        actor=qa_reviewer, code="QC-CAP", title="Capsid titre by ELISA", method_type="quantity"
    )
    factories.make_methodvalidation(actor=qa_reviewer, method=method, phase="i", status="qualified")
    return method


@pytest.fixture
def aav(qa_reviewer):
    return mf.make_product(actor=qa_reviewer, code="AAV9-SMN", name="AAV9-SMN", origin="allogeneic")


@pytest.fixture
def study(qa_reviewer, site, aav):
    return factories.make_viralclearancestudy(actor=qa_reviewer, site=site, product=aav, title="AAV9-SMN clearance")
