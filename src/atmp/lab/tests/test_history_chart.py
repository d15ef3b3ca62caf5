"""The specification history's chart (atmp.lab.charts): a point per value in its phase's colour, a line per
criterion limit and per tolerance bound, readable ticks, accessible, the same bytes for the same input."""

from __future__ import annotations

import re

from atmp.lab.charts import Limit, colour_of, fmt, history_chart, ticks
from atmp.stats.plotting import PALETTE

POINTS = [("Phase I", 0.2), ("Phase I", 0.31), ("Phase II", 0.18), ("Commercial", 0.22), ("Commercial", 0.27)]
LIMITS = [Limit("Phase I", "Phase I v1", "upper", 0.5), Limit("Commercial", "Commercial v2", "upper", 0.25)]


def _chart(**kw):
    return history_chart("Bacterial endotoxins", "EU/mL", POINTS, LIMITS, (None, 0.41), **kw)


def test_a_point_per_value_and_a_line_per_limit_and_bound():
    svg = _chart()
    assert svg.count('class="point"') == len(POINTS)
    assert svg.count('class="limit"') == len(LIMITS) and svg.count('class="bound"') == 1
    assert svg.count('stroke-dasharray="2 3"') == len(LIMITS) + 1  # dotted: each limit and its legend key
    assert svg.count('stroke-dasharray="6 4"') == 2  # dashed: the bound and its legend key
    assert 'stroke="#000000"' in svg


def test_each_phase_has_its_colour_for_its_points_and_its_limits():
    svg = _chart()
    phase_i, commercial = colour_of("Phase I"), colour_of("Commercial")
    assert (phase_i, colour_of("Phase II"), commercial) == (PALETTE[0], PALETTE[1], PALETTE[3])
    points = re.findall(r'<circle class="point"[^>]* fill="(#\w+)"', svg)
    assert points == [phase_i, phase_i, PALETTE[1], commercial, commercial]
    limits = re.findall(r'<line class="limit"[^>]* stroke="(#\w+)"', svg)
    assert limits == [phase_i, commercial]
    assert "Phase I (2)" in svg and "Phase II (1)" in svg and "Commercial (2)" in svg  # the legend


def test_it_is_accessible_and_labelled():
    svg = _chart()
    assert svg.startswith("<svg ") and 'role="img"' in svg and "<title>Bacterial endotoxins: 5 results" in svg
    assert "Phase I v1 upper 0.5" in svg and "tolerance interval −∞ to 0.41" in svg  # the description
    assert "result, in test order" in svg and "Bacterial endotoxins (EU/mL)" in svg
    assert "href" not in svg and "<script" not in svg and "style=" not in svg  # no external asset, no inline style


def test_text_is_escaped():
    svg = history_chart('<b>"x"</b>', "&", [("Phase I", 1.0)], [], (None, None))
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "&amp;" in svg


def test_the_same_input_gives_the_same_bytes():
    assert _chart() == _chart()


def test_ticks_are_round_and_labels_short():
    assert ticks(0.1, 0.52) == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert ticks(0, 119) == [0, 20, 40, 60, 80, 100]
    assert fmt(2.0e13) == "2e13" and fmt(0.25) == "0.25" and fmt(1234.4) == "1234"
