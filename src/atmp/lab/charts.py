"""The specification history's chart, SVG written by hand (pure: no Django, no matplotlib): an attribute's
numeric results in test order coloured by clinical phase, each phase's criterion limits dotted in its colour,
the tolerance interval's bounds dashed black. The same input gives the same text; every text is escaped, so
the page inlines it (the Content-Security-Policy allows no inline style, and the chart needs none).
Colours are atmp.stats.plotting's palette (Okabe & Ito 2008), in the phases' order, so a phase keeps its
colour from one attribute to the next.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from atmp.stats.plotting import PALETTE

PHASES = ("Phase I", "Phase II", "Phase III", "Commercial")  # atmp.lab.models.Phase's labels, in order
BOUND = "#000000"
INK = "#444444"


@dataclass(frozen=True)
class Limit:
    """A criterion's limit: its phase (for the colour), the specification it is from, its side and value."""

    phase: str
    label: str
    side: str  # "lower" or "upper"
    value: float


def colour_of(phase: str) -> str:
    """Return a phase's colour: its place among the phases in the palette (another label after them)."""
    i = PHASES.index(phase) if phase in PHASES else len(PHASES)
    return PALETTE[i % len(PALETTE)]


def fmt(v: float) -> str:
    """Return a value as a short label (4 significant digits; an exponent for the very large or small)."""
    if v != 0 and not 1e-3 <= abs(v) < 1e5:
        return f"{v:.3g}".replace("e+", "e")
    return f"{v:.4g}"


def ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Return round tick values (1, 2 or 5 × 10ⁿ apart) within [low, high], at most `most` + 1 of them."""
    span = high - low
    if span <= 0:
        return [low]
    raw = span / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step)
    # Rounded to the step's precision: 0.30000000000000004 is shown as 0.3.
    places = max(0, -math.floor(math.log10(step))) + 1
    return [round(k * step, places) for k in range(first, math.floor(high / step) + 1)]


def history_chart(
    name: str,
    unit: str,
    points: Sequence[tuple[str, float]],
    limits: Sequence[Limit],
    bounds: tuple[float | None, float | None],
    *,
    width: int = 720,
    height: int = 300,
) -> str:
    """Return the SVG of an attribute's values (phase, value) in test order beside the limits and the bounds."""
    left, right, top, bottom = 76, 170, 14, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    drawn_bounds = [b for b in bounds if b is not None]
    span = [v for _, v in points] + [lim.value for lim in limits] + drawn_bounds
    low, high = (min(span), max(span)) if span else (0.0, 1.0)
    pad = (high - low) * 0.06 or (abs(high) * 0.1 or 1.0)
    low, high = low - pad, high + pad
    n = len(points)

    def x(i: float) -> float:
        return round(left + plot_w * (i + 0.5) / max(n, 1), 1)

    def y(v: float) -> float:
        return round(top + (high - v) / (high - low) * plot_h, 1)

    axis = f"{name} ({unit})" if unit else name
    present = {p for p, _ in points} | {lim.phase for lim in limits}
    phases = [p for p in PHASES if p in present] + sorted(present - set(PHASES))
    counts = {p: sum(1 for q, _ in points if q == p) for p in phases}
    title = f"{name}: {n} result{'s' if n != 1 else ''} in test order by phase"
    described = [", ".join(f"{p}: {counts[p]}" for p in phases if counts[p])]
    if limits:
        described.append("criterion limits " + ", ".join(f"{lim.label} {lim.side} {fmt(lim.value)}" for lim in limits))
    if drawn_bounds:
        lower, upper = bounds
        described.append(
            "tolerance interval "
            + ("−∞" if lower is None else fmt(lower))
            + " to "
            + ("+∞" if upper is None else fmt(upper))
        )
    description = "; ".join(d for d in described if d) + "."
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}. {escape(description)}" class="history-chart-svg" '
        'font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(description)}</desc>",
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#ffffff" stroke="#bbbbbb"/>',
    ]
    for t in ticks(low, high):
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(t)}" y2="{y(t)}" stroke="#eeeeee"/>')
        out.append(f'<text x="{left - 6}" y="{y(t) + 4}" text-anchor="end" fill="{INK}">{escape(fmt(t))}</text>')
    for t in ticks(0, n - 1) if n > 1 else [0.0]:
        if t == int(t):
            out.append(f'<text x="{x(t)}" y="{top + plot_h + 15}" text-anchor="middle" fill="{INK}">{int(t)}</text>')
    out.append(
        f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle" fill="{INK}">result, in test order</text>'
    )
    middle = top + plot_h / 2
    out.append(
        f'<text x="14" y="{middle}" transform="rotate(-90 14 {middle})" text-anchor="middle" fill="{INK}">'
        f"{escape(axis)}</text>"
    )
    for lim in limits:
        out.append(
            f'<line class="limit" x1="{left}" x2="{left + plot_w}" y1="{y(lim.value)}" y2="{y(lim.value)}" '
            f'stroke="{colour_of(lim.phase)}" stroke-width="1.4" stroke-dasharray="2 3">'
            f"<title>{escape(f'{lim.label} {lim.side} limit: {fmt(lim.value)}')}</title></line>"
        )
    for bound in drawn_bounds:
        out.append(
            f'<line class="bound" x1="{left}" x2="{left + plot_w}" y1="{y(bound)}" y2="{y(bound)}" '
            f'stroke="{BOUND}" stroke-width="1" stroke-dasharray="6 4">'
            f"<title>{escape(f'tolerance interval bound: {fmt(bound)}')}</title></line>"
        )
    for i, (phase, value) in enumerate(points):
        tip = f"result {i}: {fmt(value)}{f' {unit}' if unit else ''} ({phase})"
        out.append(
            f'<circle class="point" cx="{x(i)}" cy="{y(value)}" r="3" fill="{colour_of(phase)}">'
            f"<title>{escape(tip)}</title></circle>"
        )
    # The legend beside the plot: it never hides a point.
    lx, ly = left + plot_w + 14, top + 8
    for phase in phases:
        out.append(f'<circle cx="{lx + 4}" cy="{ly}" r="3.5" fill="{colour_of(phase)}"/>')
        out.append(f'<text x="{lx + 14}" y="{ly + 4}" fill="{INK}">{escape(phase)} ({counts[phase]})</text>')
        ly += 17
    ly += 4
    if limits:
        out.append(
            f'<line x1="{lx}" x2="{lx + 18}" y1="{ly}" y2="{ly}" stroke="{INK}" stroke-width="1.4" '
            'stroke-dasharray="2 3"/>'
        )
        out.append(f'<text x="{lx + 24}" y="{ly + 4}" fill="{INK}">criterion limit</text>')
        ly += 17
    if drawn_bounds:
        out.append(f'<line x1="{lx}" x2="{lx + 18}" y1="{ly}" y2="{ly}" stroke="{BOUND}" stroke-dasharray="6 4"/>')
        out.append(f'<text x="{lx + 24}" y="{ly + 4}" fill="{INK}">tolerance interval</text>')
    out.append("</svg>")
    return "\n".join(out)
