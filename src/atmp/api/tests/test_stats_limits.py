"""Statistics uploads are bounded: per analysis in bytes and rows (413), and in analyses at once (503)."""

from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atmp.api.tests.conftest import ApiClient, token_for
from atmp.stats.analyses import ANALYSES
from atmp.stats.catalogue import example_files
from atmp.web import upload_limits

pytestmark = pytest.mark.django_db

LRV = ANALYSES["lrv"]
LRV_CSV = example_files()["lrv.csv"]


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def __init__(self) -> None:
        self.reads = 0

    def read(self, *args: object) -> bytes:
        self.reads += 1
        raise AssertionError("the oversized body was read")

    readline = read


@pytest.fixture
def as_inspector(inspector) -> ApiClient:
    return ApiClient(token_for(inspector))


@pytest.fixture
def one_slot(monkeypatch):
    """A server process that runs one analysis at a time."""
    slots = threading.BoundedSemaphore(1)
    monkeypatch.setattr(upload_limits, "_SLOTS", slots)
    return slots


def test_an_upload_over_the_analysis_limit_is_a_413_naming_the_limit(as_inspector):
    big = SimpleUploadedFile("big.csv", b"step,value\n" + b"x" * LRV.max_bytes, content_type="text/csv")
    response = as_inspector.client.post("/api/v1/stats/lrv/upload", {"file": big})
    assert response.status_code == 413
    body = response.json()
    assert body["field"] == "file"
    assert body["limit_bytes"] == LRV.max_bytes == 2 * 1024 * 1024
    assert "lrv accepts a CSV of at most 2,097,152 bytes (2 MiB) and 50,000 data rows" in body["detail"]


def test_a_too_big_upload_is_refused_before_its_body_is_read(as_inspector):
    body = UnreadableBody()
    response = as_inspector.client.post(
        "/api/v1/stats/signals/upload",
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
        **{"wsgi.input": body},
    )
    assert response.status_code == 413, response.content[:500]
    assert body.reads == 0
    assert response.json()["limit_bytes"] == ANALYSES["signals"].max_bytes
    assert "the request is 209,715,200 bytes; signals accepts a CSV of at most" in response.json()["detail"]


def test_a_file_with_more_rows_than_the_analysis_takes_is_a_413(as_inspector):
    rows = SimpleUploadedFile("rows.csv", b"step,value\n" + b"a,1\n" * (LRV.max_rows + 1), content_type="text/csv")
    response = as_inspector.client.post("/api/v1/stats/lrv/upload", {"file": rows})
    assert response.status_code == 413
    assert "has 50,001 lines after the header" in response.json()["detail"]
    assert response.json()["limit_rows"] == LRV.max_rows


def test_csv_text_in_json_over_the_limit_is_refused(as_inspector):
    response = as_inspector.post("/stats/lrv", {"csv": "step,value\n" + "a,1\n" * (LRV.max_rows + 1)})
    assert response.status_code == 413
    assert response.json()["field"] == "file"


def test_a_request_finding_every_slot_busy_is_a_503_with_retry_after(as_inspector, one_slot):
    one_slot.acquire()  # another analysis is running
    upload = SimpleUploadedFile("lrv.csv", LRV_CSV, content_type="text/csv")
    response = as_inspector.client.post("/api/v1/stats/lrv/upload", {"file": upload})
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "analyses already, its limit: try again in 10 seconds" in response.json()["detail"]
    one_slot.release()
    upload = SimpleUploadedFile("lrv.csv", LRV_CSV, content_type="text/csv")
    response = as_inspector.client.post("/api/v1/stats/lrv/upload", {"file": upload})
    assert response.status_code == 200, response.json()
    assert one_slot.acquire(blocking=False), "the slot is released after the analysis"


def test_the_listing_and_other_routes_take_no_slot(as_inspector, one_slot):
    one_slot.acquire()
    assert as_inspector.get("/stats").status_code == 200


def test_atmp_serve_refuses_a_body_larger_than_any_analysis_takes(monkeypatch):
    """waitress would otherwise receive a whole 200 MB body (to a temporary file) before Django sees it."""
    import waitress.server
    from click.testing import CliRunner

    from atmp.cli.main import main
    from atmp.ledger import witness

    seen: dict[str, object] = {}

    class Server:
        def run(self) -> None:
            pass

    def create_server(app: object, **kwargs: object) -> Server:
        seen.update(kwargs)
        return Server()

    monkeypatch.setattr(waitress.server, "create_server", create_server)
    monkeypatch.setattr(witness, "start_ticker", lambda: None)
    result = CliRunner().invoke(main, ["serve", "--port", "8765"])
    assert result.exit_code == 0, result.output
    from atmp.files.storage import max_file_bytes

    largest = max(max(a.max_bytes for a in ANALYSES.values()), max_file_bytes())
    assert seen["max_request_body_size"] == largest + upload_limits.FORM_ALLOWANCE
