"""A genealogy drawn as SVG: a layered layout by trace level, boxes for lots and persons, arrows for edges.

Pure (no Django): the trace page (trace/views/genealogy.py) hands it the traced nodes and edges
and puts the returned markup in the page. The layout:

- one column per trace level; material flows left to right, so a forward trace has its root on
  the left and a backward trace on the right;
- within a column, nodes are ordered by the mean position of their neighbours (a few barycentre
  sweeps, ties broken by the node's key), which removes most crossings, and the column is centred;
- an edge to a later column is a curve from the right side of one box to the left side of the
  other; an edge within a column, or back to an earlier one (a lot reached at a shorter level by
  another path, an autologous donor who is also the patient), is drawn dashed around the boxes;
- past `max_nodes` (or `per_level` in one column) the nearest levels are drawn and one box per
  column says how many more there are; the page's table lists them all.

Everything is deterministic: the same trace gives the same markup, byte for byte.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

BOX_WIDTH = 196
BOX_HEIGHT = 58
PERSON_HEIGHT = 42  # a person's box: the COI and one line
COLUMN_GAP = 84
ROW_GAP = 14
MARGIN = 16
HEADER = 26  # the level captions above the columns
MAX_NODES = 200
PER_LEVEL = 40
SWEEPS = 4
LINE_CHARS = 26  # what fits a box's width at the page's font size; longer text ends in "…"


@dataclass(frozen=True)
class Node:
    """A node to draw: its key ("lot:12"), trace level, up to three lines of text, kind, status, link."""

    key: str
    level: int
    lines: tuple[str, ...]
    kind: str = "lot"  # "lot", "person", or "more" (the box standing for what is not drawn)
    status: str = ""
    href: str = ""
    title: str = ""  # the full description, read out and shown on hover
    root: bool = False


@dataclass(frozen=True)
class Box:
    """A node placed: its top-left corner and size."""

    node: Node
    x: float
    y: float
    width: float = BOX_WIDTH
    height: float = BOX_HEIGHT


@dataclass(frozen=True)
class Arrow:
    """An edge drawn: the keys of its ends, the SVG path, and its kind ("next", "same" or "back")."""

    source: str
    target: str
    path: str
    kind: str = "next"


@dataclass
class Drawing:
    """A laid-out genealogy: the boxes, arrows, size, and how many nodes were left out (per level)."""

    boxes: list[Box]
    arrows: list[Arrow]
    width: float
    height: float
    columns: list[tuple[float, str]] = field(default_factory=list)  # (centre x, caption) of each column
    hidden: dict[int, int] = field(default_factory=dict)

    @property
    def hidden_total(self) -> int:
        """Return how many nodes are not drawn."""
        return sum(self.hidden.values())


def _kept(
    nodes: Sequence[Node], edges: Sequence[tuple[str, str]], max_nodes: int, per_level: int
) -> tuple[list[Node], dict[int, int]]:
    """Return the nodes to draw (the nearest levels first) and how many are left out of each level."""
    by_level: dict[int, list[Node]] = defaultdict(list)
    for node in nodes:
        by_level[node.level].append(node)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    kept: list[Node] = []
    drawn: set[str] = set()
    hidden: dict[int, int] = {}
    for level in sorted(by_level):
        room = min(per_level, max_nodes - len(kept))
        # Nodes linked to what is drawn already come first, so that the drawn part stays connected.
        ranked = sorted(by_level[level], key=lambda n: (not (neighbours[n.key] & drawn), n.key))
        chosen = ranked[: max(room, 0)]
        kept.extend(chosen)
        drawn.update(n.key for n in chosen)
        if len(ranked) > len(chosen):
            hidden[level] = len(ranked) - len(chosen)
    return kept, hidden


def _ordered(columns: list[list[Node]], edges: Sequence[tuple[str, str]]) -> list[list[Node]]:
    """Return the columns with their nodes ordered to cross fewer edges (barycentre sweeps)."""
    neighbours: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    column_of = {n.key: i for i, column in enumerate(columns) for n in column}
    order = [sorted(column, key=lambda n: n.key) for column in columns]

    def sweep(indices: Iterable[int], earlier: bool) -> None:
        for i in indices:
            rank = {n.key: r for column in order for r, n in enumerate(column)}

            def centre(node: Node, i: int = i, rank: dict[str, int] = rank) -> tuple[float, str]:
                near = [
                    rank[k]
                    for k in neighbours[node.key]
                    if k in column_of and (column_of[k] < i if earlier else column_of[k] > i)
                ]
                return (sum(near) / len(near) if near else rank[node.key], node.key)

            order[i] = sorted(order[i], key=centre)

    for _ in range(SWEEPS):
        sweep(range(1, len(order)), earlier=True)
        sweep(range(len(order) - 2, -1, -1), earlier=False)
    return order


def _height(node: Node) -> float:
    return BOX_HEIGHT if len(node.lines) > 2 else PERSON_HEIGHT


def _settled(column: list[Node], wanted: dict[str, float]) -> dict[str, float]:
    """Return the tops of a column's boxes nearest the wanted ones, in order, none overlapping.

    Boxes that would overlap are merged into a block placed at the mean of its members' wishes
    (the least-squares placement under the order and the gaps).
    """
    blocks: list[tuple[float, list[Node], float]] = []  # (sum of wished block tops, members, block height)
    for node in column:
        total, members, size = wanted[node.key], [node], _height(node)
        while blocks:
            prev_total, prev_members, prev_size = blocks[-1]
            prev_top = prev_total / len(prev_members)
            top = total / len(members)
            if prev_top + prev_size + ROW_GAP <= top:
                break
            blocks.pop()
            shift = prev_size + ROW_GAP  # the new members sit that far below the block's top
            total = prev_total + total - shift * len(members)
            members = prev_members + members
            size = prev_size + ROW_GAP + size
        blocks.append((total, members, size))
    tops: dict[str, float] = {}
    for total, members, _ in blocks:
        y = total / len(members)
        for node in members:
            tops[node.key] = y
            y += _height(node) + ROW_GAP
    return tops


def _placed(columns: list[list[Node]], edges: Sequence[tuple[str, str]]) -> dict[str, float]:
    """Return each box's top: stacked at first, then moved towards the middle of its neighbours, a few sweeps."""
    neighbours: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    column_of = {n.key: i for i, column in enumerate(columns) for n in column}
    heights = {n.key: _height(n) for column in columns for n in column}
    tops: dict[str, float] = {}
    for column in columns:
        y = 0.0
        for node in column:
            tops[node.key] = y
            y += heights[node.key] + ROW_GAP
    forward = [(i, True) for i in range(1, len(columns))]  # each column towards its neighbours on the left
    backward = [(i, False) for i in range(len(columns) - 2, -1, -1)]  # then towards those on the right
    for i, earlier in (forward + backward) * SWEEPS:
        wanted = {}
        for node in columns[i]:
            near = [
                tops[k] + heights[k] / 2
                for k in neighbours[node.key]
                if k in column_of and (column_of[k] < i if earlier else column_of[k] > i)
            ]
            centre = sum(near) / len(near) if near else tops[node.key] + heights[node.key] / 2
            wanted[node.key] = centre - heights[node.key] / 2
        tops.update(_settled(columns[i], wanted))
    lowest = min(tops.values(), default=0.0)
    return {k: MARGIN + HEADER + y - lowest for k, y in tops.items()}


