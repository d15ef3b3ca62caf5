"""Which names and contents atmp stores: the allowlist and the content sniffing (no database)."""

from __future__ import annotations

import pytest

from atmp.files import sniff

from .conftest import HTML, PDF, PE


@pytest.mark.parametrize(
    ("name", "declared", "expected"),
    [
        ("report.PDF", None, "application/pdf"),
        ("scan.tif", "image/tiff", "image/tiff"),
        ("data.csv", "application/vnd.ms-excel", "text/csv"),  # the name decides, not the browser's guess
        ("run-42.fcs", None, sniff.FCS),
        ("plate", None, sniff.OCTET_STREAM),
        ("plate.xyz", "application/octet-stream", sniff.OCTET_STREAM),
        ("doc", "text/xml", "application/xml"),
    ],
)
def test_it_takes_the_media_type_from_the_name_then_the_declaration(name, declared, expected):
    assert sniff.media_type_of(name, declared) == expected


@pytest.mark.parametrize("name", ["page.html", "logo.svg", "run.js", "setup.exe", "job.bat", "x.HTM"])
def test_it_refuses_names_a_browser_or_a_computer_would_run(name):
    with pytest.raises(sniff.Refused, match="are not stored") as refused:
        sniff.media_type_of(name, None)
    assert refused.value.field == "name"


def test_it_refuses_a_declared_type_outside_the_allowlist():
    with pytest.raises(sniff.Refused, match="text/html is not a type atmp stores"):
        sniff.media_type_of("page", "text/html")


@pytest.mark.parametrize(
    ("media_type", "head"),
    [
        ("application/pdf", PDF),
        ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
        ("text/csv", "lot,result\nL-1,ok — passed\n".encode()),
        ("application/json", b'  {"a": 1}'),
        ("application/xml", b'<?xml version="1.0"?><batch/>'),
        (sniff.XLSX, b"PK\x03\x04\x14\x00"),
        (sniff.FCS, b"FCS3.1    256"),
        (sniff.OCTET_STREAM, b"\x00\x01\x02binary instrument data"),
    ],
)
def test_it_accepts_content_that_is_what_its_type_says(media_type, head):
    sniff.check_content(media_type, head)


@pytest.mark.parametrize(
    ("media_type", "head", "rule"),
    [
        ("application/pdf", HTML, "is HTML or SVG, not a PDF"),
        ("image/png", PE, "is a Windows executable"),
        ("application/octet-stream", b"\x7fELF\x02\x01", "is a Linux executable"),
        ("text/plain", b"#!/bin/sh\nrm -rf /\n", "is a script"),
        ("application/xml", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "HTML or SVG"),
        ("application/pdf", b"just text", "is not a PDF"),
        ("text/csv", b"a,b\n\x00\x00", "NUL bytes"),
        ("text/plain", b"caf\xe9 latin-1", "is not UTF-8"),
        ("application/json", b"not json", "is not JSON"),
    ],
)
def test_it_refuses_disguised_or_active_content_naming_the_rule(media_type, head, rule):
    with pytest.raises(sniff.Refused, match=rule) as refused:
        sniff.check_content(media_type, head)
    assert refused.value.field == "file"


def test_a_multibyte_character_cut_by_the_head_is_not_an_encoding_error():
    sniff.check_content("text/plain", "ok é".encode()[:-1])
