"""The symbols a label carries, drawn as SVG on whole 300-dpi dots: Data Matrix and Code 128.

pyStrich encodes (docs/dependencies.md): Data Matrix ECC 200 (ISO/IEC 16022), as GS1 DataMatrix
when the data starts with FNC1 (GS1 General Specifications §5.6), and Code 128 (ISO/IEC 15417).
This module turns its modules into rectangles of a size in whole dots, so that a 300-dpi PNG and a
label printer draw every module the same width, and wraps them in SVG for the label's template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from atmp.trace.labels.sizes import mm

# Quiet zones, in modules: ISO/IEC 15417 asks 10 X either side of a Code 128 symbol; ISO/IEC 16022
# asks 1 X round a Data Matrix, GS1 recommends more; pyStrich's default (2) is kept.
CODE128_QUIET = 10


class SymbolError(ValueError):
    """Data a symbol cannot carry; the message names the data and the rule."""


@dataclass(frozen=True)
class Symbol:
    """A symbol as dark rectangles (x, y, width, height) in modules, on a grid of width × height modules.

    A Code 128 symbol is one module high: its bars are stretched to the height the label gives them.
    """

    kind: str  # "datamatrix" or "code128"
    data: str  # what a scanner transmits (GS1: with GS between fields, no symbology identifier)
    width: int
    height: int
    marks: tuple[tuple[int, int, int, int], ...]

    def svg(self, module_px: int, *, height_px: int | None = None, test_id: str = "") -> str:
        """Return the symbol as inline SVG, each module `module_px` dots wide (a bar code `height_px` dots high)."""
        width_mm = mm(self.width * module_px)
        high = height_px if height_px is not None else self.height * module_px
        path = "".join(f"M{x} {y}h{w}v{h}h-{w}z" for x, y, w, h in self.marks)
        label = f' data-testid="{test_id}"' if test_id else ""
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="symbol {self.kind}"{label} '
            f'width="{_mm(width_mm)}mm" height="{_mm(mm(high))}mm" viewBox="0 0 {self.width} {self.height}" '
            f'preserveAspectRatio="none" shape-rendering="crispEdges">'
            f'<rect width="{self.width}" height="{self.height}" fill="#fff"/><path d="{path}" fill="#000"/></svg>'
        )


def _mm(value: Decimal) -> str:
    return format(value.normalize(), "f")


def gs1_datamatrix(fields: Sequence[tuple[str, str, bool]]) -> Symbol:
    """Return a GS1 DataMatrix of the fields (AI, data, fixed length?): FNC1 first, FNC1 after each
    variable-length field but the last (GS1 General Specifications §7.8)."""
    from pystrich.datamatrix import DataMatrixData, DataMatrixEncoder
    from pystrich.exceptions import PyStrichError
    from pystrich.gs1 import GS1Fixed, GS1Variable

    if not fields:
        raise SymbolError("a GS1 DataMatrix carries at least one element string")
    parts = [GS1Fixed(ai, value) if fixed else GS1Variable(ai, value) for ai, value, fixed in fields]
    try:
        encoder = DataMatrixEncoder(DataMatrixData.gs1(*parts))
    except PyStrichError as exc:
        raise SymbolError(f"GS1 DataMatrix: {exc}") from None
    data = ""
    for i, (ai, value, fixed) in enumerate(fields):
        data += ai + value + ("" if fixed or i == len(fields) - 1 else "\x1d")
    return _matrix("datamatrix", data, encoder.get_rect_marks())


def datamatrix(text: str) -> Symbol:
    """Return a plain Data Matrix ECC 200 of ASCII text (no FNC1: an ISBT 128 compound message)."""
    from pystrich.datamatrix import DataMatrixData, DataMatrixEncoder
    from pystrich.exceptions import PyStrichError

    if not text.isascii():
        raise SymbolError(f"{text!r}: the Data Matrix of a label carries ASCII only")
    try:
        encoder = DataMatrixEncoder(DataMatrixData(text, encoding="ascii"))
    except PyStrichError as exc:
        raise SymbolError(f"Data Matrix: {exc}") from None
    return _matrix("datamatrix", text, encoder.get_rect_marks())


def _matrix(kind: str, data: str, marks: object) -> Symbol:
    rects = tuple((int(x), int(y), int(w), int(h)) for x, y, w, h in marks.marks)  # type: ignore[attr-defined]
    return Symbol(kind, data, int(marks.width), int(marks.height), rects)  # type: ignore[attr-defined]


def code128(text: str) -> Symbol:
    """Return a Code 128 symbol of printable ASCII text, with its quiet zones (ISO/IEC 15417)."""
    from pystrich.code128 import Code128Data, Code128Encoder
    from pystrich.exceptions import PyStrichError

    if not text or not all(" " <= c <= "~" for c in text):
        raise SymbolError(f"{text!r}: a label's Code 128 carries printable ASCII only")
    try:
        bars = Code128Encoder(Code128Data(text, encoding="ascii")).bars
    except PyStrichError as exc:
        raise SymbolError(f"Code 128: {exc}") from None
    rects: list[tuple[int, int, int, int]] = []
    start = None
    for i, bar in enumerate(bars + "0"):
        if bar == "1" and start is None:
            start = i
        elif bar != "1" and start is not None:
            rects.append((CODE128_QUIET + start, 0, i - start, 1))
            start = None
    return Symbol("code128", text, len(bars) + 2 * CODE128_QUIET, 1, tuple(rects))
