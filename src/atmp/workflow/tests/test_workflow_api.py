"""The workflow through the REST API: state and options, transitions (signed ones too), assignment, links."""

from __future__ import annotations

import pytest

from atmp.testing import PASSWORD, ApiClient, make_site, token_for

pytestmark = pytest.mark.django_db


def path(record, tail=""):
    return f"/records/{record.record_type()}/{record.pk}{tail}"


def test_it_shows_the_state_and_why_a_transition_is_not_possible(in_review, author):
    doc = ApiClient(token_for(author)).get(path(in_review, "/workflow")).json()
    assert doc["status"] == "in_review" and doc["status_label"] == "In review"
    approve = next(t for t in doc["transitions"] if t["name"] == "approve")
    assert not approve["allowed"] and "segregation of duties" in approve["reasons"][0]


def test_it_takes_a_signed_transition(in_review, qa_approver):
    api = ApiClient(token_for(qa_approver))
    answer = api.post(
        path(in_review, "/transitions/approve"),
        {"reason": "impact assessed", "password": PASSWORD, "version": in_review.version},
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "approved"
    sigs = api.get(path(in_review)).json()["signatures"]
    assert [(s["meaning"], s["superseded"]) for s in sigs] == [("approved", False)]


@pytest.mark.parametrize(
    ("name", "body", "status", "field"),
    [
        ("fly", {"reason": "r"}, 400, "transition"),
        ("close", {"reason": "r"}, 409, None),
        ("approve", {"reason": "r"}, 400, "password"),
        ("approve", {"reason": "r", "password": "wrong"}, 422, None),
        ("approve", {"reason": "r", "password": PASSWORD, "version": 99}, 409, None),
        ("approve", {"reason": "r", "password": PASSWORD, "sneaky": 1}, 400, "sneaky"),
    ],
)
def test_it_refuses_a_bad_transition_naming_the_rule(in_review, qa_approver, name, body, status, field):
    answer = ApiClient(token_for(qa_approver)).post(path(in_review, f"/transitions/{name}"), body)
    assert answer.status_code == status, answer.json()
    if field:
        assert answer.json()["field"] == field
    assert answer.json()["detail"]


def test_an_inspector_is_refused(case, inspector):
    answer = ApiClient(token_for(inspector)).post(path(case, "/transitions/submit"), {"reason": "r"})
    assert answer.status_code == 403


def test_it_assigns_and_links(case, author, operator):
    api = ApiClient(token_for(author))
    assigned = api.put(path(case, "/assignment"), {"reason": "investigate", "assignee": operator.username})
    assert assigned.status_code == 200 and assigned.json()["assignee"] == operator.username
    site = make_site()
    made = api.post(path(case, "/links"), {"relation": "concerns", "target": site.record_key, "reason": "where"})
    assert made.status_code == 201, made.json()
    assert made.json()["reads"] == "concerns" and made.json()["other"] == site.record_key
    back = api.get(path(site, "/links")).json()
    assert [(b["reads"], b["direction"]) for b in back] == [("is concerned by", "incoming")]
    gone = api.post(f"/links/{made.json()['id']}/void", {"reason": "wrong site"})
    assert gone.status_code == 200
    assert api.get(path(case, "/links")).json() == []


def test_it_refuses_a_link_to_an_unknown_record(case, author):
    answer = ApiClient(token_for(author)).post(
        path(case, "/links"), {"relation": "concerns", "target": "accounts.site:9999"}
    )
    assert answer.status_code == 400 and answer.json()["field"] == "target"
