"""Personas of the quality tests: an operator who reports, a QA reviewer who triages, a QA approver and a QP;
documents authored by QA Reviewer Rita and approved by QA Approver Alex."""

from __future__ import annotations

import pytest

from atmp.quality.factories import make_document, make_document_version, make_effective_version
from atmp.testing import PASSWORD, make_site, make_user


@pytest.fixture
def site(db):
    return make_site(code="GNT", name="Ghent")


@pytest.fixture
def qp(db):
    return make_user("qualified_person", username="quinn", full_name="Quinn QP", password=PASSWORD)


@pytest.fixture
def sop(qa_reviewer):
    return make_document(actor=qa_reviewer, title="Aseptic gowning")


@pytest.fixture
def draft(sop, qa_reviewer):
    return make_document_version(actor=qa_reviewer, document=sop)


@pytest.fixture
def effective(sop, qa_reviewer, qa_approver):
    return make_effective_version(actor=qa_reviewer, approver=qa_approver, password=PASSWORD, document=sop)
