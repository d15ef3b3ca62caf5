"""Label sizes: a name such as 50x25mm or 4x6in, read into millimetres and 300-dpi pixels."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Labels are printed, and rasterised, at 300 dots per inch: the common thermal-transfer resolution.
DPI = 300
MM_PER_INCH = Decimal("25.4")
# What a site prints on until it says otherwise: a small container label, a bag label, a shipper label.
STANDARD = ("50x25mm", "100x50mm", "4x6in")
DEFAULT = "100x50mm"
# The smallest side that holds a readable symbol and a line of text; the largest a label printer takes.
SMALLEST_MM = Decimal(15)
LARGEST_MM = Decimal(300)
_NAME = re.compile(r"^(?P<width>\d{1,3}(?:\.\d{1,2})?)x(?P<height>\d{1,3}(?:\.\d{1,2})?)(?P<unit>mm|in)$")


class SizeError(ValueError):
    """A label size refused; the message names the size and the rule."""


@dataclass(frozen=True)
class LabelSize:
    """A label size: its name as the site wrote it, and its width and height in millimetres."""

    name: str
    width_mm: Decimal
    height_mm: Decimal

    @property
    def width_px(self) -> int:
        """Return the width in 300-dpi pixels (rounded to the nearest dot), the PNG's width."""
        return px(self.width_mm)

    @property
    def height_px(self) -> int:
        """Return the height in 300-dpi pixels, the PNG's height."""
        return px(self.height_mm)


def px(mm: Decimal) -> int:
    """Return a length in millimetres as whole 300-dpi pixels, the nearest."""
    return int((mm * DPI / MM_PER_INCH).to_integral_value())


def mm(pixels: int) -> Decimal:
    """Return whole 300-dpi pixels as millimetres (what the template draws with, so that symbols sit on dots)."""
    return (Decimal(pixels) * MM_PER_INCH / DPI).quantize(Decimal("0.0001"))


def parse(name: str) -> LabelSize:
    """Read a size name, WIDTHxHEIGHT with mm or in (50x25mm, 4x6in), or refuse it naming the rule."""
    text = str(name).strip().lower().replace("×", "x").replace(" ", "")
    match = _NAME.match(text)
    if match is None:
        raise SizeError(f"{name!r}: a label size is WIDTHxHEIGHT in mm or in, e.g. 50x25mm, 100x50mm or 4x6in")
    try:
        width, height = Decimal(match["width"]), Decimal(match["height"])
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise SizeError(f"{name!r}: the width and height are numbers") from None
    if match["unit"] == "in":
        width, height = width * MM_PER_INCH, height * MM_PER_INCH
    for side, value in (("width", width), ("height", height)):
        if not SMALLEST_MM <= value <= LARGEST_MM:
            shown = format(value.normalize(), "f")
            raise SizeError(f"{name!r}: the {side} is {shown} mm; a label's sides are 15–300 mm")
    return LabelSize(text, width, height)
