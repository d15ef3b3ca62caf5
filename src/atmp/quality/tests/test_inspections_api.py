"""Self-inspections through the REST API: plan, findings, the CAPA link, closure; 4xx."""

from __future__ import annotations

import pytest

from atmp.testing import PASSWORD, ApiClient, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(qa_reviewer):
    return ApiClient(token_for(qa_reviewer))


def test_a_self_inspection_closes_once_its_major_finding_has_a_capa(api, site, qa_approver, make_capa):
    made = api.post(
        "/quality/inspections",
        {
            "site": site.code,
            "title": "Fill line",
            "area": "Aseptic filling",
            "planned_date": "2026-12-10",
            "lead_auditor": "rita",
        },
    )
    assert made.status_code == 201, made.json()
    iid = made.json()["id"]
    api.post(f"/records/quality.selfinspection/{iid}/transitions/start", {"reason": "go"})
    finding = api.post(f"/quality/inspections/{iid}/findings", {"classification": "major", "description": "x"})
    assert finding.status_code == 201
    api.patch(f"/quality/inspections/{iid}", {"reason": "report", "version": 2, "report_summary": "one major"})
    api.post(f"/records/quality.selfinspection/{iid}/transitions/report", {"reason": "r"})
    approver = ApiClient(token_for(qa_approver))
    refused = approver.post(
        f"/records/quality.selfinspection/{iid}/transitions/close", {"reason": "r", "password": PASSWORD}
    )
    assert refused.status_code == 422 and "CAPA" in refused.json()["detail"]
    linked = api.post(f"/quality/inspection-findings/{finding.json()['id']}/capa", {"capa": make_capa().record_key})
    assert linked.status_code == 200 and linked.json()["capa"]
    closed = approver.post(
        f"/records/quality.selfinspection/{iid}/transitions/close", {"reason": "r", "password": PASSWORD}
    )
    assert closed.status_code == 200, closed.json()


def test_an_unknown_lead_auditor_is_refused(api, site):
    answer = api.post(
        "/quality/inspections",
        {"site": site.code, "title": "t", "area": "a", "planned_date": "2026-12-10", "lead_auditor": "nobody"},
    )
    assert answer.status_code == 400 and answer.json()["field"] == "lead_auditor"
