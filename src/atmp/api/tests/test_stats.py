"""Statistics over the API: JSON or a CSV upload in, the CLI's JSON document out, nothing stored."""

from __future__ import annotations

import hashlib

import pytest

from atmp.api.tests.conftest import ApiClient, token_for
from atmp.ledger.models import LedgerHead
from atmp.stats.catalogue import example_files

pytestmark = pytest.mark.django_db

LRV_CSV = example_files()["lrv.csv"].decode()


def test_it_lists_every_analysis_with_its_options(as_operator):
    response = as_operator.get("/stats")
    assert response.status_code == 200
    names = {a["name"] for a in response.json()}
    assert "lrv" in names
    lrv = next(a for a in response.json() if a["name"] == "lrv")
    assert lrv["file"] == "required" and lrv["plots"] is True


def test_it_computes_from_csv_text_in_json_and_stores_nothing(as_operator):
    before = LedgerHead.objects.get(pk=1).size
    response = as_operator.post("/stats/lrv", {"csv": LRV_CSV})
    assert response.status_code == 200, response.json()
    document = response.json()
    assert document["claim"] == pytest.approx(13.384656, abs=1e-6)
    assert document["provenance"]["method"].startswith("ICH Q5A(R2)")
    assert "plot" not in document
    assert LedgerHead.objects.get(pk=1).size == before


def test_it_computes_from_an_uploaded_file_and_returns_the_plot(operator):
    client = ApiClient(token_for(operator)).client
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("lrv.csv", LRV_CSV.encode(), content_type="text/csv")
    response = client.post("/api/v1/stats/lrv/upload", {"file": upload, "plot": "true"})
    assert response.status_code == 200, response.json()
    assert response.json()["plot"].lstrip().startswith("<?xml")
    assert response.json()["provenance"]["input_sha256"] == hashlib.sha256(LRV_CSV.encode()).hexdigest()


def test_the_upload_and_the_json_give_the_same_document(operator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = ApiClient(token_for(operator))
    by_json = client.post("/stats/lrv", {"csv": LRV_CSV}).json()
    upload = SimpleUploadedFile("lrv.csv", LRV_CSV.encode(), content_type="text/csv")
    by_upload = client.client.post("/api/v1/stats/lrv/upload", {"file": upload}).json()
    assert by_json == by_upload


def test_bad_csv_is_a_400_naming_the_field(as_operator):
    response = as_operator.post("/stats/lrv", {"csv": "step,mechanism\nA,x\n"})
    assert response.status_code == 400
    assert response.json()["field"] == "file"
    assert "lacks the column(s) load_log10_titre" in response.json()["detail"]


def test_a_missing_file_is_a_400(as_operator):
    response = as_operator.post("/stats/lrv", {})
    assert response.status_code == 400
    assert response.json()["field"] == "file"


def test_an_unknown_option_is_refused(as_operator):
    response = as_operator.post("/stats/lrv", {"csv": LRV_CSV, "alpha": 0.1})
    assert response.status_code == 400
    assert response.json()["field"] == "alpha"


def test_a_role_without_stats_use_is_refused(as_sysadmin):
    response = as_sysadmin.post("/stats/lrv", {"csv": LRV_CSV})
    assert response.status_code == 403
    assert "stats.use" in response.json()["detail"]


def test_the_anonymous_caller_is_asked_to_sign_in(anonymous):
    assert anonymous.post("/stats/lrv", {"csv": LRV_CSV}).status_code == 401
