"""SVG pictures of monitoring data, written by hand (pure: no Django, no matplotlib, no script):
a sample point's control chart and a room's heat map of excursions. The same text goes into the
page, the API's answer, `--svg FILE` and the printed PDF; colours stay apart for the common
colour-vision deficiencies (Okabe & Ito 2008), and every mark also differs in shape or text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

LEVEL_COLOUR = {"within": "#555555", "alert": "#E69F00", "action": "#D55E00"}
ZONE_COLOUR = "#009E73"
ALERT_COLOUR = "#E69F00"
ACTION_COLOUR = "#D55E00"
VIOLATION_COLOUR = "#0072B2"
# A limit farther above the data than this many times its top is named at the chart's edge instead
# of squashing the points into a line (grade C particles: action 3 520 000 /m³, counts ~1 000).
FAR_LIMIT = 5.0


@dataclass(frozen=True)
class ChartPoint:
    """A result on the chart: its label (the date), value, level and the rules that fired at it."""

    label: str
    value: float
    level: str
    rules: tuple[int, ...] = ()


def _fmt(v: float) -> str:
    return f"{v:.4g}" if abs(v) < 1e5 else f"{v:.3e}"


def control_chart(
    points: Sequence[ChartPoint],
    *,
    title: str,
    centre: float | None,
    sigma: float | None,
    alert: float | None,
    action: float | None,
    unit: str,
    width: int = 720,
    height: int = 300,
) -> str:
    """Return the individuals chart as SVG: the results in time order, centre, ±1/2/3σ, alert and action, violations."""
    left, right, top, bottom = 64, 150, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [p.value for p in points]
    span = list(values)
    if centre is not None and sigma is not None:
        span += [centre - 3 * sigma, centre + 3 * sigma]
    data_top = max(span) if span else 1.0
    shown_limits = [
        (n, v, c) for n, v, c in (("alert", alert, ALERT_COLOUR), ("action", action, ACTION_COLOUR)) if v is not None
    ]
    far = [(n, v, c) for n, v, c in shown_limits if data_top > 0 and v > FAR_LIMIT * data_top]
    span += [v for n, v, c in shown_limits if (n, v, c) not in far]
    low, high = (min([*span, 0.0]), max([*span, 1.0])) if span else (0.0, 1.0)
    pad = (high - low) * 0.06 or 1.0
    low, high = max(low - pad, 0.0) if low >= 0 else low - pad, high + pad
    n = len(points)

    def x(i: int) -> float:
        return round(left + (plot_w * (i + 0.5) / n if n else 0), 1)

    def y(v: float) -> float:
        return round(top + (high - v) / (high - low) * plot_h, 1)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="em-chart" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#ffffff" stroke="#bbbbbb"/>',
        f'<text x="{left}" y="16" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    label_x = left + plot_w + 6

    def line(v: float, colour: str, dash: str, label: str, width_: float = 1.0) -> None:
        if not low <= v <= high:
            return
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v)}" y2="{y(v)}" stroke="{colour}" '
            f'stroke-width="{width_}"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>'
        )
        out.append(f'<text x="{label_x}" y="{y(v) + 4}" fill="{colour}">{escape(label)}</text>')

    if centre is not None and sigma is not None:
        # Zones C, B, A (Nelson 1984): shaded lighter the farther from the centre.
        for k, opacity in ((1, 0.16), (2, 0.09), (3, 0.05)):
            for sign in (1, -1):
                a, b = centre + sign * (k - 1) * sigma, centre + sign * k * sigma
                lo_, hi_ = max(min(a, b), low), min(max(a, b), high)
                if hi_ > lo_:
                    out.append(
                        f'<rect x="{left}" y="{y(hi_)}" width="{plot_w}" height="{round(y(lo_) - y(hi_), 1)}" '
                        f'fill="{ZONE_COLOUR}" fill-opacity="{opacity}"/>'
                    )
        for k in (1, 2):
            for sign, name in ((1, "+"), (-1, "−")):
                line(centre + sign * k * sigma, "#888888", "2 3", f"{name}{k}σ", 0.6)
        line(centre + 3 * sigma, "#444444", "6 3", f"UCL {_fmt(centre + 3 * sigma)}")
        line(centre - 3 * sigma, "#444444", "6 3", f"LCL {_fmt(centre - 3 * sigma)}")
        line(centre, "#222222", "", f"CL {_fmt(centre)}")
    for name, value, colour in shown_limits:
        if (name, value, colour) in far:
            out.append(
                f'<text x="{label_x}" y="{top + 10 + 14 * far.index((name, value, colour))}" fill="{colour}">'
                f"{name} {_fmt(value)} ↑</text>"
            )
        else:
            line(value, colour, "8 2" if name == "alert" else "", f"{name} {_fmt(value)}", 1.6)
    # Axes: the value scale and a few dates.
    for k in range(5):
        v = low + (high - low) * k / 4
        out.append(f'<text x="{left - 6}" y="{y(v) + 4}" text-anchor="end" fill="#444444">{_fmt(v)}</text>')
    out.append(
        f'<text x="14" y="{top + plot_h / 2}" transform="rotate(-90 14 {top + plot_h / 2})" '
        f'text-anchor="middle" fill="#444444">{escape(unit)}</text>'
    )
    if n:
        for i in sorted({0, n // 3, 2 * n // 3, n - 1}):
            out.append(
                f'<text x="{x(i)}" y="{top + plot_h + 16}" text-anchor="middle" fill="#444444">'
                f"{escape(points[i].label)}</text>"
            )
        out.append(
            f'<polyline fill="none" stroke="#999999" stroke-width="1" '
            f'points="{" ".join(f"{x(i)},{y(p.value)}" for i, p in enumerate(points))}"/>'
        )
    for i, p in enumerate(points):
        colour = LEVEL_COLOUR.get(p.level, "#555555")
        tip = f"{p.label}: {_fmt(p.value)} {unit} ({p.level})" + (
            f"; rules {', '.join(map(str, p.rules))}" if p.rules else ""
        )
        if p.level == "action":
            mark = f'<rect x="{x(i) - 4}" y="{y(p.value) - 4}" width="8" height="8" fill="{colour}">'
        elif p.level == "alert":
            mark = (
                f'<polygon points="{x(i)},{y(p.value) - 5} {x(i) - 4.5},{y(p.value) + 3.5} '
                f'{x(i) + 4.5},{y(p.value) + 3.5}" fill="{colour}">'
            )
        else:
            mark = f'<circle cx="{x(i)}" cy="{y(p.value)}" r="2.6" fill="{colour}">'
        out.append(f"{mark}<title>{escape(tip)}</title>{mark.split()[0].replace('<', '</')}>")
        if p.rules:
            out.append(
                f'<circle cx="{x(i)}" cy="{y(p.value)}" r="7" fill="none" stroke="{VIOLATION_COLOUR}" '
                f'stroke-width="1.6" data-rules="{",".join(map(str, p.rules))}"/>'
            )
            out.append(
                f'<text x="{x(i)}" y="{y(p.value) - 10}" text-anchor="middle" fill="{VIOLATION_COLOUR}" '
                f'font-size="10">{",".join(map(str, p.rules))}</text>'
            )
    legend_y = height - 8
    out.append(
        f'<text x="{left}" y="{legend_y}" fill="#444444">● within  '
        f'<tspan fill="{ALERT_COLOUR}">▲ alert</tspan>  <tspan fill="{ACTION_COLOUR}">■ action</tspan>  '
        f'<tspan fill="{VIOLATION_COLOUR}">○ Nelson rule (numbers)</tspan></text>'
    )
    if not n:
        out.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle">no results</text>')
    out.append("</svg>")
    return "\n".join(out)


@dataclass(frozen=True)
class HeatCell:
    """A point's month: how many results, and how many at alert and at action level."""

    results: int
    alert: int
    action: int


