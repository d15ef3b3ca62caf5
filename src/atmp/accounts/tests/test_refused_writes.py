"""Refused writes (403 or 404 to a write) and CSRF failures are recorded in the ledger, bounded per
client address and minute so that nobody can grow the 30-year ledger without limit (ASVS 7.2.2)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from atmp.accounts import auth, refusals
from atmp.ledger import clock, verify
from atmp.ledger.models import AuditEntry
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db

MINUTE = dt.datetime(2026, 12, 5, 3, 0, 7, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def one_minute(monkeypatch):
    """Keep every request of a test in one rate-limit window, whatever the wall clock does."""
    ticks = iter(range(10**6))
    monkeypatch.setattr(clock, "now", lambda: MINUTE + dt.timedelta(microseconds=next(ticks)))


def refusals_of(action: str = refusals.ACTION) -> list[dict]:
    rows = AuditEntry.objects.filter(action=action).order_by("seq")
    return [
        {
            "actor": r.actor_id,
            "client": r.record_id,
            **{k: v[1] for k, v in json.loads(r.changes).items()},
        }
        for r in rows
    ]


def api(user, **kwargs) -> Client:
    raw = auth.issue_token(actor=None, user=user, name="t").raw
    return Client(headers={"Authorization": f"Bearer {raw}"}, **kwargs)


def test_a_forbidden_api_write_is_recorded_with_its_actor(operator):
    response = api(operator).post(
        "/api/v1/sites", data={"code": "GNT", "name": "Ghent"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert refusals_of() == [
        {
            "actor": operator.pk,
            "client": "127.0.0.1",
            "method": "POST",
            "path": "/api/v1/sites",
            "status": 403,
            "refusal": "forbidden",
        }
    ]


def test_a_write_to_a_record_not_found_is_recorded(qa_reviewer):
    response = api(qa_reviewer).patch(
        "/api/v1/sites/NOPE", data={"name": "x", "reason": "y"}, content_type="application/json"
    )
    assert response.status_code == 404
    [refusal] = refusals_of()
    assert refusal["refusal"] == "not_found" and refusal["actor"] == qa_reviewer.pk


def test_an_api_csrf_failure_is_recorded_without_making_the_session_owner_its_actor(qa_reviewer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(qa_reviewer)
    response = browser.post("/api/v1/sites", data={"code": "GNT", "name": "Ghent"}, content_type="application/json")
    assert response.status_code == 403
    [refusal] = refusals_of()
    assert refusal["actor"] is None
    assert refusal["refusal"] == "csrf" and refusal["session_user"] == "rita"


def test_a_web_csrf_failure_is_recorded_once_per_address_and_minute():
    forger = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        assert forger.post("/login/", {"username": "rita", "password": "guess"}).status_code == 403
    assert refusals_of() == [
        {"actor": None, "client": "203.0.113.9", "method": "POST", "path": "/login/", "status": 403, "refusal": "csrf"}
    ]


def test_a_forbidden_page_write_and_a_page_not_found_are_recorded(operator):
    browser = Client()
    assert browser.post("/login/", {"username": operator.username, "password": PASSWORD}).status_code == 302
    assert browser.post("/sites/new/", {"code": "GNT", "name": "Ghent"}).status_code == 403
    assert browser.post("/nowhere/%0A" + "x" * 300 + "/", {}).status_code == 404
    forbidden, not_found = refusals_of()
    assert forbidden["refusal"] == "forbidden" and forbidden["path"] == "/sites/new/" and forbidden["status"] == 403
    assert not_found["refusal"] == "not_found" and not_found["actor"] == operator.pk
    assert len(not_found["path"]) == refusals.MAX_PATH and "\n" not in not_found["path"]


def test_reads_and_accepted_writes_are_not_refusals(qa_reviewer, operator):
    assert api(operator).get("/api/v1/sites/NOPE").status_code in (404, 405)
    client = api(qa_reviewer)
    assert (
        client.post("/api/v1/sites", data={"code": "GNT", "name": "Ghent"}, content_type="application/json").status_code
        == 201
    )
    assert refusals_of() == []


def test_a_signed_in_users_refusals_are_capped_per_address_with_one_summary(operator, settings):
    settings.ATMP_REFUSALS_PER_MINUTE = 3
    client = api(operator)
    for _ in range(7):
        client.post("/api/v1/sites", data={"code": "GNT", "name": "Ghent"}, content_type="application/json")
    assert len(refusals_of()) == 3
    [summary] = refusals_of(refusals.SUPPRESSED)
    assert summary == {"actor": None, "client": "127.0.0.1", "window": "2026-12-05T03:00:00.000000Z", "limit": 3}


def test_anonymous_refusals_from_many_addresses_are_capped_together(settings):
    settings.ATMP_ANONYMOUS_REFUSALS_PER_MINUTE = 2
    for n in range(6):
        Client(enforce_csrf_checks=True, REMOTE_ADDR=f"2001:db8::{n + 1}").post("/login/", {})
    assert [r["client"] for r in refusals_of()] == ["2001:db8::1", "2001:db8::2"]
    [summary] = refusals_of(refusals.SUPPRESSED)
    assert summary["client"] == "*" and summary["limit"] == 2


def test_the_next_minute_records_again(operator, monkeypatch):
    client = api(operator)
    forger = Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.7")
    forger.post("/login/", {})
    forger.post("/login/", {})
    later = MINUTE + dt.timedelta(minutes=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    forger.post("/login/", {})
    assert len(refusals_of()) == 2
    assert client  # the operator's token made no refusal


def test_refusal_entries_are_part_of_the_verified_ledger(operator):
    api(operator).post("/api/v1/sites", data={"code": "GNT", "name": "Ghent"}, content_type="application/json")
    Client(enforce_csrf_checks=True).post("/login/", {})
    assert len(refusals_of()) == 2
    report = verify.run(processes=1)
    assert report.ok, report


def test_a_client_address_that_is_not_an_ip_address_is_unknown():
    from django.test import RequestFactory

    assert refusals.client_address(RequestFactory().post("/", REMOTE_ADDR="<script>")) == "unknown"
    assert refusals.client_address(RequestFactory().post("/", REMOTE_ADDR="::ffff:10.0.0.1")) == "::ffff:a00:1"


def test_refusals_are_shown_to_all_sites_readers_only(operator, inspector, site):
    from atmp.testing import make_user

    api(operator).post("/api/v1/sites", data={"code": "GNT", "name": "Ghent"}, content_type="application/json")
    local = make_user("qa_reviewer", username="lena", site=site)
    seen_locally = api(local).get("/api/v1/ledger/entries", {"action": refusals.ACTION}).json()["entries"]
    seen_everywhere = api(inspector).get("/api/v1/ledger/entries", {"action": refusals.ACTION}).json()["entries"]
    assert seen_locally == [] and len(seen_everywhere) == 1
