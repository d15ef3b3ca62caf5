"""The S3 backend against moto's S3 server on 127.0.0.1 (never a real cloud): kept once, never replaced."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator

import pytest

from atmp.files import services, serving, storage
from atmp.files.s3 import S3Backend
from atmp.ledger import verify

from .conftest import PDF

BUCKET = "atmp-files-test"


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    """Start moto's S3 emulator on a free port of 127.0.0.1; yield its endpoint URL."""
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Backend]:
    """Configure atmp for the emulator, with a fresh bucket for this test."""
    monkeypatch.setenv("ATMP_FILES_BACKEND", "s3")
    monkeypatch.setenv("ATMP_S3_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("ATMP_S3_BUCKET", BUCKET)
    monkeypatch.setenv("ATMP_S3_REGION", "us-east-1")
    monkeypatch.setenv("ATMP_S3_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("ATMP_S3_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("ATMP_S3_PREFIX", "blobs/")
    backend = storage.backend()
    assert isinstance(backend, S3Backend)
    backend.client.create_bucket(Bucket=BUCKET)
    yield backend
    objects = backend.client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for obj in objects:  # the emulator's bucket, between tests: atmp itself never deletes
        backend.client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    backend.client.delete_bucket(Bucket=BUCKET)


def keys(s3: S3Backend) -> list[str]:
    return [o["Key"] for o in s3.client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


@pytest.mark.django_db
def test_a_file_goes_to_the_bucket_once_and_comes_back(s3, operator):
    first = services.store(actor=operator, stream=io.BytesIO(PDF), name="a.pdf")
    second = services.store(actor=operator, stream=io.BytesIO(PDF), name="b.pdf")
    digest = hashlib.sha256(PDF).hexdigest()
    assert first.backend == second.backend == "s3" and first.sha256 == digest
    assert keys(s3) == [f"blobs/{digest[:2]}/{digest[2:4]}/{digest}"]
    response = serving.download(second)
    assert b"".join(response.streaming_content) == PDF


def test_an_existing_object_is_never_replaced(s3, tmp_path):
    digest = hashlib.sha256(PDF).hexdigest()
    s3.client.put_object(Bucket=BUCKET, Key=s3.key(digest), Body=b"what was there first")
    staged = storage.receive(io.BytesIO(PDF), staging=tmp_path, limit=10**6)
    assert s3.put(staged) is False
    assert s3.client.get_object(Bucket=BUCKET, Key=s3.key(digest))["Body"].read() == b"what was there first"
    assert not staged.path.exists()


@pytest.mark.django_db
def test_verify_re_hashes_the_objects_and_names_a_missing_one(s3, operator):
    stored = services.store(actor=operator, stream=io.BytesIO(PDF), name="a.pdf")
    report = verify.run(processes=1)
    assert report.ok and (report.checked["files"], report.checked["file_bytes"]) == (1, len(PDF))
    s3.client.delete_object(Bucket=BUCKET, Key=s3.key(stored.sha256))  # someone else's doing, not atmp's
    report = verify.run(processes=1)
    assert [(f.kind, f.record) for f in report.failures] == [("file_missing", f"files.storedfile:{stored.pk}")]


def test_a_missing_bucket_setting_is_a_configuration_error(monkeypatch):
    from atmp.config import ConfigError

    monkeypatch.setenv("ATMP_FILES_BACKEND", "s3")
    monkeypatch.delenv("ATMP_S3_BUCKET", raising=False)
    with pytest.raises(ConfigError, match="ATMP_S3_BUCKET"):
        storage.backend()


def test_a_concurrent_upload_of_the_same_content_cannot_replace_the_object(s3, tmp_path, monkeypatch):
    digest = hashlib.sha256(PDF).hexdigest()
    s3.client.put_object(Bucket=BUCKET, Key=s3.key(digest), Body=b"written by the other upload")
    monkeypatch.setattr(s3, "exists", lambda sha256: False)  # it was not there when this upload looked
    staged = storage.receive(io.BytesIO(PDF), staging=tmp_path, limit=10**6)
    assert s3.put(staged) is False  # the conditional write (If-None-Match: *) was refused
    assert s3.client.get_object(Bucket=BUCKET, Key=s3.key(digest))["Body"].read() == b"written by the other upload"
