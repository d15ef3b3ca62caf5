"""HTML to PDF/A-3b with WeasyPrint: embedded fonts, embedded files, and no network.

WeasyPrint is imported inside the functions: it loads Pango through cffi (about 0.3 s), which
no page but a PDF should pay for, and a machine without Pango still runs everything else.
"""

from __future__ import annotations

import datetime as dt
import logging
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from atmp.printing.errors import PrintRefused

# The only origin a printed page may load from: its static files (the print stylesheet, the fonts).
# A host under .invalid (RFC 2606) can never resolve, so even a fetcher bug could not reach a network.
BASE_URL = "https://atmp.print.invalid/"
ATTACHMENT_SCHEME = "atmp-attachment"
PDF_VARIANT = "pdf/a-3b"


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the PDF as a PDF/A-3 associated file."""

    name: str
    data: bytes
    media_type: str
    description: str


def download(data: bytes, filename: str) -> Any:
    """Return the PDF as an HTTP download named filename (SecurityMiddleware adds nosniff to every response)."""
    from django.http import HttpResponse

    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def static_path(url: str) -> Path | None:
    """Return the package static file a URL under BASE_URL names, or None for anything else."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    prefix = settings.STATIC_URL if str(settings.STATIC_URL).startswith("/") else "/" + str(settings.STATIC_URL)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(prefix):
        return None
    relative = posixpath.normpath(unquote(parts.path[len(prefix) :])).lstrip("/")
    if not relative or relative.startswith(".."):
        return None
    found = finders.find(relative)
    return Path(found) if isinstance(found, str) else None


def _fetcher(attachments: list[Attachment]) -> Any:
    """Return a WeasyPrint URL fetcher that serves the attachments and the static files, and refuses the rest."""
    import mimetypes

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    by_name = {f"{ATTACHMENT_SCHEME}:{i}": a for i, a in enumerate(attachments)}

    class PackageOnly(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no type hints
        """Fetch nothing from a network or the disk at large: only the package's own static files."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url in by_name:
                item = by_name[url]
                return URLFetcherResponse(url, item.data, {"Content-Type": item.media_type})
            path = static_path(url)
            if path is None:
                raise PrintRefused(f"a printed page may load only the package's static files, not {url}")
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})

    return PackageOnly(fail_on_errors=True)


def _quiet_subsetter_notice(record: logging.LogRecord) -> bool:
    """Drop WeasyPrint's notice that it subsets fonts with fontTools: the PDF is the same (README, Printing)."""
    return "HarfBuzz-Subset" not in record.getMessage()


def _one_association_per_file(document: Any, pdf: Any) -> None:
    """Drop the repeated references WeasyPrint 70 puts in the catalog's /AF (each file is listed twice)."""
    associated = pdf.catalog.get("AF")
    if associated is not None:
        associated[:] = list(dict.fromkeys(associated))  # references are bytes such as b"11 0 R"


def render_pdf(
    html: str,
    *,
    base_url: str = BASE_URL,
    attachments: list[Attachment] | list[tuple[str, bytes, str, str]],
    title: str,
    created: dt.datetime | None = None,
) -> bytes:
    """Return the HTML rendered as PDF/A-3b, with the attachments embedded as associated files."""
    try:
        import weasyprint
        from weasyprint.urls import FatalURLFetchingError
    except (ImportError, OSError) as exc:  # OSError: Pango's shared libraries are missing
        raise PrintRefused(f"PDF printing needs WeasyPrint and the Pango libraries (README, Printing): {exc}") from None
    logger = logging.getLogger("weasyprint")
    if _quiet_subsetter_notice not in logger.filters:
        logger.addFilter(_quiet_subsetter_notice)
    files = [a if isinstance(a, Attachment) else Attachment(*a) for a in attachments]
    fetcher = _fetcher(files)
    moment = created or dt.datetime.now(dt.UTC)
    embedded = [
        weasyprint.Attachment(
            url=f"{ATTACHMENT_SCHEME}:{i}",
            url_fetcher=fetcher,
            name=a.name,
            description=a.description,
            created=moment,
            modified=moment,
            # PDF/A-3 (ISO 19005-3 §6.8): each embedded file is associated with the document and
            # says how; "Data" is what the printed record was made from (ISO 32000-2 §7.11.3).
            relationship="Data",
        )
        for i, a in enumerate(files)
    ]
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    try:
        pdf = document.write_pdf(
            attachments=embedded,
            pdf_variant=PDF_VARIANT,  # also sets what PDF/A needs by default: file identifier, sRGB output intent
            custom_metadata=True,  # the page's <meta> author, description, generator into the metadata
            finisher=_one_association_per_file,
        )
    except FatalURLFetchingError as exc:
        cause = exc.__cause__
        raise PrintRefused(str(cause) if cause is not None else str(exc)) from None
    if not isinstance(pdf, bytes):
        raise PrintRefused(f"the PDF of {title!r} could not be rendered")
    return pdf
