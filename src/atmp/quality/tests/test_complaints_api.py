"""Complaints through the REST API: intake with links, the flagged list, investigation, closure; 4xx."""

from __future__ import annotations

import pytest

from atmp.testing import PASSWORD, ApiClient, make_site, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(qa_reviewer):
    return ApiClient(token_for(qa_reviewer))


def body(site, **extra):
    return {
        "site": site.code,
        "title": "Cracked port",
        "received_date": "2026-01-05",
        "source": "hospital",
        "description": "Port cracked",
        **extra,
    }


def test_a_complaint_from_intake_to_closure(api, site, qa_approver):
    batch = make_site()
    made = api.post("/quality/complaints", body(site, concerns=[batch.record_key], possible_adverse_reaction=True))
    assert made.status_code == 201, made.json()
    cid = made.json()["id"]
    assert [c["id"] for c in api.get("/quality/complaints", flagged=True).json()["items"]] == [cid]
    links = api.get(f"/records/quality.complaint/{cid}/links").json()
    assert [link["other"] for link in links] == [batch.record_key]
    assert api.post(f"/records/quality.complaint/{cid}/transitions/investigate", {"reason": "go"}).status_code == 200
    patched = api.patch(
        f"/quality/complaints/{cid}",
        {"reason": "investigated", "version": 2, "investigation": "transit", "conclusion": "shipper"},
    )
    assert patched.status_code == 200, patched.json()
    closed = ApiClient(token_for(qa_approver)).post(
        f"/records/quality.complaint/{cid}/transitions/close", {"reason": "ok", "password": PASSWORD}
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"source": "neighbour"}, "source"),
        ({"reporter_reference": "a@b.example"}, "reporter_reference"),
        ({"concerns": ["trace.lot:9"]}, "concerns"),
        ({"received_date": "2026-13-01"}, None),
    ],
)
def test_bad_intake_is_refused(api, site, extra, field):
    answer = api.post("/quality/complaints", body(site, **extra))
    assert answer.status_code in (400, 422), answer.json()
    if field:
        assert answer.json()["field"] == field


def test_removing_the_pv_flag_is_refused(api, site):
    cid = api.post("/quality/complaints", body(site, possible_adverse_reaction=True)).json()["id"]
    answer = api.patch(f"/quality/complaints/{cid}", {"reason": "r", "version": 1, "possible_adverse_reaction": False})
    assert answer.status_code == 422 and "flag stays" in answer.json()["detail"]


def test_an_edit_without_the_version_seen_is_refused(api, site):
    cid = api.post("/quality/complaints", body(site)).json()["id"]
    answer = api.patch(f"/quality/complaints/{cid}", {"reason": "r", "investigation": "x"})
    assert answer.status_code == 400 and answer.json()["field"] == "version"
