"""The symbols of a label decode, with an independent reader (zxing-cpp), to exactly the data given:
GS1 DataMatrix (ISO/IEC 16022 with FNC1 first), a plain Data Matrix, Code 128 (ISO/IEC 15417)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from atmp.trace.labels import symbols
from atmp.trace.labels.symbols import SymbolError
from atmp.trace.tests.decoding import scans


def png_of(symbol, dots=4, height=60):
    high = height if symbol.kind == "code128" else symbol.height * dots
    image = Image.new("L", (symbol.width * dots, high), 255)
    draw = ImageDraw.Draw(image)
    for x, y, w, h in symbol.marks:
        bottom = high if symbol.kind == "code128" else (y + h) * dots
        draw.rectangle([x * dots, y * dots, (x + w) * dots - 1, bottom - 1], fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_gs1_datamatrix_starts_with_fnc1_and_separates_a_variable_field_with_gs():
    fields = [
        ("01", "09501101530003", True),
        ("17", "261231", True),
        ("240", "LEI-P-000123-I", False),
        ("10", "L-1", False),
    ]
    symbol = symbols.gs1_datamatrix(fields)
    assert symbol.data == "010950110153000317261231240LEI-P-000123-I\x1d10L-1"
    # ]d2: a Data Matrix whose first codeword is FNC1, i.e. GS1 DataMatrix (ISO/IEC 15424).
    assert scans(png_of(symbol)) == [("Data Matrix", "]d2", "]d2" + symbol.data)]


def test_a_plain_datamatrix_carries_an_isbt_128_compound_message_without_fnc1():
    text = "=+03000=G12349865432100=<S1295100=>026365"
    assert scans(png_of(symbols.datamatrix(text))) == [("Data Matrix", "]d1", "]d1" + text)]


@pytest.mark.parametrize("text", ["=G12349865432100", "=<S1295100", "=>026365", "PJJ123C", "0123456789"])
def test_a_code_128_decodes_to_its_text_with_quiet_zones_of_ten_modules(text):
    symbol = symbols.code128(text)
    assert scans(png_of(symbol, dots=3)) == [("Code 128", "]C0", "]C0" + text)]
    assert symbol.marks[0][0] == symbols.CODE128_QUIET  # the first bar after 10 X of quiet zone
    last = symbol.marks[-1]
    assert symbol.width - (last[0] + last[2]) == symbols.CODE128_QUIET


def test_code_128_of_all_digits_uses_code_set_c_two_digits_a_symbol_character():
    # ISO/IEC 15417: Start C, 5 pairs, check, stop = 11 modules each but the stop's 13.
    from pystrich.code128 import Code128Encoder

    encoder = Code128Encoder("0123456789")
    assert encoder.encoded_text[0] == 105  # Start C
    assert encoder.encoded_text[1:] == [1, 23, 45, 67, 89]
    # The mod-103 check: (105 + 1·1 + 2·23 + 3·45 + 4·67 + 5·89) mod 103 = 1000 mod 103 = 73.
    assert encoder.checksum == 73
    assert len(encoder.bars) == 11 * 7 + 13


def test_svg_draws_each_module_on_whole_dots():
    svg = symbols.code128("=G12349865432100").svg(3, height_px=59)
    # 3 dots of 300 dpi = 0.254 mm a module; 59 dots high = 4.9953 mm.
    assert 'height="4.9953mm"' in svg and 'viewBox="0 0 ' in svg and 'shape-rendering="crispEdges"' in svg


@pytest.mark.parametrize("text", ["", "é-lot", "tab\there"])
def test_a_code_128_refuses_what_a_label_does_not_print(text):
    with pytest.raises(SymbolError, match="printable ASCII"):
        symbols.code128(text)
