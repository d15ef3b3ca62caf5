"""Stability studies through the CLI (--json, exit 2 naming the field), the REST API (4xx naming the
field, signed generic transitions) and the pages (list, study with schedule, estimate and plot, forms)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from django.test import Client

from atmp.cli.main import main
from atmp.lab import factories
from atmp.lab.models import StabilityCondition, StabilityPull
from atmp.lab.services import stability as svc
from atmp.testing import PASSWORD, ApiClient, make_user, token_for

pytestmark = pytest.mark.django_db


def atmp(*args):
    return CliRunner().invoke(main, ["lab", "stability", *args], env={"ATMP_PASSWORD": PASSWORD})


def doc(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def analyst(db):
    return make_user("qc_analyst", username="quentin", password=PASSWORD)


def test_cli_protocol_approval_pull_result_estimate(qa_reviewer, analyst):
    study = factories.make_stabilitystudy(actor=qa_reviewer)
    bad = atmp("condition", study.number, "--condition", "8C", "--kind", "long_term", "--time-points", "0,3,6",
               "--as", "rita")  # fmt: skip
    assert bad.exit_code == 2 and "condition" in bad.output and "Traceback" not in bad.output
    bad = atmp("condition", study.number, "--condition", "minus65", "--kind", "long_term", "--time-points", "0,3",
               "--as", "rita")  # fmt: skip
    assert bad.exit_code == 2 and "time_points" in bad.output
    bad = atmp("attribute", study.number, "--attribute", "Colour", "--as", "rita")
    assert bad.exit_code == 2 and "attribute" in bad.output and "not in specification" in bad.output
    made = doc(atmp("condition", study.number, "--condition", "minus65", "--kind", "long_term",
                    "--time-points", "0,3,6", "--as", "rita", "--json"))  # fmt: skip
    assert made["conditions"][0]["time_points"] == [0, 3, 6]
    doc(atmp("attribute", study.number, "--attribute", "Potency", "--as", "rita", "--json"))
    refused = atmp("approve", study.number, "--reason", "mine", "--as", "rita")
    assert refused.exit_code == 2
    make_user("qa_approver", username="alex", password=PASSWORD)
    approved = doc(atmp("approve", study.number, "--reason", "protocol approved", "--as", "alex", "--json"))
    assert approved["status"] == "approved"
    study.refresh_from_db()
    factories.make_stabilitybatch(actor=qa_reviewer, study=study, placed_on="2026-01-10")
    svc.start(actor=qa_reviewer, study=study, reason="placed")
    schedule = doc(atmp("schedule", study.number, "--as", "quentin", "--json"))
    assert [p["due_on"] for p in schedule["pulls"]] == ["2026-01-10", "2026-04-10", "2026-07-10"]
    first = str(schedule["pulls"][0]["id"])
    pulled = doc(atmp("pull", first, "--as", "quentin", "--json"))
    assert pulled["state"] == "pulled" and pulled["sample"]
    bad = atmp("result", first, "--attribute", "Colour", "--value", "1", "--as", "quentin")
    assert bad.exit_code == 2 and "attribute" in bad.output
    tested = doc(atmp("result", first, "--attribute", "Potency", "--value", "99", "--as", "quentin", "--json"))
    assert tested["state"] == "tested" and tested["results"][0]["reported"] == "99"
    estimate = doc(atmp("estimate", study.number, "--as", "rita", "--json"))
    assert estimate["frozen"] is False and estimate["entries"][0]["n"] == 1
    shown = doc(atmp("show", study.number, "--as", "rita", "--json"))
    assert shown["number"] == study.number
    listed = doc(atmp("list", "--as", "rita", "--json"))
    assert [i["number"] for i in listed["items"]] == [study.number]
    assert atmp("show", "STAB-1999-0001", "--as", "rita").exit_code == 2


def test_api_study_protocol_and_refusals(qa_reviewer, qa_approver):
    api = ApiClient(token_for(qa_reviewer))
    spec = factories.make_stability_specification(actor=qa_reviewer)
    site = factories.make_stabilitystudy(actor=qa_reviewer).site
    body = {"site": site.code, "product": spec.product.code, "specification": spec.pk, "title": "Long-term"}
    made = api.post("/lab/stability", body)
    assert made.status_code == 201, made.content
    study = made.json()
    assert study["number"].startswith("STAB-") and study["status"] == "draft"
    sid = study["id"]
    bad = api.post(f"/lab/stability/{sid}/conditions", {"condition": "8C", "kind": "long_term", "time_points": "0,3,6"})
    assert bad.status_code == 400 and bad.json()["field"] == "condition"
    bad = api.post(f"/lab/stability/{sid}/conditions", {"condition": "5c", "kind": "long_term", "time_points": "0,9,3"})
    assert bad.status_code == 400 and bad.json()["field"] == "time_points"
    bad = api.post(f"/lab/stability/{sid}/attributes", {"attribute": "Colour"})
    assert bad.status_code == 400 and bad.json()["field"] == "attribute"
    assert not StabilityCondition.objects.filter(study_id=sid).exists()
    ok = api.post(f"/lab/stability/{sid}/conditions", {"condition": "5c", "kind": "long_term", "time_points": "0,3,6"})
    assert ok.status_code == 201, ok.content
    assert api.post(f"/lab/stability/{sid}/attributes", {"attribute": "Potency", "limit": ">=70"}).status_code == 201
    record = f"/records/lab.stabilitystudy/{sid}/transitions"
    done = ApiClient(token_for(qa_approver)).post(f"{record}/approve", {"reason": "ok", "password": PASSWORD})
    assert done.status_code == 200, done.content
    frozen = api.post(f"/lab/stability/{sid}/attributes", {"attribute": "Vector genome titre"})
    assert frozen.status_code == 409 and "frozen" in frozen.json()["detail"]
    assert api.get("/lab/stability/999999").status_code == 404
    assert api.get(f"/lab/stability/{sid}/pulls/1/pull").status_code in (404, 405)
    assert study["number"] in [i["number"] for i in api.get("/lab/stability").json()["items"]]


def test_api_pull_result_and_miss(qa_reviewer):
    api = ApiClient(token_for(make_user("qc_analyst", password=PASSWORD)))
    study = factories.make_running_stabilitystudy(actor=qa_reviewer, placed_on="2026-01-10")
    first, second = svc.pulls(study)[:2]
    taken = api.post(f"/lab/stability/{study.pk}/pulls/{first.pk}/pull", {})
    assert taken.status_code == 200 and taken.json()["state"] == "pulled"
    again = api.post(f"/lab/stability/{study.pk}/pulls/{first.pk}/pull", {})
    assert again.status_code == 422 or again.status_code == 409, again.content
    bad = api.post(f"/lab/stability/{study.pk}/pulls/{first.pk}/results", {"attribute": "Potency", "value": "abc"})
    assert bad.status_code == 400 and bad.json()["field"] == "value"
    ok = api.post(f"/lab/stability/{study.pk}/pulls/{first.pk}/results", {"attribute": "Potency", "value": "100"})
    assert ok.status_code == 201 and ok.json()["state"] == "tested"
    missed = api.post(f"/lab/stability/{study.pk}/pulls/{second.pk}/miss", {"reason": "freezer alarm"})
    assert missed.status_code == 200 and missed.json()["state"] == "missed"
    assert StabilityPull.objects.get(pk=second.pk).note == "freezer alarm"


def test_pages_list_study_forms_and_pull(qa_reviewer):
    browser = Client()
    browser.force_login(qa_reviewer)
    study = factories.make_running_stabilitystudy(actor=qa_reviewer, batches=2, placed_on="2025-01-10")
    analyst = make_user("qc_analyst", password=PASSWORD)
    for pull in svc.pulls(study):
        svc.pull_sample(actor=analyst, pull=pull, taken_at=f"{pull.due_on.isoformat()}T09:00:00+00:00")
        value = str(100 - 1.5 * pull.months + (0.7 if pull.placement_id % 2 else -0.4) * (pull.months % 2 + 1))
        svc.record(actor=analyst, pull=pull, attribute="Potency", value=value, tested_on=pull.due_on)
    index = browser.get("/lab/")
    assert "/lab/stability/" in index.content.decode()
    listed = browser.get("/lab/stability/")
    assert listed.status_code == 200 and study.number in listed.content.decode()
    page = browser.get(f"/lab/stability/{study.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="stability-pull"' in html and 'data-testid="stability-entry"' in html
    assert 'data-testid="stability-chart"' in html and "data:image/svg+xml;base64," in html
    assert "https://" not in html.split("<body", 1)[1].split("</body>")[0].replace("https://www.w3.org", "")
    pull_page = browser.get(f"/lab/stability/pulls/{svc.pulls(study)[0].pk}/")
    assert pull_page.status_code == 200 and "Potency" in pull_page.content.decode()
    assert browser.get("/lab/stability/new/").status_code == 200


def test_page_forms_refuse_naming_the_field(qa_reviewer):
    browser = Client()
    browser.force_login(qa_reviewer)
    study = factories.make_stabilitystudy(actor=qa_reviewer)
    form = browser.get(f"/lab/stability/{study.pk}/conditions/new/")
    assert form.status_code == 200
    posted = browser.post(
        f"/lab/stability/{study.pk}/conditions/new/",
        {"condition": "5c", "kind": "long_term", "time_points": "0,3", "reason": "x"},
    )
    assert posted.status_code == 400 and "time points" in posted.content.decode().lower()
    assert not StabilityCondition.objects.filter(study=study).exists()
    page = browser.get(f"/lab/stability/{study.pk}/")
    assert 'data-testid="stability-add-condition"' in page.content.decode()


def test_my_work_page_lists_a_due_pull_for_a_qc_analyst(qa_reviewer):
    import datetime as dt

    from django.urls import reverse

    analyst = make_user("qc_analyst", password=PASSWORD)
    placed = (dt.date.today() - dt.timedelta(days=95)).isoformat()
    study = factories.make_running_stabilitystudy(actor=qa_reviewer, placed_on=placed)
    browser = Client()
    browser.force_login(analyst)
    html = browser.get(reverse("workflow:work")).content.decode()
    assert study.number in html and "stability pull" in html


def test_cli_window_and_out_of_window_pull(qa_reviewer, analyst):
    spec = factories.make_stability_specification(actor=qa_reviewer)
    site = factories.make_stabilitystudy(actor=qa_reviewer).site
    args = ["add", "--site", site.code, "--product", spec.product.code, "--specification", str(spec.pk),
            "--title", "Long-term", "--as", "rita"]  # fmt: skip
    bad = atmp(*args, "--window-days", "45")
    assert bad.exit_code == 2 and "window_days" in bad.output and "Traceback" not in bad.output
    made = doc(atmp(*args, "--window-days", "10", "--json"))
    assert made["window_days"] == 10
    study = factories.make_running_stabilitystudy(actor=qa_reviewer, placed_on="2026-01-10")
    first, second = svc.pulls(study)[:2]
    bad = atmp("pull", str(first.pk), "--taken-at", "someday", "--as", "quentin")
    assert bad.exit_code == 2 and "taken_at" in bad.output
    late = doc(atmp("pull", str(first.pk), "--taken-at", "2026-01-20T09:00:00+00:00", "--as", "quentin", "--json"))
    assert late["out_of_window"] is True and late["window"] == ["2026-01-03", "2026-01-17"]
    assert late["deviation"].startswith("DEV-")
    text = atmp("miss", str(second.pk), "--reason", "freezer alarm", "--as", "quentin")
    assert text.exit_code == 0 and "deviation DEV-" in text.output
    schedule = atmp("schedule", study.number, "--as", "quentin")
    assert "out of window" in schedule.output


def test_api_window_out_of_window_pull_and_missed_pull_deviation(qa_reviewer):
    api = ApiClient(token_for(make_user("qc_analyst", password=PASSWORD)))
    spec = factories.make_stability_specification(actor=qa_reviewer)
    site = factories.make_stabilitystudy(actor=qa_reviewer).site
    body = {"site": site.code, "product": spec.product.code, "specification": spec.pk, "title": "Long-term"}
    bad = api.post("/lab/stability", {**body, "window_days": "x"})
    assert bad.status_code == 400 and bad.json()["field"] == "window_days"
    assert api.post("/lab/stability", body).json()["window_days"] == 7
    study = factories.make_running_stabilitystudy(actor=qa_reviewer, placed_on="2026-01-10")
    first, second, third = svc.pulls(study)[:3]
    base = f"/lab/stability/{study.pk}/pulls"
    bad = api.post(f"{base}/{first.pk}/pull", {"taken_at": "yesterday"})
    assert bad.status_code == 400 and bad.json()["field"] == "taken_at"
    inside = api.post(f"{base}/{first.pk}/pull", {"taken_at": "2026-01-16T09:00:00+00:00"})
    assert inside.status_code == 200 and inside.json()["out_of_window"] is False and inside.json()["deviation"] is None
    early = api.post(f"{base}/{second.pk}/pull", {"taken_at": "2026-04-01T09:00:00+00:00"})
    assert early.status_code == 200 and early.json()["state"] == "pulled", early.content
    assert early.json()["out_of_window"] is True and early.json()["deviation"].startswith("DEV-")
    missed = api.post(f"{base}/{third.pk}/miss", {"reason": "freezer alarm"})
    assert missed.status_code == 200 and missed.json()["deviation"].startswith("DEV-")
    shown = api.get(f"/lab/stability/{study.pk}").json()
    assert [p["out_of_window"] for p in shown["pulls"][:3]] == [False, True, False]
    assert shown["pulls"][2]["deviation"] == missed.json()["deviation"]


def test_pull_page_shows_the_window_and_the_deviation(qa_reviewer):
    browser = Client()
    browser.force_login(qa_reviewer)
    study = factories.make_running_stabilitystudy(actor=qa_reviewer, placed_on="2026-01-10")
    pull = svc.pulls(study)[0]
    posted = browser.post(
        f"/lab/stability/pulls/{pull.pk}/",
        {"action": "pull", "pull-quantity": "1", "pull-unit": "mL", "pull-location": "QC stability store",
         "pull-taken_at": "2026-01-25 09:00"},
    )  # fmt: skip
    assert posted.status_code == 302, posted.content.decode()[:2000]
    html = browser.get(f"/lab/stability/pulls/{pull.pk}/").content.decode()
    assert 'data-testid="stability-pull-out-of-window"' in html and 'data-testid="stability-pull-deviation"' in html
    assert "2026-01-03 to 2026-01-17" in html
    study_html = browser.get(f"/lab/stability/{study.pk}/").content.decode()
    assert "out of window" in study_html