def _path(a: Box, b: Box, column_a: int, column_b: int) -> tuple[str, str]:
    """Return the SVG path from box a to box b and the arrow's kind."""
    ay, by = a.y + a.height / 2, b.y + b.height / 2
    if column_b > column_a:
        x1, x2 = a.x + a.width, b.x - 2
        bend = (x2 - x1) / 2
        return f"M{x1:.1f},{ay:.1f} C{x1 + bend:.1f},{ay:.1f} {x2 - bend:.1f},{by:.1f} {x2:.1f},{by:.1f}", "next"
    if column_b == column_a:  # around the right-hand side, into the gap before the next column
        x = a.x + a.width
        reach = COLUMN_GAP * 0.45
        return f"M{x:.1f},{ay:.1f} C{x + reach:.1f},{ay:.1f} {x + reach:.1f},{by:.1f} {x + 2:.1f},{by:.1f}", "same"
    # Back to an earlier column: out under box a, along the gaps, into box b from below.
    x1, y1 = a.x + a.width / 2, a.y + a.height
    x2, y2 = b.x + b.width / 2, b.y + b.height + 2
    low = max(y1, y2) + ROW_GAP * 2.5
    return f"M{x1:.1f},{y1:.1f} C{x1:.1f},{low:.1f} {x2:.1f},{low:.1f} {x2:.1f},{y2:.1f}", "back"


