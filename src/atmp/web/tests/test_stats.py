"""The Statistics page: the catalogue's analyses, a CSV upload, the result with its plot, nothing stored."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from atmp.ledger.models import LedgerHead
from atmp.stats.catalogue import example_files

LRV = example_files()["lrv.csv"]


def test_it_lists_the_analyses_and_says_results_are_not_gmp_records(as_reviewer):
    page = as_reviewer.get("/stats/").content.decode()
    assert 'data-testid="analysis-lrv"' in page
    assert "not GMP records" in page


def test_an_upload_shows_the_result_the_plot_and_the_downloads(as_reviewer):
    before = LedgerHead.objects.get(pk=1).size
    upload = SimpleUploadedFile("lrv.csv", LRV, content_type="text/csv")
    response = as_reviewer.post("/stats/lrv/", {"file": upload, "plot": "on"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="result-claim">13.3847<' in page
    assert 'data-testid="plot"' in page and "data:image/svg+xml;base64," in page
    assert 'data-testid="download-json"' in page and 'download="lrv.json"' in page
    assert 'data-testid="result-table-steps"' in page
    assert LedgerHead.objects.get(pk=1).size == before  # signing in is audited; computing is not


def test_the_example_data_can_be_used_instead_of_a_file(as_reviewer):
    form = as_reviewer.get("/stats/lrv/?example=1").content.decode()
    assert 'name="use_example"' in form and "checked" in form
    page = as_reviewer.post("/stats/lrv/", {"use_example": "on"}).content.decode()
    assert 'data-testid="result-claim">13.3847<' in page


def test_the_example_csv_downloads(as_reviewer):
    response = as_reviewer.get("/stats/lrv/example.csv")
    assert response.status_code == 200
    assert response.content == LRV
    assert response["Content-Disposition"] == 'attachment; filename="lrv.csv"'


def test_bad_input_is_shown_beside_the_file_field(as_reviewer):
    upload = SimpleUploadedFile("bad.csv", b"step,mechanism\nA,x\n", content_type="text/csv")
    page = as_reviewer.post("/stats/lrv/", {"file": upload}).content.decode()
    assert 'data-testid="error-file"' in page
    assert "lacks the column(s) load_log10_titre" in page
    assert 'data-testid="result-summary"' not in page


def test_no_file_at_all_is_refused_with_a_message(as_reviewer):
    page = as_reviewer.post("/stats/lrv/", {}).content.decode()
    assert 'data-testid="error-file"' in page and "reads a CSV file" in page


def test_an_unknown_analysis_is_404(as_reviewer):
    assert as_reviewer.get("/stats/nothing/").status_code == 404


def test_the_system_administrator_may_not_use_statistics(as_sysadmin):
    assert as_sysadmin.get("/stats/").status_code == 403


def test_results_are_labelled_in_words_with_their_units(as_reviewer):
    data = {"use_example": "on", "batch": "batch", "time": "month", "value": "potency", "lower": "95"}
    page = as_reviewer.post("/stats/shelf-life/", data).content.decode()
    assert "<dt>Shelf life (months)</dt>" in page
    assert "<dt>Acceptance criteria (lower, upper)</dt>" in page
    assert "<dt>shelf_life</dt>" not in page and "<dt>limits</dt>" not in page
    assert "<th>Slope (per month)</th>" in page
    lrv = as_reviewer.post("/stats/lrv/", {"use_example": "on"}).content.decode()
    assert "<dt>Claimed clearance (log10 reduction)</dt>" in lrv


def test_a_too_big_upload_is_refused_on_the_page_before_its_body_is_read(as_reviewer):
    from atmp.api.tests.test_stats_limits import UnreadableBody

    body = UnreadableBody()
    response = as_reviewer.post(
        "/stats/lrv/",
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(20 * 1024 * 1024),
        **{"wsgi.input": body},
    )
    assert response.status_code == 413
    assert body.reads == 0
    page = response.content.decode()
    assert 'data-testid="stats-refused"' in page and "2,097,152 bytes (2 MiB)" in page


def test_a_file_with_too_many_rows_is_refused_on_the_page(as_reviewer):
    upload = SimpleUploadedFile("rows.csv", b"step,value\n" + b"a,1\n" * 50_001, content_type="text/csv")
    response = as_reviewer.post("/stats/lrv/", {"file": upload})
    assert response.status_code == 413
    assert "has 50,001 lines after the header" in response.content.decode()


def test_the_potency_page_runs_its_example(as_reviewer):
    form = as_reviewer.get("/stats/potency/?example=1").content.decode()
    assert 'name="standard"' in form and 'name="block"' in form
    data = {"use_example": "on", "preparation": "preparation", "dose": "dose", "response": "response"}
    page = as_reviewer.post("/stats/potency/", {**data, "standard": "S", "block": "block"}).content.decode()
    assert 'data-testid="result-table-preparations"' in page and 'data-testid="result-table-anova"' in page
    assert "Potency ratio to the standard" in page
    refused = as_reviewer.post("/stats/potency/", {**data, "standard": "R"}).content.decode()
    assert 'data-testid="error-standard"' in refused
