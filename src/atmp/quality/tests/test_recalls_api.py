"""Recalls through the REST API: scope, recipients, reconciliation, closure; 4xx."""

from __future__ import annotations

import pytest

from atmp.testing import PASSWORD, ApiClient, make_site, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(qa_reviewer):
    return ApiClient(token_for(qa_reviewer))


def test_a_mock_recall_from_decision_to_closure(api, site, qa_approver):
    made = api.post(
        "/quality/recalls",
        {
            "site": site.code,
            "title": "Mock recall",
            "recall_reason": "annual exercise",
            "classification": "class_iii",
            "decision_date": "2026-01-02",
            "mock": True,
        },
    )
    assert made.status_code == 201, made.json()
    rid = made.json()["id"]
    lot = make_site()
    scoped = api.post(
        f"/quality/recalls/{rid}/scope",
        {
            "reason": "from genealogy",
            "items": [{"record": lot.record_key, "description": "Lot 1", "unit": "bags", "quantity_distributed": "4"}],
        },
    )
    assert scoped.status_code == 200, scoped.json()
    assert scoped.json()["scope"][0]["quantity_distributed"] == "4.000"
    recipient = api.post(f"/quality/recalls/{rid}/recipients", {"reference": "UZG-PHARM", "kind": "hospital"})
    assert recipient.status_code == 201
    approver = ApiClient(token_for(qa_approver))
    assert approver.post(f"/records/quality.recall/{rid}/transitions/start", {"reason": "go"}).status_code == 200
    scope_id = scoped.json()["scope"][0]["id"]
    assert (
        api.patch(
            f"/quality/recall-scope/{scope_id}", {"reason": "back", "version": 1, "quantity_returned": "4"}
        ).status_code
        == 200
    )
    told = api.patch(
        f"/quality/recall-recipients/{recipient.json()['id']}", {"reason": "phoned", "version": 1, "response": "ok"}
    )
    assert told.status_code == 200 and told.json()["notified_at"]
    state = api.get("/quality/recalls").json()["items"][0]
    assert state["reconciliation_complete"] and state["reconciliation_rule"] is None
    assert api.post(f"/records/quality.recall/{rid}/transitions/reconcile", {"reason": "r"}).status_code == 200
    closed = approver.post(f"/records/quality.recall/{rid}/transitions/close", {"reason": "ok", "password": PASSWORD})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_a_bad_scope_item_is_refused_naming_it(api, site):
    rid = api.post(
        "/quality/recalls", {"site": site.code, "title": "t", "recall_reason": "r", "classification": "class_i"}
    ).json()["id"]
    answer = api.post(
        f"/quality/recalls/{rid}/scope",
        {"reason": "r", "items": [{"record": "trace.lot:9", "description": "x", "quantity_distributed": "1"}]},
    )
    assert answer.status_code == 400 and answer.json()["field"] == "items[0].record"
    negative = api.post(
        f"/quality/recalls/{rid}/scope",
        {"reason": "r", "items": [{"record": site.record_key, "description": "x", "quantity_distributed": "-1"}]},
    )
    assert negative.status_code == 400


def test_closing_unreconciled_is_refused(api, site, qa_approver, qa_reviewer):
    from atmp.quality.factories import make_recall, make_recall_recipient

    recall = make_recall(actor=qa_reviewer, site=site, with_scope=True)
    make_recall_recipient(actor=qa_reviewer, recall=recall)
    approver = ApiClient(token_for(qa_approver))
    approver.post(f"/records/quality.recall/{recall.pk}/transitions/start", {"reason": "go"})
    approver.post(f"/records/quality.recall/{recall.pk}/transitions/reconcile", {"reason": "go"})
    answer = approver.post(
        f"/records/quality.recall/{recall.pk}/transitions/close", {"reason": "r", "password": PASSWORD}
    )
    assert answer.status_code == 422 and "notified" in answer.json()["detail"]
