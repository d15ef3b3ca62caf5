"""Fixtures of the quality tests: personas at a site, and CAPA stand-ins.

The CAPA record type belongs to another area; these tests let the workflow's sample case play the
CAPA (findings.CAPA_TYPE is the only place the type is named).
"""

from __future__ import annotations

import pytest

from atmp.testing import PASSWORD, make_sample_case, make_user


@pytest.fixture
def qp(db):
    return make_user("qualified_person", username="quinn", full_name="Quinn QP", password=PASSWORD)


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
