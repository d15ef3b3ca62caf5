"""The QP's disposition through the CLI (exit 2 naming the rule), the REST API (4xx) and the batch's
disposition page (the checklist, the signed forms, a refusal naming what is missing)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from django.test import Client

from atmp.cli.main import main
from atmp.lab import factories as lf
from atmp.lab.models import BatchDisposition
from atmp.ledger import clock
from atmp.ledger.models import AuditEntry
from atmp.testing import PASSWORD, ApiClient, token_for

pytestmark = pytest.mark.django_db


def atmp(*args):
    return CliRunner().invoke(
        main, ["lab", "disposition", *args], env={"ATMP_PASSWORD": PASSWORD}, catch_exceptions=False
    )


def _in_days(n: int) -> str:
    return (clock.now().date() + dt.timedelta(days=n)).isoformat()


@pytest.fixture
def pending_batch(qa_reviewer):
    return lf.make_certifiable_batch(actor=qa_reviewer, sterility=None)


# --- CLI --------------------------------------------------------------------------------------------


def test_the_cli_lists_the_checks_and_exits_1_while_one_is_not_met(pending_batch):
    shown = atmp("checks", pending_batch.number, "--json")
    assert shown.exit_code == 1
    doc = json.loads(shown.stdout)
    assert {c["name"]: c["state"] for c in doc["checks"]}["results"] == "pending"
    assert "2 Sterility: no result" in atmp("checks", pending_batch.number).output


def test_the_cli_refuses_certifying_with_exit_2_naming_the_missing_result(pending_batch):
    qp = lf.qp()
    before = AuditEntry.objects.count()
    refused = atmp("certify", pending_batch.number, "--as", qp.username, "--reason", "release")
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "results (pending)" in refused.output and "Sterility" in refused.output
    assert AuditEntry.objects.count() == before


def test_the_cli_releases_conditionally_then_certifies(pending_batch):
    qp = lf.qp()
    undated = atmp("release-conditionally", pending_batch.number, "--as", qp.username, "--reason", "urgent")
    assert undated.exit_code == 2 and "expected date missing" in undated.output
    bad = atmp("release-conditionally", pending_batch.number, "--as", qp.username, "--reason", "urgent",
               "--expected", "Sterility")  # fmt: skip
    assert bad.exit_code == 2 and "TEST=YYYY-MM-DD" in bad.output
    made = atmp("release-conditionally", pending_batch.number, "--as", qp.username, "--reason", "urgent",
                "--expected", f"Sterility={_in_days(14)}", "--json")  # fmt: skip
    assert made.exit_code == 0, made.output
    doc = json.loads(made.stdout)
    assert doc["status"] == "conditional" and doc["pending"][0]["expected_on"] == _in_days(14)
    shown = atmp("show", pending_batch.number)
    assert shown.exit_code == 0 and "pending: 2 Sterility" in shown.output


def test_the_cli_rejects_an_unknown_batch_with_exit_2():
    refused = atmp("checks", "NO-SUCH-BATCH")
    assert refused.exit_code == 2 and "batch" in refused.output


# --- API --------------------------------------------------------------------------------------------


def test_the_api_answers_the_checks_and_refuses_certification_with_422(pending_batch):
    qp = lf.qp()
    api = ApiClient(token_for(qp))
    got = api.get(f"/lab/batches/{pending_batch.number}/disposition")
    assert got.status_code == 200 and got.json()["certifiable"] is False
    refused = api.post(f"/lab/batches/{pending_batch.number}/disposition/certify", {"password": PASSWORD})
    assert refused.status_code == 422 and "Sterility" in refused.json()["detail"]
    assert not BatchDisposition.objects.exists()


def test_the_api_refuses_bad_input_with_4xx(pending_batch, qa_approver):
    qp = lf.qp()
    api = ApiClient(token_for(qp))
    base = f"/lab/batches/{pending_batch.number}/disposition"
    assert api.get("/lab/batches/NOPE/disposition").status_code == 404
    missing = api.post(f"{base}/release-conditionally", {"password": PASSWORD, "reason": "urgent", "expected": {}})
    assert missing.status_code == 400 and missing.json()["field"] == "expected"
    assert api.post(f"{base}/certify", {"password": PASSWORD, "reasn": "x"}).status_code in (400, 422)
    not_qp = ApiClient(token_for(qa_approver)).post(f"{base}/certify", {"password": PASSWORD})
    assert not_qp.status_code == 403
    made = api.post(
        f"{base}/release-conditionally",
        {"password": PASSWORD, "reason": "urgent", "expected": {"Sterility": _in_days(10)}},
    )
    assert made.status_code == 200 and made.json()["status"] == "conditional"
    assert api.post(f"{base}/reject", {"password": PASSWORD}).status_code in (400, 422)


# --- page -------------------------------------------------------------------------------------------


def _browser(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_the_checklist_and_a_refusal_naming_what_is_missing(pending_batch):
    qp = lf.qp()
    browser = _browser(qp)
    url = f"/lab/batches/{pending_batch.number}/disposition/"
    page = browser.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="check-results"' in html and "2 Sterility: no result" in html
    assert 'data-testid="form-certify"' in html and 'data-testid="form-release_conditionally"' in html
    refused = browser.post(url, {"action": "certify", "certify-password": PASSWORD, "certify-reason": "release"})
    assert refused.status_code == 422 and "Sterility" in refused.content.decode()
    done = browser.post(
        url,
        {
            "action": "release_conditionally",
            "release_conditionally-password": PASSWORD,
            "release_conditionally-reason": "urgent",
            "release_conditionally-expected_2": _in_days(14),
        },
    )
    assert done.status_code == 302
    shown = browser.get(url).content.decode()
    assert 'data-testid="disposition-pending"' in shown and _in_days(14) in shown


def test_the_batch_record_page_links_to_the_disposition(pending_batch, qa_reviewer):
    page = _browser(qa_reviewer).get(f"/records/{pending_batch.record_type()}/{pending_batch.pk}/")
    assert page.status_code == 200
    assert f"/lab/batches/{pending_batch.number}/disposition/" in page.content.decode()


def test_a_reader_sees_the_checklist_without_the_forms(pending_batch, inspector):
    page = _browser(inspector).get(f"/lab/batches/{pending_batch.number}/disposition/")
    assert page.status_code == 200 and 'data-testid="check-results"' in page.content.decode()
    assert 'data-testid="form-certify"' not in page.content.decode()


def test_the_api_and_the_page_show_a_late_result_alert_s_text_as_written(qa_reviewer):
    from django.utils.html import escape

    alert = lf.make_lateresultalert(actor=qa_reviewer)
    number = alert.disposition.batch.number
    assert alert.message.startswith(f"{number}: Sterility gave 'does not conform' — does not conform to 'No growth'. ")
    qp = lf.qp()
    shown = ApiClient(token_for(qp)).get(f"/lab/batches/{number}/disposition").json()
    assert [a["message"] for a in shown["alerts"]] == [alert.message]
    page = _browser(qp).get(f"/lab/batches/{number}/disposition/").content.decode()
    assert escape(alert.message) in page
