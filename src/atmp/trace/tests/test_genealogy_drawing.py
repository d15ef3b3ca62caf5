"""The genealogy's drawing (atmp.trace.drawing) is pure: boxes never overlap, every arrow joins two
drawn boxes, a huge trace is capped with a box saying how many more, and the output is deterministic."""

from __future__ import annotations

import random
import subprocess
import sys
import xml.etree.ElementTree as ET

from atmp.trace import drawing


def genealogy(levels=(1, 4, 9, 12, 6, 3), seed=7):
    """Return nodes (level by level) and edges from each level to the next and some skipping ahead."""
    rng = random.Random(seed)
    nodes, by_level = [], []
    for level, count in enumerate(levels):
        keys = [f"lot:{level}-{i}" for i in range(count)]
        by_level.append(keys)
        nodes += [drawing.Node(k, level, (k, "MAT", "Released"), status="released", href=f"/r/{k}") for k in keys]
    edges = set()
    for level in range(1, len(levels)):
        for key in by_level[level]:
            edges.add((rng.choice(by_level[level - 1]), key))
            if level > 1 and rng.random() < 0.3:
                edges.add((rng.choice(by_level[level - 2]), key))
    return nodes, sorted(edges)


def overlap(a, b):
    return a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.height and b.y < a.y + a.height


def test_no_two_boxes_overlap_and_all_fit_the_picture():
    nodes, edges = genealogy()
    laid = drawing.layout(nodes, edges)
    assert len(laid.boxes) == len(nodes)
    for i, a in enumerate(laid.boxes):
        assert a.x >= 0 and a.x + a.width <= laid.width and a.y >= 0 and a.y + a.height <= laid.height
        for b in laid.boxes[i + 1 :]:
            assert not overlap(a, b), (a.node.key, b.node.key)


def test_every_arrow_joins_two_drawn_boxes_from_the_right_side_of_one_to_the_left_of_the_next():
    nodes, edges = genealogy()
    laid = drawing.layout(nodes, edges)
    where = {b.node.key: b for b in laid.boxes}
    assert {(a.source, a.target) for a in laid.arrows} == set(edges)
    for arrow in laid.arrows:
        source, target = where[arrow.source], where[arrow.target]
        start, end = arrow.path[1:].split(" ")[0], arrow.path.split(" ")[-1]
        assert float(start.split(",")[0]) == source.x + source.width
        assert float(end.split(",")[0]) == target.x - 2


def test_columns_follow_the_levels_and_a_backward_trace_runs_right_to_left():
    nodes, edges = genealogy()
    forward = {b.node.key: b.x for b in drawing.layout(nodes, edges).boxes}
    backward = {b.node.key: b.x for b in drawing.layout(nodes, edges, right_to_left=True).boxes}
    assert forward["lot:0-0"] < forward["lot:1-0"] < forward["lot:5-0"]
    assert backward["lot:0-0"] > backward["lot:1-0"] > backward["lot:5-0"]


def test_an_edge_within_a_column_or_back_to_an_earlier_one_is_drawn_dashed_between_its_boxes():
    nodes = [drawing.Node(k, level, (k,)) for k, level in (("a", 0), ("b", 1), ("c", 1), ("d", 2))]
    laid = drawing.layout(nodes, [("a", "b"), ("b", "c"), ("d", "a"), ("a", "c")])
    kinds = {(a.source, a.target): a.kind for a in laid.arrows}
    assert kinds == {("a", "b"): "next", ("a", "c"): "next", ("b", "c"): "same", ("d", "a"): "back"}
    assert 'class="edge same"' in drawing.svg(laid, title="t", description="d")


def test_the_same_genealogy_gives_the_same_markup_whatever_the_input_order():
    nodes, edges = genealogy()
    first = drawing.svg(drawing.layout(nodes, edges), title="t", description="d")
    shuffled_nodes, shuffled_edges = list(nodes), list(edges)
    random.Random(1).shuffle(shuffled_nodes)
    random.Random(2).shuffle(shuffled_edges)
    assert drawing.svg(drawing.layout(shuffled_nodes, shuffled_edges), title="t", description="d") == first


def test_a_huge_trace_draws_its_nearest_levels_and_one_box_saying_how_many_more():
    nodes, edges = genealogy(levels=(1, 30, 80, 150, 300, 40, 40), seed=3)
    laid = drawing.layout(nodes, edges, max_nodes=200, per_level=40, more_href="#lots")
    drawn = sorted(b.node.level for b in laid.boxes if b.node.kind != "more")
    # At most 40 a column, 200 in all: 1 + 30 + 40 + 40 + 40 + 40 of levels 0-5, and 9 of level 6.
    assert len(drawn) == 200 and drawn.count(2) == 40 and drawn.count(5) == 40 and drawn.count(6) == 9
    assert laid.hidden_total == len(nodes) - 200 and laid.hidden[6] == 31
    more = [b.node for b in laid.boxes if b.node.kind == "more"]
    assert more and all(n.href == "#lots" for n in more)
    assert any(f"+ {laid.hidden[2]:,} more nodes" == n.lines[0] for n in more)
    keys = {b.node.key for b in laid.boxes}
    assert all(a.source in keys and a.target in keys for a in laid.arrows)


def test_the_svg_is_well_formed_escapes_text_and_makes_every_box_a_link_with_a_name():
    nodes = [
        drawing.Node("lot:1", 0, ("<L&1>", "M"), href="/records/trace.lot/1/?a=1&b=2", title="Lot <L&1>", root=True),
        drawing.Node("person:2", 1, ("LEI-P-000001-X", "Patient"), kind="person", href="/records/trace.person/2/"),
    ]
    markup = drawing.svg(drawing.layout(nodes, [("lot:1", "person:2")]), title="Genealogy of <L&1>", description="d")
    root = ET.fromstring(markup)  # noqa: S314 - atmp's own markup; it parses: nothing is unescaped
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title").text == "Genealogy of <L&1>" and root.find(f"{ns}desc").text == "d"
    links = root.iter(f"{ns}a")
    assert [(a.get("href"), a.get("aria-label")) for a in links] == [
        ("/records/trace.lot/1/?a=1&b=2", "Lot <L&1>"),
        ("/records/trace.person/2/", "LEI-P-000001-X Patient"),
    ]
    assert "style=" not in markup  # the CSP allows no inline style: classes only


def test_a_long_lot_number_is_shortened_in_its_box_and_kept_whole_in_its_title():
    long = "LOT-" + "9" * 50
    markup = drawing.svg(
        drawing.layout([drawing.Node("lot:1", 0, (long,), title=long)], []), title="t", description="d"
    )
    assert f"<title>{long}</title>" in markup and f">{long[:25]}…</text>" in markup


def test_the_drawing_imports_no_django():
    code = "import sys\nimport atmp.trace.drawing\nprint('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
