"""Trends through the API, the CLI and the pages: a point's chart (JSON and SVG), the alerts and QA's
signed assessment, the trend policy, the monthly summary (JSON, page, PDF) and a room's heat map."""

from __future__ import annotations

import datetime as dt
import io
import json

import pypdf
import pytest
from click.testing import CliRunner
from django.test import Client

from atmp.cli.main import main
from atmp.environment import factories as f
from atmp.environment.models import TrendAlert, TrendPolicy
from atmp.ledger import clock
from atmp.quality import factories as qf
from atmp.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def atmp(*args: str):
    return CliRunner().invoke(main, ["environment", *args], env={"ATMP_PASSWORD": PASSWORD}, catch_exceptions=False)


def doc(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _as(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def charted():
    """A grade C particle counter with 20 steady results and one far above them (rule 1)."""
    point = f.make_point(type="particles_0_5", grade="C", code="PC-1")
    start = clock.now() - dt.timedelta(days=30)
    for i in range(20):
        f.make_result(point=point, value=(1000, 1100, 1050)[i % 3], taken_at=start + dt.timedelta(days=i))
    f.make_result(point=point, value=9000, taken_at=start + dt.timedelta(days=25))
    return point


def test_the_trend_command_gives_values_limits_and_violations_and_writes_the_svg(charted, tmp_path):
    room = charted.room
    svg = tmp_path / "chart.svg"
    d = doc(atmp("trend", room.site.code, room.code, "PC-1", "--json", "--svg", str(svg)))
    assert (d["n"], d["state"], d["limits"]["action"], d["rules"]) == (21, "in_operation", "3520000", [1, 2, 3, 4])
    # The chart's centre is the window's mean, which the outlier lifts: the steady results below it
    # then complete rule 2 too (a phase I chart, docs/environment.md); only rule 1 raised an alert.
    last = {"rule": 1, "index": 20, "record": d["values"][20]["record"], "taken_at": d["values"][20]["taken_at"]}
    assert last in d["violations"] and {v["rule"] for v in d["violations"]} == {1, 2}
    assert d["values"][20]["rules"] == [1] and d["centre"] > 1000
    assert [a.rule for a in TrendAlert.objects.all()] == ["nelson_1"]
    text = svg.read_text()
    assert text.startswith("<svg") and 'data-rules="1"' in text and "UCL" in text and "action 3.520e+06" in text


def test_a_bad_state_is_refused_naming_it(charted):
    result = atmp("trend", charted.room.site.code, charted.room.code, "PC-1", "--state", "asleep")
    assert result.exit_code == 2 and "state" in result.stderr


def test_alerts_are_listed_and_qa_assesses_one_on_the_command_line():
    qa = make_user("qa_reviewer", password=PASSWORD)
    alert = f.make_trend_alert()
    deviation = qf.make_deviation(actor=qa, site=alert.site)
    listed = doc(atmp("alerts", "--open", "--json"))
    assert [a["record"] for a in listed] == [alert.record_key] and listed[0]["rule"] == "consecutive_alerts"
    done = doc(
        atmp(
            "alert",
            "assess",
            str(alert.pk),
            "--reason",
            "late reading",
            "--deviation",
            deviation.number,
            "--as",
            qa.username,
            "--json",
        )
    )
    assert (done["status"], done["assessment"], done["deviation"]) == ("assessed", "late reading", deviation.number)
    assert doc(atmp("alerts", "--open", "--json")) == []
    again = atmp("alert", "assess", str(alert.pk), "--reason", "twice", "--as", qa.username)
    assert again.exit_code != 0


def test_an_unknown_deviation_is_refused_and_the_alert_stays_open():
    qa = make_user("qa_reviewer", password=PASSWORD)
    alert = f.make_trend_alert()
    result = atmp("alert", "assess", str(alert.pk), "--reason", "x", "--deviation", "DEV-0000", "--as", qa.username)
    assert result.exit_code == 2 and "deviation" in result.stderr
    assert TrendAlert.objects.get().status == "open"


def test_the_trend_policy_is_shown_and_set_on_the_command_line():
    qa = make_user("qa_reviewer", password=PASSWORD)
    site = f.make_room().site
    assert doc(atmp("trend-policy", "show", site.code, "--json"))["default"] is True
    made = doc(
        atmp("trend-policy", "set", site.code, "--rules", "1,2,5", "--window-days", "28", "--as", qa.username, "--json")
    )
    assert (made["rules"], made["window_days"], made["default"]) == ([1, 2, 5], 28, False)
    refused = atmp("trend-policy", "set", site.code, "--rules", "0", "--as", qa.username, "--reason", "x")
    assert refused.exit_code == 2 and "rules" in refused.stderr and TrendPolicy.objects.get().rules == "1,2,5"


def test_the_monthly_summary_counts_each_level_per_point_type(tmp_path):
    alert = f.make_trend_alert()
    site, month = alert.site, alert.result.taken_at.strftime("%Y-%m")
    f.make_result(point=alert.point, value=9, taken_at=alert.result.taken_at + dt.timedelta(minutes=1))
    d = doc(atmp("summary", site.code, "--month", month, "--json"))
    assert d["totals"] == {"results": 3, "within": 0, "alert": 2, "action": 1} and d["trend_alerts"] >= 1
    assert d["by_type"] == [
        {"room": alert.point.room.code, "type": "settle_plate", "results": 3, "within": 0, "alert": 2, "action": 1}
    ]
    bad = atmp("summary", site.code, "--month", "November")
    assert bad.exit_code == 2 and "month" in bad.stderr


def test_the_monthly_summary_prints_as_a_pdf(tmp_path):
    alert = f.make_trend_alert()
    pdf = tmp_path / "em.pdf"
    doc(
        atmp(
            "summary", alert.site.code, "--month", alert.result.taken_at.strftime("%Y-%m"), "--pdf", str(pdf), "--json"
        )
    )
    reader = pypdf.PdfReader(io.BytesIO(pdf.read_bytes()))
    name = f"em-summary-{alert.site.code}-{alert.result.taken_at:%Y-%m}.json"
    assert list(reader.attachments) == [name]  # the summary it was printed from
    assert json.loads(reader.attachments[name][0])["totals"]["alert"] == 2
    assert "Environmental monitoring summary" in reader.pages[0].extract_text()


def test_the_heat_map_counts_excursions_per_point_and_month(tmp_path):
    alert = f.make_trend_alert()
    room, month = alert.point.room, alert.result.taken_at.strftime("%Y-%m")
    svg = tmp_path / "heat.svg"
    d = doc(atmp("heat-map", room.site.code, room.code, "--month", month, "--svg", str(svg), "--json"))
    assert len(d["months"]) == 12 and d["months"][-1] == month
    cell = next(c for c in d["cells"] if c["month"] == month)
    assert (cell["results"], cell["alert"], cell["action"]) == (2, 2, 0)
    assert 'data-alert="2"' in svg.read_text()


def test_the_api_answers_the_trend_the_alerts_and_the_assessment(charted):
    qa = make_user("qa_reviewer", password=PASSWORD)
    client = _as(qa)
    room = charted.room
    trend = client.get(f"/api/v1/environment/rooms/{room.site.code}/{room.code}/points/PC-1/trend?svg=true")
    assert (
        trend.status_code == 200
        and 1 in [v["rule"] for v in trend.json()["violations"]]
        and trend.json()["svg"].startswith("<svg")
    )
    alerts = client.get("/api/v1/environment/alerts?open=true").json()
    assert [a["rule"] for a in alerts] == ["nelson_1"]
    wrong = client.post(
        f"/api/v1/environment/alerts/{alerts[0]['id']}/assess",
        {"reason": "ok", "password": "wrong"},
        content_type="application/json",
    )
    assert wrong.status_code in (401, 403, 422) and TrendAlert.objects.get().status == "open"
    done = client.post(
        f"/api/v1/environment/alerts/{alerts[0]['id']}/assess",
        {"reason": "filter change that day", "password": PASSWORD},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "assessed"
    operator = _as(make_user("operator", password=PASSWORD))
    refused = operator.post(
        f"/api/v1/environment/alerts/{alerts[0]['id']}/assess",
        {"reason": "x", "password": PASSWORD},
        content_type="application/json",
    )
    assert refused.status_code == 403
    summary = client.get(f"/api/v1/environment/summary/{room.site.code}?month={clock.now():%Y-%m}")
    assert summary.status_code == 200 and summary.json()["site"] == room.site.code
    policy = client.post(
        "/api/v1/environment/trend-policy", {"site": room.site.code, "rules": "1,2"}, content_type="application/json"
    )
    assert policy.status_code == 200 and policy.json()["rules"] == [1, 2]
    heat = client.get(
        f"/api/v1/environment/rooms/{room.site.code}/{room.code}/heat-map?month={clock.now():%Y-%m}&svg=true"
    )
    assert heat.status_code == 200 and heat.json()["svg"].startswith("<svg")


def test_the_pages_show_the_chart_the_alerts_the_summary_and_the_heat_map(charted):
    room = charted.room
    client = _as(make_user("inspector"))
    point = client.get(f"/environment/rooms/{room.site.code}/{room.code}/points/PC-1/")
    assert point.status_code == 200 and b'data-testid="control-chart"' in point.content and b"<svg" in point.content
    assert b"Nelson rule 1" in point.content
    page = client.get(f"/environment/rooms/{room.site.code}/{room.code}/")
    assert page.status_code == 200 and b'data-testid="heat-map"' in page.content
    listed = client.get("/environment/alerts/?open=1")
    assert (
        listed.status_code == 200
        and b"Nelson rule 1" in listed.content
        and b'data-testid="assess"' not in listed.content
    )
    summary = client.get(f"/environment/summary/{room.site.code}/?month={clock.now():%Y-%m}")
    assert summary.status_code == 200 and b'data-testid="summary-by-type"' in summary.content
    assert client.get(f"/environment/summary/{room.site.code}/?month=nope").status_code == 400


def test_qa_assesses_on_the_page_drawn_from_the_api_operation():
    alert = f.make_trend_alert()
    qa = make_user("qa_reviewer", password=PASSWORD)
    client = _as(qa)
    assert b'data-testid="assess"' in client.get("/environment/alerts/").content
    form = client.get(f"/environment/alerts/{alert.pk}/assess/")
    assert form.status_code == 200 and b"password" in form.content
    posted = client.post(
        f"/environment/alerts/{alert.pk}/assess/", {"reason": "settle plates dropped", "password": PASSWORD}
    )
    assert posted.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.assessment) == ("assessed", "settle plates dropped")
