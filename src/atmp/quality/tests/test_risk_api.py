"""Risk assessments through the REST API: open, rows, register, scales; refusals as 4xx."""

from __future__ import annotations

import pytest

from atmp.quality.factories import make_approved_riskassessment
from atmp.testing import PASSWORD, ApiClient, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(qa_reviewer):
    return ApiClient(token_for(qa_reviewer))


def test_it_opens_scores_submits_and_lists_an_assessment(api, qa_approver, site):
    made = api.post("/quality/risk-assessments", {"site": "LEI", "title": "Medium change", "product": "AAV9-SMN"})
    assert made.status_code == 201, made.json()
    ra = made.json()
    assert ra["number"].startswith("RA-") and ra["scale"]["levels"] == 5
    row = api.post(
        f"/quality/risk-assessments/{ra['id']}/rows",
        {"failure_mode": "Endotoxin", "severity": 4, "occurrence": 2, "detectability": 3},
    )
    assert row.status_code == 201 and row.json()["rpn"] == 24 and row.json()["risk_class"] == "major"
    patched = api.patch(
        f"/quality/risk-assessments/{ra['id']}", {"conclusion": "Acceptable", "reason": "concluded", "version": 1}
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2
    moved = api.post(f"/records/quality.riskassessment/{ra['id']}/transitions/submit", {"reason": "scored"})
    assert moved.status_code == 200 and moved.json()["status"] == "in_review"
    listed = api.get("/quality/risk-assessments", status="in_review", limit=1).json()
    assert [a["number"] for a in listed["items"]] == [ra["number"]] and listed["next_after"] is None
    rows = api.get(f"/quality/risk-assessments/{ra['id']}/rows").json()
    assert [r["failure_mode"] for r in rows] == ["Endotoxin"]


def test_the_list_pages_by_cursor(api, qa_reviewer, site):
    for n in range(3):
        api.post("/quality/risk-assessments", {"site": "LEI", "title": f"RA {n}"})
    first = api.get("/quality/risk-assessments", limit=2).json()
    second = api.get("/quality/risk-assessments", limit=2, after=first["next_after"]).json()
    assert [a["title"] for a in first["items"] + second["items"]] == ["RA 2", "RA 1", "RA 0"]
    assert second["next_after"] is None


@pytest.mark.parametrize(
    ("tail", "body", "status", "field"),
    [
        ("/rows", {"failure_mode": "x", "severity": 7, "occurrence": 1, "detectability": 1}, 400, "severity"),
        ("/rows", {"failure_mode": "x", "severity": 1, "occurrence": 1}, 400, "detectability"),
        ("/rows", {"failure_mode": "x", "severity": 1, "occurrence": 1, "detectability": 1, "rpn": 1}, 400, "rpn"),
    ],
)
def test_it_refuses_a_bad_row_with_400(api, draft_ra, tail, body, status, field):
    answer = api.post(f"/quality/risk-assessments/{draft_ra.pk}{tail}", body)
    assert answer.status_code == status, answer.json()
    assert answer.json()["field"] == field


def test_it_refuses_a_stale_edit_with_409(api, draft_ra):
    answer = api.patch(f"/quality/risk-assessments/{draft_ra.pk}", {"title": "x", "reason": "r", "version": 9})
    assert answer.status_code == 409


def test_an_unknown_assessment_is_404(api):
    assert api.get("/quality/risk-assessments/999/rows").status_code == 404


def test_the_register_and_the_scales(api, qa_reviewer, qa_approver, site):
    ra = make_approved_riskassessment(actor=qa_reviewer, site=site)
    register = api.get("/quality/risk-register", product="AAV9-SMN")
    assert register.status_code == 200
    assert [(e["number"], e["highest"]) for e in register.json()] == [(ra.number, 24)]
    assert api.get("/quality/risk-register").status_code == 400
    refused = api.put("/quality/risk-scales/LEI", {"levels": 7})
    assert refused.status_code == 400 and refused.json()["field"] == "levels"
    set_ = ApiClient(token_for(qa_approver)).put("/quality/risk-scales/default", {"major_rpn": 20, "critical_rpn": 60})
    assert set_.status_code == 200 and set_.json()["site"] is None
    scales = api.get("/quality/risk-scales").json()
    assert [s["major_rpn"] for s in scales["scales"]] == [20] and scales["builtin_default"]["major_rpn"] == 16


def test_an_operator_does_not_set_a_scale(operator, site):
    answer = ApiClient(token_for(operator)).put("/quality/risk-scales/LEI", {"levels": 5})
    assert answer.status_code == 403


def test_an_inspector_reads_but_does_not_open(inspector, site):
    api = ApiClient(token_for(inspector))
    assert api.get("/quality/risk-assessments").status_code == 200
    assert api.post("/quality/risk-assessments", {"site": "LEI", "title": "T"}).status_code == 403


def test_approval_is_the_generic_signed_transition(api, qa_approver, draft_ra):
    api.post(f"/records/quality.riskassessment/{draft_ra.pk}/transitions/submit", {"reason": "scored"})
    answer = ApiClient(token_for(qa_approver)).post(
        f"/records/quality.riskassessment/{draft_ra.pk}/transitions/approve", {"reason": "ok", "password": PASSWORD}
    )
    assert answer.status_code == 200 and answer.json()["status"] == "approved"
