"""Label sizes: WIDTHxHEIGHT in mm or in, read to millimetres and 300-dpi dots; anything else refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from atmp.trace.labels import sizes


@pytest.mark.parametrize(
    ("name", "mm", "px"),
    [
        ("50x25mm", ("50", "25"), (591, 295)),
        ("100x50mm", ("100", "50"), (1181, 591)),
        ("4x6in", ("101.6", "152.4"), (1200, 1800)),
        (" 62 × 29 MM ", ("62", "29"), (732, 343)),
    ],
)
def test_a_size_is_read_to_millimetres_and_dots(name, mm, px):
    size = sizes.parse(name)
    assert (size.width_mm, size.height_mm) == (Decimal(mm[0]), Decimal(mm[1]))
    assert (size.width_px, size.height_px) == px


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("50x25", "WIDTHxHEIGHT in mm or in"),
        ("A4", "WIDTHxHEIGHT"),
        ("10x25mm", "the width is 10 mm; a label's sides are 15–300 mm"),
        ("50x400mm", "the height is 400 mm"),
        ("20x1in", "the width is 508 mm"),
    ],
)
def test_a_size_that_is_not_a_label_is_refused_naming_the_rule(name, rule):
    with pytest.raises(sizes.SizeError, match=rule):
        sizes.parse(name)


def test_the_standard_sizes_read():
    assert [sizes.parse(n).name for n in sizes.STANDARD] == list(sizes.STANDARD)
    assert sizes.DEFAULT in sizes.STANDARD
