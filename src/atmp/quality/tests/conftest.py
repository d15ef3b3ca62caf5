"""Personas and records of the quality tests: a QP and a PV officer besides the root conftest's
personas; changes, assessments and documents made by the factories; CAPA stand-ins (findings.CAPA_TYPE)."""

from __future__ import annotations

import pytest

from atmp.quality.factories import make_document, make_document_version, make_effective_version
from atmp.testing import PASSWORD, make_sample_case, make_user


@pytest.fixture
def qp(db):
    return make_user("qualified_person", username="quinn", full_name="Quinn QP", password=PASSWORD)


@pytest.fixture
def approved_ra(qa_reviewer, site):
    from atmp.quality.factories import make_approved_riskassessment

    return make_approved_riskassessment(actor=qa_reviewer, site=site)


@pytest.fixture
def change(qa_reviewer, site, approved_ra):
    from atmp.quality.factories import make_changecontrol

    return make_changecontrol(actor=qa_reviewer, site=site, risk_assessment=approved_ra)


@pytest.fixture
def draft_ra(qa_reviewer, site):
    from atmp.quality.factories import make_riskassessment

    return make_riskassessment(actor=qa_reviewer, site=site)


@pytest.fixture
def pv_officer(db):
    return make_user("pv_officer", username="petra", full_name="Petra PV", password=PASSWORD)


@pytest.fixture
def capa_type(monkeypatch):
    from atmp.quality import findings

    monkeypatch.setattr(findings, "CAPA_TYPE", "sample.samplecase")
    return "sample.samplecase"


@pytest.fixture
def make_capa(capa_type, qa_reviewer):
    def make(**fields):
        return make_sample_case(actor=qa_reviewer, title=fields.pop("title", "CAPA stand-in"), **fields)

    return make


@pytest.fixture
def sop(qa_reviewer):
    return make_document(actor=qa_reviewer, title="Aseptic gowning")


@pytest.fixture
def draft(sop, qa_reviewer):
    return make_document_version(actor=qa_reviewer, document=sop)


@pytest.fixture
def effective(sop, qa_reviewer, qa_approver):
    return make_effective_version(actor=qa_reviewer, approver=qa_approver, password=PASSWORD, document=sop)
