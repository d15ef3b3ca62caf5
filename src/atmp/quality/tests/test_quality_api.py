"""A deviation and its CAPA from opening to closure through the REST API, and refusals naming the rule."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.ledger import clock, verify
from atmp.testing import PASSWORD, ApiClient, make_user, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(site):
    return {
        "op": ApiClient(token_for(make_user("operator", username="op", password=PASSWORD))),
        "rev": ApiClient(token_for(make_user("qa_reviewer", username="rev", password=PASSWORD))),
        "app": ApiClient(token_for(make_user("qa_approver", username="app", password=PASSWORD))),
    }


def ok(answer, status=200):
    assert answer.status_code == status, answer.json()
    return answer.json()


def go(api, record, name, **body):
    return ok(api.post(f"/records/{record}/transitions/{name}", {"reason": name, **body}))


def test_a_deviation_and_its_capa_run_to_closure(people, site):
    op, rev, app = people["op"], people["rev"], people["app"]
    when = (clock.now() - dt.timedelta(hours=3)).isoformat()
    dev = ok(op.post("/quality/deviations", {"site": site.code, "title": "Bioburden excursion",
                                             "description": "Pre-filtration bioburden 12 CFU/100 mL",
                                             "occurred_at": when}), 201)  # fmt: skip
    key = dev["record"].replace(":", "/")
    dev = ok(rev.post(f"/quality/deviations/{dev['id']}/classification",
                      {"severity": 3, "occurrence": 3, "detectability": 2, "reason": "triage"}))  # fmt: skip
    assert (dev["classification"], dev["rpn"]) == ("major", 18)
    go(rev, key, "start_investigation")
    dev = ok(op.patch(f"/quality/deviations/{dev['id']}", {
        "reason": "investigated", "version": dev["version"] + 1,
        "impact_assessment": "Batch filtered again", "root_cause": "Open hold tank", "root_cause_method": "five_whys",
    }))  # fmt: skip
    capa = ok(op.post("/quality/capas", {"site": site.code, "title": "Close the hold tank", "description": "Lid",
                                          "source": dev["record"], "effectiveness_criteria": "No excursion in 10 runs",
                                          "effectiveness_due": "2030-01-01"}), 201)  # fmt: skip
    action = ok(op.post(f"/quality/capas/{capa['id']}/actions", {"description": "Fit a lid", "owner": "op"}), 201)
    ok(op.put(f"/quality/capa-actions/{action['id']}/evidence", {"evidence": "Lid fitted", "reason": "done"}))
    go(op, f"quality.capaaction/{action['id']}", "complete")
    go(op, f"quality.capa/{capa['id']}", "implemented")
    ok(op.put(f"/quality/capas/{capa['id']}/effectiveness",
              {"outcome": "effective", "evidence": "10 runs clean", "reason": "checked"}))  # fmt: skip
    assert go(app, f"quality.capa/{capa['id']}", "close", password=PASSWORD)["status"] == "closed"
    go(op, key, "submit")
    assert go(app, key, "close", password=PASSWORD)["status"] == "closed"
    assert verify.run().ok


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"title": ""}, 400, "title"),
        ({"occurred_at": "2999-01-01T00:00:00Z"}, 400, "occurred_at"),
        ({"site": "NOPE"}, 400, "site"),
        ({"source": "nothing:1"}, 400, "source"),
        ({"colour": "red"}, 400, "colour"),
    ],
)
def test_a_bad_deviation_is_refused_naming_the_field(people, site, body, status, field):
    good = {"site": site.code, "title": "t", "description": "d", "occurred_at": "2026-01-01T00:00:00Z"}
    answer = people["op"].post("/quality/deviations", {**good, **body})
    assert answer.status_code == status, answer.json()
    assert answer.json()["field"] == field


def test_an_operator_cannot_classify(people, site):
    dev = ok(people["op"].post("/quality/deviations", {"site": site.code, "title": "t", "description": "d",
                                                         "occurred_at": "2026-01-01T00:00:00Z"}), 201)  # fmt: skip
    answer = people["op"].post(f"/quality/deviations/{dev['id']}/classification",
                               {"severity": 1, "occurrence": 1, "detectability": 1, "reason": "r"})  # fmt: skip
    assert answer.status_code == 403


def test_the_lists_page_newest_first(people, site):
    for n in range(3):
        people["op"].post("/quality/deviations", {"site": site.code, "title": f"t{n}", "description": "d",
                                                   "occurred_at": "2026-01-01T00:00:00Z"})  # fmt: skip
    first = ok(people["op"].get("/quality/deviations", limit=2))
    assert [d["title"] for d in first["items"]] == ["t2", "t1"] and first["next"]
    rest = ok(people["op"].get("/quality/deviations", limit=2, after=first["next"]))
    assert [d["title"] for d in rest["items"]] == ["t0"] and rest["next"] is None


@pytest.mark.parametrize("field", ["occurred_at", "title", "description"])
def test_a_required_field_sent_empty_in_an_edit_is_refused_naming_it(people, site, field):
    op = people["op"]
    when = (clock.now() - dt.timedelta(hours=3)).isoformat()
    dev = ok(
        op.post("/quality/deviations", {"site": site.code, "title": "t", "description": "d", "occurred_at": when}), 201
    )

    answer = op.patch(
        f"/quality/deviations/{dev['id']}", {"reason": "clear it", "version": dev["version"], field: None}
    )

    assert answer.status_code == 400, answer.json()
    assert answer.json()["field"] == field
