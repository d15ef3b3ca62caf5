"""The samples', results' and OOS pages: they render for the roles that may see them, their forms run the
API operations and services, and a refused input shows the rule beside the attribute with nothing written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from atmp.lab.models import OosInvestigation, Result, Sample, SampleCustody
from atmp.lab.services import results as svc
from atmp.lab.services.methods import set_validation
from atmp.lab.tests.test_results import analyst, batch, sample  # noqa: F401 - shared fixtures
from atmp.ledger.models import Signature
from atmp.manufacturing import factories as mf
from atmp.testing import PASSWORD, make_user
from atmp.workflow.models import Link

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(analyst):  # noqa: F811
    client = Client()
    client.force_login(analyst)
    return client


def _count() -> tuple[int, int, int]:
    return Result.objects.count(), OosInvestigation.objects.count(), Link.objects.count()


def test_the_index_lists_samples_and_oos_and_the_list_filters(browser, sample):  # noqa: F811
    index = browser.get("/lab/").content.decode()
    assert 'href="/lab/samples/"' in index and 'href="/lab/oos/"' in index
    listed = browser.get("/lab/samples/", {"status": "received", "purpose": "release", "q": sample.batch.number})
    assert listed.status_code == 200 and sample.number in listed.content.decode()
    assert sample.number not in browser.get("/lab/samples/", {"status": "consumed"}).content.decode()


def test_a_sample_is_registered_received_and_handed_over_through_the_pages(browser, batch):  # noqa: F811
    assert browser.get("/lab/samples/new/").status_code == 200
    fields = {"site": batch.site.code, "purpose": "release", "batch": batch.number, "quantity": "1", "unit": "mL"}
    made = browser.post("/lab/samples/new/", {**fields, "taken_by": "olga"})
    assert made.status_code == 302
    taken = Sample.objects.get()
    page = browser.get(f"/lab/samples/{taken.pk}/").content.decode()
    assert 'data-testid="sample-receive"' in page and 'data-testid="result-form"' not in page
    assert browser.post(f"/lab/samples/{taken.pk}/receive/", {"location": "QC fridge 1"}).status_code == 302
    taken.refresh_from_db()
    assert taken.status == "received"
    bad = browser.post(f"/lab/samples/{taken.pk}/hand-over/", {"from_person": "quinn", "to_person": "max"})
    assert bad.status_code == 400 and SampleCustody.objects.count() == 1
    ok = browser.post(
        f"/lab/samples/{taken.pk}/hand-over/", {"from_person": "quinn", "to_person": "max", "location": "Bench 3"}
    )
    assert ok.status_code == 302 and SampleCustody.objects.count() == 2
    page = browser.get(f"/lab/samples/{taken.pk}/").content.decode()
    assert "Bench 3" in page and 'data-testid="result-form"' in page


def test_a_result_entered_on_the_sample_page_is_evaluated(browser, sample):  # noqa: F811
    page = browser.get(f"/lab/samples/{sample.pk}/").content.decode()
    assert page.count('data-testid="attribute-row"') == 5 and "&gt;=1.0E12" in page
    posted = browser.post(f"/lab/samples/{sample.pk}/results/", {"attribute": "2", "value": "0.504"}, follow=True)
    html = posted.content.decode()
    assert "0.50" in html and "conforms" in html
    result = Result.objects.get()
    assert (result.value_entered, result.reported, result.conforms, result.analyst) == ("0.504", "0.50", True, "quinn")


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"attribute": "3", "value": "12", "unit": "%"}, "unit: wrong unit"),
        ({"attribute": "1", "value": "high"}, "value:"),
        ({"attribute": "9", "value": "1"}, "attribute not in specification"),
    ],
)
def test_bad_input_shows_the_rule_and_writes_nothing(browser, sample, fields, rule):  # noqa: F811
    before = _count()
    answer = browser.post(f"/lab/samples/{sample.pk}/results/", fields)
    html = answer.content.decode()
    assert answer.status_code in (400, 409, 422) and 'data-testid="result-error"' in html
    assert rule in html and "Traceback" not in html
    assert _count() == before


def test_a_method_not_fit_and_an_instrument_out_of_calibration_are_refused(browser, sample, qa_reviewer):  # noqa: F811
    mf.make_equipment(actor=qa_reviewer, site=sample.site, code="QC-DDPCR", equipment_class="ddpcr",
                      clean_hold_hours=None)  # fmt: skip
    before = _count()
    answer = browser.post(f"/lab/samples/{sample.pk}/results/", {"attribute": "1", "value": "2.0E13",
                                                                 "instrument": "QC-DDPCR"})  # fmt: skip
    assert answer.status_code == 400 and "instrument: instrument not usable" in answer.content.decode()
    attribute = svc.attributes_for(sample)[0]
    set_validation(actor=qa_reviewer, method=attribute.method, phase="i", status="not_validated", reason="withdrawn")
    answer = browser.post(f"/lab/samples/{sample.pk}/results/", {"attribute": "1", "value": "2.0E13"})
    assert answer.status_code == 422 and "method not fit" in answer.content.decode()
    assert _count() == before


def test_the_csv_import_keeps_the_file_and_refuses_a_bad_file_whole(browser, sample):  # noqa: F811
    bad = SimpleUploadedFile("bad.csv", b"attribute,value\n1,2.0E13\n2,high\n")
    answer = browser.post(f"/lab/samples/{sample.pk}/import/", {"file": bad})
    assert answer.status_code == 400 and "line 3" in answer.content.decode()
    assert Result.objects.count() == 0
    good = SimpleUploadedFile("run.csv", b"attribute,value\n1,2.0E13\n2,0.2\n")
    assert browser.post(f"/lab/samples/{sample.pk}/import/", {"file": good}).status_code == 302
    made = list(Result.objects.all())
    assert len(made) == 2 and made[0].source_file_id and made[0].source_file_id == made[1].source_file_id
    page = browser.get(f"/lab/results/{made[0].pk}/").content.decode()
    assert "run.csv" in page and made[0].source_file.sha256 in page


def test_the_result_page_is_corrected_and_reviewed_by_a_second_person(browser, analyst, sample):  # noqa: F811
    result = svc.record_result(actor=analyst, sample=sample, attribute="1", value="2.0E13")
    page = browser.get(f"/lab/results/{result.pk}/").content.decode()
    for shown in ("2.0E13", "2.00E13", "&gt;=1.0E12", "not reviewed yet", 'data-testid="result-correct"'):
        assert shown in page
    assert 'data-testid="result-review"' not in page  # the analyst does not review their own result
    refused = browser.post(f"/lab/results/{result.pk}/review/", {"password": PASSWORD})
    assert refused.status_code in (400, 403, 409) and not Signature.objects.filter(meaning="reviewed").exists()
    corrected = browser.post(f"/lab/results/{result.pk}/correct/", {"value": "2.2E13", "reason": "transcription"})
    assert corrected.status_code == 302
    new = Result.objects.get(supersedes=result)
    assert "superseded" in browser.get(f"/lab/results/{result.pk}/").content.decode()
    other = Client()
    other.force_login(make_user("qc_analyst", username="max", password=PASSWORD))
    assert 'data-testid="result-review"' in other.get(f"/lab/results/{new.pk}/").content.decode()
    wrong = other.post(f"/lab/results/{new.pk}/review/", {"password": "not it"})
    assert wrong.status_code >= 400 and not Signature.objects.filter(meaning="reviewed").exists()
    assert other.post(f"/lab/results/{new.pk}/review/", {"password": PASSWORD}).status_code == 302
    assert "reviewed' by" in other.get(f"/lab/results/{new.pk}/").content.decode()


def test_an_oos_is_listed_and_shown_with_its_workflow_actions_and_findings(browser, analyst, sample):  # noqa: F811
    svc.record_result(actor=analyst, sample=sample, attribute="2", value="0.9")
    oos = OosInvestigation.objects.get()
    assert oos.number in browser.get("/lab/oos/").content.decode()
    page = browser.get(f"/lab/oos/{oos.pk}/").content.decode()
    assert 'data-testid="oos-transitions"' in page and "start phase II" in page
    answer = browser.post(f"/lab/oos/{oos.pk}/findings/", {"phase_1_finding": "No lab error", "reason": "phase I",
                                                          "version": oos.version})  # fmt: skip
    assert answer.status_code == 302
    oos.refresh_from_db()
    assert oos.phase_1_finding == "No lab error"
    assert "No lab error" in browser.get(f"/lab/oos/{oos.pk}/").content.decode()


def test_the_batch_record_page_links_samples_and_coa(browser, sample):  # noqa: F811
    number = sample.batch.number
    page = browser.get(f"/records/manufacturing.batch/{sample.batch.pk}/").content.decode()
    assert f"/lab/batches/{number}/coa/" in page and f"/lab/samples/?q={number}" in page
    assert f"/lab/samples/{sample.pk}/" in browser.get(f"/records/lab.sample/{sample.pk}/").content.decode()


def test_a_viewer_without_write_sees_pages_but_no_forms(sample):  # noqa: F811
    viewer = Client()
    viewer.force_login(make_user("inspector", username="ivy", password=PASSWORD))
    answer = viewer.get(f"/lab/samples/{sample.pk}/")
    if answer.status_code == 200:
        assert 'data-testid="result-form"' not in answer.content.decode()
    assert viewer.post(f"/lab/samples/{sample.pk}/results/", {"attribute": "1", "value": "2E13"}).status_code in (
        403,
        404,
    )
    assert Result.objects.count() == 0


def test_a_hand_over_through_the_api_and_the_cli(analyst, sample):  # noqa: F811
    import json

    from click.testing import CliRunner

    from atmp.cli.main import main
    from atmp.testing import ApiClient, token_for

    api = ApiClient(token_for(analyst))
    bad = api.post(f"/lab/samples/{sample.pk}/custody", {"from_person": "quinn", "to_person": "max"})
    assert bad.status_code in (400, 422) and SampleCustody.objects.count() == 1
    ok = api.post(f"/lab/samples/{sample.pk}/custody", {"from_person": "quinn", "to_person": "max", "location": "B2"})
    assert ok.status_code == 201 and ok.json()["location"] == "B2"
    run = CliRunner().invoke(
        main,
        [
            "lab",
            "sample",
            "hand-over",
            sample.number,
            *("--from", "max", "--to", "quinn", "--location", "Bench 4"),
            *("--as", "quinn", "--json"),
        ],
        env={"ATMP_PASSWORD": PASSWORD},
        catch_exceptions=False,
    )
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["location"] == "Bench 4" and SampleCustody.objects.count() == 3