def heat_map(
    rows: Sequence[str],
    months: Sequence[str],
    cells: dict[tuple[str, str], HeatCell],
    *,
    title: str,
    font: str = "sans-serif",
) -> str:
    """Return the heat map as SVG: sample points × months, each cell coloured by its excursions and labelled."""
    cell_w, cell_h, left, top = 52, 26, 90, 46
    width = left + cell_w * len(months) + 10
    height = top + cell_h * len(rows) + 36
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="em-heat" font-family="{escape(font)}" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    for j, month in enumerate(months):
        out.append(
            f'<text x="{left + cell_w * j + cell_w / 2}" y="{top - 8}" text-anchor="middle" fill="#444444">'
            f"{escape(month)}</text>"
        )
    for i, row in enumerate(rows):
        out.append(f'<text x="{left - 6}" y="{top + cell_h * i + 17}" text-anchor="end">{escape(row)}</text>')
        for j, month in enumerate(months):
            cell = cells.get((row, month), HeatCell(0, 0, 0))
            if cell.results == 0:
                fill, text = "#f2f2f2", "–"
            elif cell.action:
                fill, text = ACTION_COLOUR, f"{cell.action}✕ {cell.alert}!"
            elif cell.alert:
                fill, text = ALERT_COLOUR, f"{cell.alert}!"
            else:
                fill, text = "#cfe8dc", "✓"
            opacity = 1.0 if not (cell.action or cell.alert) else min(0.45 + 0.15 * (cell.action + cell.alert), 1.0)
            tip = f"{row} {month}: {cell.results} results, {cell.alert} alert, {cell.action} action"
            out.append(
                f'<rect x="{left + cell_w * j}" y="{top + cell_h * i}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{fill}" fill-opacity="{opacity:.2f}" data-alert="{cell.alert}" data-action="{cell.action}">'
                f"<title>{escape(tip)}</title></rect>"
            )
            out.append(
                f'<text x="{left + cell_w * j + cell_w / 2 - 1}" y="{top + cell_h * i + 17}" text-anchor="middle">'
                f"{escape(text)}</text>"
            )
    out.append(
        f'<text x="0" y="{height - 10}" fill="#444444">n✕ action-level results · n! alert-level · ✓ all within · '
        "– no results</text>"
    )
    out.append("</svg>")
    return "\n".join(out)
