"""Which files a GMP site stores, and whether a file's bytes are what its name says (no Django here).

The media type comes from the file name's extension (the name is what the reader's computer opens
it by); a type the name does not give is taken from the uploader's declaration, if allowed. Then
the first bytes must match that type: a PDF starts with %PDF-, a PNG with its signature, a text
file is UTF-8 without NUL bytes. Whatever the type, content that a browser or an operating system
would run (HTML, SVG, scripts, executables) is refused, so a disguised file never gets in.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

HEAD_BYTES = 4096  # how much of a file the content checks read
OCTET_STREAM = "application/octet-stream"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FCS = "application/vnd.isac.fcs"
TEXT_TYPES = frozenset({"text/plain", "text/csv", "application/json", "application/xml"})


@dataclass(frozen=True)
class Kind:
    """An allowed media type: what it is called and the signatures its content may start with."""

    label: str
    magic: tuple[bytes, ...] = ()


ALLOWED: dict[str, Kind] = {
    "application/pdf": Kind("a PDF", (b"%PDF-",)),
    "image/png": Kind("a PNG image", (b"\x89PNG\r\n\x1a\n",)),
    "image/jpeg": Kind("a JPEG image", (b"\xff\xd8\xff",)),
    "image/tiff": Kind("a TIFF image", (b"II*\x00", b"MM\x00*")),
    "text/plain": Kind("plain text"),
    "text/csv": Kind("a CSV table"),
    "application/json": Kind("JSON"),
    "application/xml": Kind("XML"),
    ZIP: Kind("a ZIP archive", (b"PK\x03\x04", b"PK\x05\x06")),
    DOCX: Kind("a Word document (DOCX)", (b"PK\x03\x04",)),
    XLSX: Kind("an Excel workbook (XLSX)", (b"PK\x03\x04",)),
    FCS: Kind("a flow cytometry file (FCS)", (b"FCS2.0", b"FCS3.0", b"FCS3.1", b"FCS3.2")),
    OCTET_STREAM: Kind("raw instrument data"),
}

EXTENSIONS: dict[str, str] = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".txt": "text/plain",
    ".log": "text/plain",
    ".csv": "text/csv",
    ".json": "application/json",
    ".xml": "application/xml",
    ".zip": ZIP,
    ".docx": DOCX,
    ".xlsx": XLSX,
    ".fcs": FCS,
    ".raw": OCTET_STREAM,
    ".dat": OCTET_STREAM,
    ".bin": OCTET_STREAM,
}
ALIASES = {"text/xml": "application/xml", "image/jpg": "image/jpeg", "application/x-zip-compressed": ZIP}

# Names a browser or an operating system would run or render: refused whatever they contain.
ACTIVE_EXTENSIONS = frozenset(
    [
        ".html", ".htm", ".xhtml", ".shtml", ".svg", ".svgz", ".js", ".mjs", ".css", ".hta",
        ".exe", ".com", ".bat", ".cmd", ".scr", ".msi", ".dll", ".ps1", ".sh", ".vbs", ".jar", ".app", ".php", ".py",
    ]
)  # fmt: skip
EXECUTABLE_MAGIC = (
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "a Linux executable"),
    (b"\xfe\xed\xfa\xce", "a macOS executable"),
    (b"\xfe\xed\xfa\xcf", "a macOS executable"),
    (b"\xce\xfa\xed\xfe", "a macOS executable"),
    (b"\xcf\xfa\xed\xfe", "a macOS executable"),
    (b"\xca\xfe\xba\xbe", "a macOS or Java executable"),
    (b"#!", "a script"),
)
# WHATWG MIME sniffing's HTML signatures, and SVG: markup a browser would render and run.
_MARKUP = re.compile(
    rb"^(?:\xef\xbb\xbf)?[\s]*<(?:!doctype\s+html|html|head|body|script|iframe|style|title|svg|h1|div|table|font|"
    rb"a\s|b>|br|p>|!--)",
    re.IGNORECASE,
)
_SVG_ANYWHERE = re.compile(rb"<svg[\s>]|<!doctype\s+svg|<html[\s>]|<script[\s>]", re.IGNORECASE)


class Refused(ValueError):
    """The file may not be stored; `field` names the input at fault and the message the rule."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def media_type_of(name: str, declared: str | None) -> str:
    """Return the media type a file is stored as: its extension's, else an allowed declared one."""
    ext = _extension(name)
    if ext in ACTIVE_EXTENSIONS:
        raise Refused(
            "name", f"{ext} files are not stored: HTML, SVG, scripts and programs could run in a reader's browser"
        )
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    given = (declared or "").split(";")[0].strip().lower()
    given = ALIASES.get(given, given)
    if not given:
        return OCTET_STREAM
    if given not in ALLOWED:
        raise Refused("media_type", f"{given} is not a type atmp stores; allowed: {', '.join(sorted(ALLOWED))}")
    return given


def check_content(media_type: str, head: bytes, *, name: str = "the file") -> None:
    """Refuse content that is not what its media type says, or that a browser or a computer would run."""
    kind = ALLOWED[media_type]
    for magic, what in EXECUTABLE_MAGIC:
        if head.startswith(magic) and not any(head.startswith(m) for m in kind.magic):
            raise Refused("file", f"{name} is {what}: programs and scripts are not stored (it was named {kind.label})")
    if _MARKUP.match(head) or (media_type in TEXT_TYPES | {OCTET_STREAM} and _SVG_ANYWHERE.search(head)):
        raise Refused("file", f"{name} is HTML or SVG, not {kind.label}: markup a browser would render is not stored")
    if kind.magic and not any(head.startswith(m) for m in kind.magic):
        raise Refused("file", f"{name} is not {kind.label}: its content does not start as {kind.label} does")
    if media_type in TEXT_TYPES:
        _check_text(media_type, head, name, kind)


def _check_text(media_type: str, head: bytes, name: str, kind: Kind) -> None:
    if b"\x00" in head:
        raise Refused("file", f"{name} holds NUL bytes, so it is not {kind.label}: store it as raw data (.dat)")
    try:
        # Not final: the head may end inside a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        raise Refused("file", f"{name} is not UTF-8 text, which {kind.label} must be") from None
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if media_type == "application/json" and start and start not in b"{[":
        raise Refused("file", f"{name} is not JSON: it must start with {{ or [")
    if media_type == "application/xml" and start and start != b"<":
        raise Refused("file", f"{name} is not XML: it must start with <")


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""
