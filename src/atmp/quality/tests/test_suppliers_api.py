"""Suppliers through the REST API: create, qualify, agreements (expiring), audits, findings, may-accept; 4xx."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.testing import PASSWORD, ApiClient, make_site, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(qa_reviewer):
    return ApiClient(token_for(qa_reviewer))


def test_a_supplier_is_qualified_and_may_deliver(api, qa_approver):
    made = api.post("/quality/suppliers", {"name": "ViroMedia GmbH", "reason": "new medium supplier"})
    assert made.status_code == 201, made.json()
    sid, number = made.json()["id"], made.json()["number"]
    approval = api.post(f"/quality/suppliers/{sid}/approvals", {"kind": "material", "scope": "MED-001"})
    assert approval.status_code == 201 and approval.json()["status"] == "pending"
    today = dt.date.today()
    agreement = api.post(
        f"/quality/suppliers/{sid}/agreements",
        {"title": "QAG", "effective_date": str(today), "expiry_date": str(today + dt.timedelta(days=20))},
    )
    assert agreement.status_code == 201
    approver = ApiClient(token_for(qa_approver))
    submit = api.post(f"/records/quality.qualityagreement/{agreement.json()['id']}/transitions/submit", {"reason": "r"})
    assert submit.status_code == 200, submit.json()
    for key in (approval.json()["record"], agreement.json()["record"]):
        rtype, rid = key.split(":")
        signed = approver.post(f"/records/{rtype}/{rid}/transitions/approve", {"reason": "ok", "password": PASSWORD})
        assert signed.status_code == 200, signed.json()
    answer = api.get("/quality/may-accept", material="MED-001", supplier=number).json()
    assert answer["ok"] and answer["rule"] == "approved"
    no = api.get("/quality/may-accept", material="MED-002", supplier=number).json()
    assert not no["ok"] and no["rule"] == "not_qualified"
    expiring = api.get("/quality/quality-agreements", expiring_within=30).json()["items"]
    assert [a["number"] for a in expiring] == [agreement.json()["number"]]


def test_an_audit_with_a_finding(api):
    sid = api.post("/quality/suppliers", {"name": "CellBag BV"}).json()["id"]
    audit = api.post(
        f"/quality/suppliers/{sid}/audits",
        {"title": "Initial audit", "audit_date": "2026-11-20", "audit_type": "on_site", "lead_auditor": "rita"},
    )
    assert audit.status_code == 201 and audit.json()["lead_auditor"] == "rita"
    aid = audit.json()["id"]
    assert api.post(f"/records/quality.supplieraudit/{aid}/transitions/start", {"reason": "go"}).status_code == 200
    finding = api.post(f"/quality/supplier-audits/{aid}/findings", {"classification": "major", "description": "x"})
    assert finding.status_code == 201 and finding.json()["capa"] == []
    patched = api.patch(
        f"/quality/supplier-audits/{aid}", {"reason": "outcome", "version": 2, "outcome": "acceptable_with_actions"}
    )
    assert patched.status_code == 200 and patched.json()["findings"][0]["classification"] == "major"


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/quality/suppliers", {"name": ""}, 400, "name"),
        ("/quality/suppliers", {"name": "x", "site": "NOPE"}, 400, "site"),
        ("/quality/suppliers", {"name": "x", "sneaky": 1}, 400, "sneaky"),
    ],
)
def test_bad_input_is_refused_naming_the_field(api, path, body, status, field):
    answer = api.post(path, body)
    assert answer.status_code == status, answer.json()
    assert answer.json()["field"] == field


def test_a_stale_edit_is_a_conflict(api):
    sid = api.post("/quality/suppliers", {"name": "x"}).json()["id"]
    answer = api.patch(f"/quality/suppliers/{sid}", {"reason": "r", "version": 9, "name": "y"})
    assert answer.status_code == 409


def test_an_inspector_reads_but_does_not_write(inspector):
    api = ApiClient(token_for(inspector))
    assert api.get("/quality/suppliers").status_code == 200
    assert api.post("/quality/suppliers", {"name": "x"}).status_code == 403


def test_an_unknown_supplier_id_is_not_found(api):
    assert api.post("/quality/suppliers/999/approvals", {"kind": "material", "scope": "X"}).status_code == 404


def test_a_supplier_of_another_site_is_unknown_to_a_site_limited_user(qa_reviewer, site):
    from atmp.quality.factories import make_supplier
    from atmp.testing import make_user

    elsewhere = make_supplier(actor=qa_reviewer, site=make_site())
    local = make_user("qa_reviewer", site=site, password=PASSWORD)
    api = ApiClient(token_for(local))
    answer = api.get("/quality/may-accept", material="MED-001", supplier=elsewhere.number).json()
    assert answer == {
        "ok": False,
        "rule": "unknown_supplier",
        "reason": f"supplier {elsewhere.number} is not registered",
        "approval": None,
        "agreement": None,
    }
    assert api.get("/quality/suppliers").json()["items"] == []


@pytest.mark.parametrize("on", ["0.0", "2026-13-01", "tomorrow"])
def test_may_accept_refuses_a_date_that_is_not_one(api, on):
    answer = api.get("/quality/may-accept", material="MED-001", supplier="SUP-2026-0001", on=on)
    assert answer.status_code == 400
