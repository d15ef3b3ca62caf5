"""Decode label symbols as a scanner does (zxing-cpp, a test-only dependency) and give back what a
barcode reader acting as a keyboard types: its symbology identifier, then the data (GS kept)."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image


def scans(png: bytes) -> list[tuple[str, str, str]]:
    """Return every symbol of a PNG as (format, symbology identifier, typed text), left to right, top down."""
    image = Image.open(io.BytesIO(png))
    found = zxingcpp.read_barcodes(image)
    ordered = sorted(found, key=lambda b: (b.position.top_left.y // 20, b.position.top_left.x))
    return [(str(b.format), b.symbology_identifier, b.symbology_identifier + b.bytes.decode("ascii")) for b in ordered]
