"""pdf.render_pdf: PDF/A-3b, embedded files as associated files, embedded fonts, no network."""

import io

import pypdf
import pytest

from atmp.printing.errors import PrintRefused
from atmp.printing.pdf import BASE_URL, Attachment, render_pdf, static_path

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>A record</title>
<link rel="stylesheet" href="/static/printing/print.css"></head>
<body><h1>Zoë’s record — Ødegård, Σωκράτης, Чехов</h1>{extra}</body></html>"""


def _render(extra: str = "", **kwargs) -> bytes:
    files = kwargs.pop("attachments", [Attachment("data.json", b'{"a":1}', "application/json", "the data")])
    return render_pdf(PAGE.format(extra=extra), attachments=files, title="A record", **kwargs)


def test_it_declares_pdf_a_3b(db):
    reader = pypdf.PdfReader(io.BytesIO(_render()))
    xmp = reader.xmp_metadata.stream.get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert reader.trailer["/Root"]["/OutputIntents"]  # PDF/A needs an output intent (sRGB)
    assert len(reader.trailer["/ID"]) == 2  # and a file identifier


def test_the_attachments_are_embedded_as_associated_files_with_their_media_type(db):
    reader = pypdf.PdfReader(io.BytesIO(_render()))
    assert reader.attachments == {"data.json": [b'{"a":1}']}
    (spec,) = [s.get_object() for s in reader.trailer["/Root"]["/AF"]]
    assert spec["/AFRelationship"] == "/Data" and spec["/Desc"] == "the data"
    assert spec["/EF"]["/F"].get_object()["/Subtype"] == "/application/json"  # pypdf decodes the #2F escape


def test_every_font_is_embedded(db):
    reader = pypdf.PdfReader(io.BytesIO(_render()))
    fonts = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
        assert "atmp-" in str(descendant["/BaseFont"])  # the package's @font-face, not whatever the host has


@pytest.mark.parametrize(
    "resource",
    [
        '<img src="https://example.org/tracker.png">',
        '<img src="file:///etc/passwd">',
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
        '<img src="/static/../../settings.py">',
    ],
)
def test_it_refuses_anything_but_the_package_static_files(db, resource):
    with pytest.raises(PrintRefused, match="only the package's static files"):
        _render(resource)


def test_only_static_files_under_the_print_origin_resolve(db):
    assert static_path(BASE_URL + "static/printing/print.css") is not None
    assert static_path(BASE_URL + "static/atmp/atmp.css") is not None
    assert static_path("https://example.org/static/printing/print.css") is None
    assert static_path(BASE_URL + "etc/passwd") is None
    assert static_path(BASE_URL + "static/%2e%2e/%2e%2e/pyproject.toml") is None