def layout(
    nodes: Sequence[Node],
    edges: Sequence[tuple[str, str]],
    *,
    right_to_left: bool = False,
    max_nodes: int = MAX_NODES,
    per_level: int = PER_LEVEL,
    more_href: str = "",
    captions: dict[int, str] | None = None,
) -> Drawing:
    """Return the layered layout of the nodes (one column per level) and the edges among those drawn.

    right_to_left puts the higher levels on the left (a backward trace: material still flows
    left to right). Edges whose ends are not both drawn are left out. captions name columns
    other than "level N" (the persons' column, say).
    """
    named = captions or {}
    kept, hidden = _kept(nodes, edges, max_nodes, per_level)
    levels = sorted({n.level for n in kept} | set(hidden))
    if right_to_left:
        levels.reverse()
    index = {level: i for i, level in enumerate(levels)}
    columns: list[list[Node]] = [[] for _ in levels]
    for node in kept:
        columns[index[node.level]].append(node)
    keys = {n.key for n in kept}
    live = sorted({(a, b) for a, b in edges if a in keys and b in keys and a != b})
    columns = _ordered(columns, live)
    for level, count in hidden.items():
        noun = "node" if count == 1 else "nodes"
        more = Node(
            key=f"more:{level}",
            level=level,
            lines=(f"+ {count:,} more {noun}", f"in {named.get(level, f'level {level}')}", "all in the tables below"),
            kind="more",
            href=more_href,
            title=f"{count:,} more in {named.get(level, f'level {level}')}, not drawn: the tables below list them",
        )
        columns[index[level]].append(more)

    tops = _placed(columns, live)
    bottom = max((tops[n.key] + _height(n) for column in columns for n in column), default=0.0)
    height = bottom + MARGIN + ROW_GAP * 3  # room under the lowest box for a dashed edge's bend
    # Room on the right for an arrow within the last column, which bends out past its boxes.
    width = MARGIN * 2 + max(len(columns) * (BOX_WIDTH + COLUMN_GAP) - COLUMN_GAP, 0) + COLUMN_GAP / 2
    boxes: list[Box] = []
    where: dict[str, tuple[Box, int]] = {}
    centres: list[tuple[float, str]] = []
    for i, column in enumerate(columns):
        x = MARGIN + i * (BOX_WIDTH + COLUMN_GAP)
        centres.append((x + BOX_WIDTH / 2, named.get(levels[i], f"level {levels[i]}")))
        for node in column:
            box = Box(node, x, tops[node.key], height=_height(node))
            boxes.append(box)
            where[node.key] = (box, i)
    arrows = []
    for a, b in live:
        (box_a, col_a), (box_b, col_b) = where[a], where[b]
        path, kind = _path(box_a, box_b, col_a, col_b)
        arrows.append(Arrow(a, b, path, kind))
    return Drawing(boxes, arrows, width, height, centres, hidden)


def _short(text: str, limit: int = LINE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def svg(drawing: Drawing, *, title: str, description: str) -> str:
    """Return the drawing as an SVG element: every box a link, a title and description for assistive technology."""
    e = escape
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="genealogy" width="{drawing.width:.0f}" '
        f'height="{drawing.height:.0f}" viewBox="0 0 {drawing.width:.0f} {drawing.height:.0f}" '
        f'role="group" aria-labelledby="genealogy-title genealogy-desc" data-testid="genealogy-graph">',
        f'<title id="genealogy-title">{e(title)}</title>',
        f'<desc id="genealogy-desc">{e(description)}</desc>',
        "<defs>"
        '<marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker>'
        "</defs>",
    ]
    for x, caption in drawing.columns:
        out.append(f'<text class="level" x="{x:.1f}" y="{MARGIN + 12}" text-anchor="middle">{e(caption)}</text>')
    out.append('<g class="edges">')
    for arrow in drawing.arrows:
        out.append(
            f'<path class="edge {arrow.kind}" d="{arrow.path}" marker-end="url(#arrowhead)" '
            f'data-source="{e(arrow.source)}" data-target="{e(arrow.target)}"/>'
        )
    out.append("</g>")
    out.append('<g class="nodes">')
    for box in drawing.boxes:
        node = box.node
        classes = " ".join(
            c
            for c in ("node", node.kind, f"status-{node.status}" if node.status else "", "root" if node.root else "")
            if c
        )
        inner = [
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.0f}" height="{box.height:.0f}" rx="5"/>',
            f"<title>{e(node.title or ' '.join(node.lines))}</title>",
        ]
        for n, line in enumerate(node.lines[:3]):
            style = ("first", "second", "third")[n]
            inner.append(
                f'<text class="{style}" x="{box.x + 10:.1f}" y="{box.y + 19 + n * 16:.1f}">{e(_short(line))}</text>'
            )
        body = "".join(inner)
        if node.href:
            out.append(
                f'<a class="{classes}" href="{e(node.href)}" aria-label="{e(node.title or " ".join(node.lines))}" '
                f'data-key="{e(node.key)}">{body}</a>'
            )
        else:
            out.append(f'<g class="{classes}" data-key="{e(node.key)}">{body}</g>')
    out.append("</g></svg>")
    return "\n".join(out)
