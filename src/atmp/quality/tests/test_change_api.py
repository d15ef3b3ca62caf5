"""Change control through the REST API: open with links, tasks, the QP's approval; refusals as 4xx."""

from __future__ import annotations

import pytest

from atmp.quality.tests.helpers_change import move
from atmp.testing import PASSWORD, ApiClient, make_site, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(qa_reviewer):
    return ApiClient(token_for(qa_reviewer))


def test_it_opens_a_change_with_its_links_and_lists_it(api, approved_ra, site):
    other = make_site(code="GEN")
    made = api.post(
        "/quality/change-controls",
        {
            "site": "LEI",
            "title": "New culture medium supplier",
            "description": "Switch to supplier B",
            "affected_products": ["AAV9-SMN"],
            "affected_records": [other.record_key],
            "risk_assessment": approved_ra.number,
            "regulatory_classification": "type_ib",
            "classification_rationale": "B.II.b.4",
            "comparability_required": True,
        },
    )
    assert made.status_code == 201, made.json()
    doc = made.json()
    assert doc["number"].startswith("CC-") and doc["risk_assessments"] == [approved_ra.number]
    assert doc["affected"]["products"] == ["AAV9-SMN"] and doc["comparability_required"] is True
    links = api.get(f"/records/quality.changecontrol/{doc['id']}/links").json()
    assert sorted(link["reads"] for link in links) == ["concerns", "is supported by"]
    listed = api.get("/quality/change-controls", classification="type_ib").json()
    assert [c["number"] for c in listed["items"]] == [doc["number"]]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"site": "LEI", "title": "T", "regulatory_classification": "type_x"}, 400, "regulatory_classification"),
        ({"site": "LEI", "title": "T", "risk_assessment": "RA-1999-0001"}, 400, "risk_assessment"),
        ({"site": "LEI", "title": "T", "affected_records": ["nothing:1"]}, 400, "affected_records"),
        ({"site": "NOPE", "title": "T"}, 400, "site"),
        ({"site": "LEI", "title": "T", "status": "closed"}, 400, "status"),
    ],
)
def test_it_refuses_bad_input_with_400_naming_the_field(api, site, body, status, field):
    answer = api.post("/quality/change-controls", body)
    assert answer.status_code == status, answer.json()
    assert answer.json()["field"] == field
    assert api.get("/quality/change-controls").json()["items"] == []


def test_a_patch_a_link_and_a_refused_transition(api, change):
    patched = api.patch(
        f"/quality/change-controls/{change.pk}", {"affected_systems": ["LIMS"], "reason": "scope", "version": 1}
    )
    assert patched.status_code == 200 and patched.json()["affected"]["systems"] == ["LIMS"]
    linked = api.post(f"/quality/change-controls/{change.pk}/affected", {"record": make_site().record_key})
    assert linked.status_code == 201 and linked.json()["reads"] == "concerns"
    early = api.post(f"/records/quality.changecontrol/{change.pk}/transitions/complete", {"reason": "r"})
    assert early.status_code == 409


def test_tasks_through_the_api(api, qa_reviewer, qa_approver, operator, change):
    move(qa_reviewer, change, "assess", "submit")
    move(qa_approver, change, "approve")
    added = api.post(f"/quality/change-controls/{change.pk}/tasks", {"title": "Qualify", "owner": "olga"})
    assert added.status_code == 201 and added.json()["owner"] == "olga"
    task_id = added.json()["id"]
    assert api.post(f"/quality/change-controls/{change.pk}/tasks", {"title": "X", "owner": "nobody"}).status_code == 400
    refused = api.post(f"/quality/change-controls/{change.pk}/tasks/{task_id}/done", {"evidence": "", "reason": "r"})
    assert refused.status_code == 400 and refused.json()["field"] == "evidence"
    done = api.post(f"/quality/change-controls/{change.pk}/tasks/{task_id}/done", {"evidence": "QR-1", "reason": "r"})
    assert done.status_code == 200 and done.json()["done"] is True
    assert [t["done"] for t in api.get(f"/quality/change-controls/{change.pk}/tasks").json()] == [True]
    moved = api.post(f"/records/quality.changecontrol/{change.pk}/transitions/complete", {"reason": "all done"})
    assert moved.status_code == 200 and moved.json()["status"] == "effectiveness_review"


def test_the_qps_approval_through_the_api(qa_reviewer, qp, change):
    from atmp.quality.services.changes import update_change

    move(qa_reviewer, change, "assess")
    update_change(actor=qa_reviewer, change=change, reason="certified product", affects_certified_product=True)
    qp_api = ApiClient(token_for(qp))
    wrong = qp_api.post(f"/quality/change-controls/{change.pk}/qp-approval", {"password": "wrong"})
    assert wrong.status_code == 422
    signed = qp_api.post(f"/quality/change-controls/{change.pk}/qp-approval", {"password": PASSWORD})
    assert signed.status_code == 201, signed.json()
    assert signed.json()["meaning"] == "approved"
    assert ApiClient(token_for(qa_reviewer)).get("/quality/change-controls").json()["items"][0]["qp_approved"]


def test_an_operator_is_refused_the_qps_approval(operator, change):
    answer = ApiClient(token_for(operator)).post(
        f"/quality/change-controls/{change.pk}/qp-approval", {"password": PASSWORD}
    )
    assert answer.status_code == 403


def test_a_site_limited_user_does_not_see_another_sites_change(change):
    from atmp.testing import make_user

    local = make_user("qa_reviewer", site=make_site())
    api = ApiClient(token_for(local))
    assert api.get("/quality/change-controls").json()["items"] == []
    assert api.get(f"/quality/change-controls/{change.pk}/tasks").status_code == 404
