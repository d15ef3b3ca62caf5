"""Records of the viral clearance tests: the root conftest's personas (rita writes, alex approves),
a site, the AAV product and a draft study."""

from __future__ import annotations

import pytest

from atmp.lab import factories
from atmp.manufacturing import factories as mf


@pytest.fixture
def aav(qa_reviewer):
    return mf.make_product(actor=qa_reviewer, code="AAV9-SMN", name="AAV9-SMN", origin="allogeneic")


@pytest.fixture
def study(qa_reviewer, site, aav):
    return factories.make_viralclearancestudy(actor=qa_reviewer, site=site, product=aav, title="AAV9-SMN clearance")
