"""The demo's stored files: Leiden's site master file, attached to the site's record."""

from __future__ import annotations

import io

from atmp.accounts.models import Site, User
from atmp.files import services


def load(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Store the site master file (content-addressed) and attach it to Leiden, as the QA Reviewer."""
    services.store_and_attach(
        actor=people["rita"],
        record=Site.objects.get(pk=sites["LEI"].pk),
        stream=io.BytesIO(pdf("Site Master File, Leiden Bio Science Park (demo)")),
        name="SMF-LEI-v3.pdf",
        note="version 3, as submitted to the inspectorate",
        reason="site master file on record",
    )


def pdf(text: str) -> bytes:
    """Return a one-page PDF showing one line of (ASCII) text, with a correct cross-reference table."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
