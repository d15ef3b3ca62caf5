"""Storing a file: hashed while it streams, kept once per content, checked, never half-written."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from atmp.accounts.errors import NotAllowed
from atmp.files import services
from atmp.files.errors import FileRefused, FileTooLarge
from atmp.files.models import StoredFile
from atmp.ledger.models import AuditEntry

from .conftest import HTML, PDF, PE

pytestmark = pytest.mark.django_db


def store(actor, content: bytes, name: str = "report.pdf", **kwargs):
    return services.store(actor=actor, stream=io.BytesIO(content), name=name, **kwargs)


def blobs(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_it_keeps_the_file_under_its_sha256_and_records_name_type_size_and_hash(operator, file_home):
    stored = store(operator, PDF, name="C:\\scans\\batch report.pdf")
    digest = hashlib.sha256(PDF).hexdigest()
    assert (stored.name, stored.media_type, stored.size, stored.sha256, stored.backend) == (
        "batch report.pdf", "application/pdf", len(PDF), digest, "local",
    )  # fmt: skip
    blob = file_home / digest[:2] / digest[2:4] / digest
    assert blob.read_bytes() == PDF
    assert not os.access(blob, os.W_OK) or os.geteuid() == 0  # read-only: never rewritten
    entry = AuditEntry.objects.get(record_type="files.storedfile", record_id=str(stored.pk))
    assert entry.action == "create" and entry.actor_id == operator.pk


def test_the_same_content_twice_is_stored_once(operator, file_home):
    first = store(operator, PDF, name="a.pdf")
    second = store(operator, PDF, name="b.pdf")
    assert first.pk != second.pk and first.sha256 == second.sha256
    assert blobs(file_home) == [file_home / first.sha256[:2] / first.sha256[2:4] / first.sha256]


def test_it_refuses_a_file_over_the_limit_while_streaming_and_keeps_nothing(operator, file_home, monkeypatch):
    monkeypatch.setenv("ATMP_MAX_FILE_BYTES", "1000")
    before = AuditEntry.objects.count()
    with pytest.raises(FileTooLarge, match="larger than 1,000 bytes"):
        store(operator, b"x" * 1001, name="big.dat")
    assert blobs(file_home) == [] and AuditEntry.objects.count() == before


def test_it_refuses_a_file_whose_announced_size_is_over_the_limit_before_reading_it(operator, monkeypatch):
    monkeypatch.setenv("ATMP_MAX_FILE_BYTES", "1000")
    never_read = io.BytesIO(b"")
    never_read.read = None  # type: ignore[method-assign]
    with pytest.raises(FileTooLarge):
        services.store(actor=operator, stream=never_read, name="big.dat", size=5000)


@pytest.mark.parametrize(
    ("content", "name", "rule"),
    [
        (HTML, "protocol.pdf", "is HTML or SVG, not a PDF"),
        (PE, "photo.png", "is a Windows executable"),
        (PDF, "page.html", ".html files are not stored"),
    ],
)
def test_it_refuses_a_disguised_file_naming_the_rule_and_keeps_nothing(operator, file_home, content, name, rule):
    before = AuditEntry.objects.count()
    with pytest.raises(FileRefused, match=rule):
        store(operator, content, name=name)
    assert blobs(file_home) == [] and StoredFile.objects.count() == 0 and AuditEntry.objects.count() == before


def test_an_inspector_may_not_store_a_file(inspector, file_home):
    with pytest.raises(NotAllowed, match="records.write"):
        store(inspector, PDF)
    assert blobs(file_home) == []


def test_a_name_with_a_control_character_is_refused(operator):
    with pytest.raises(FileRefused, match="U\\+202E"):
        store(operator, PDF, name="report\u202efdp.exe.pdf")
