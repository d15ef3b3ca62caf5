"""Each test keeps its blobs in its own folder, and has a PDF, an HTML page and a program to upload."""

from __future__ import annotations

from pathlib import Path

import pytest

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"


@pytest.fixture(autouse=True)
def file_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the file store at a folder of this test's own: ATMP_HOME/files."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("ATMP_HOME", str(home))
    monkeypatch.delenv("ATMP_FILES_BACKEND", raising=False)
    monkeypatch.delenv("ATMP_MAX_FILE_BYTES", raising=False)
    return home / "files"
