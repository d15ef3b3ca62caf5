"""The trace page: enter or scan a root, pick a direction, see the genealogy drawn and every lot listed.

It runs the trace selector the API and `atmp trace forward|backward` run (one recursive query),
plus one more for the edges among what it reached, and shows only the viewer's sites. The
drawing is SVG made here (atmp.trace.drawing), no script; the tables below are its accessible
equivalent and list every lot even when the drawing stops at its cap.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe

from atmp.accounts.access import requires
from atmp.accounts.models import User
from atmp.ledger.errors import LedgerError, NotFound
from atmp.trace import drawing
from atmp.trace.models import Lot, MaterialType, Person
from atmp.trace.selectors import genealogy, scan
from atmp.trace.selectors.lookups import root_named
from atmp.trace.workflows.lots import LOT_WORKFLOW

DIRECTIONS = (
    ("forward", "Forward: what was made with it, and who received it"),
    ("backward", "Backward: what it was made from, and who donated it"),
)
TYPES = dict(MaterialType.choices)


class TraceForm(forms.Form):
    """The trace's root (typed or scanned) and its direction."""

    root = forms.CharField(
        label="Lot number or COI",
        max_length=scan.MAX_LENGTH,
        strip=False,  # a scanned element string may carry data at its ends; the readers trim
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "spellcheck": "false"}),
        help_text="Type a lot number, a donor's or patient's COI, or scan a label with a barcode reader.",
    )
    direction = forms.ChoiceField(choices=DIRECTIONS, initial="forward", widget=forms.RadioSelect)


def root_of(text: str, viewer: User) -> Lot | Person:
    """Return the lot or person the text names: a lot number or COI as stored, else what a scan of it reads."""
    try:
        return root_named(text, viewer)
    except NotFound:
        found = scan.read(text, viewer=viewer)
    root = found.lot or found.person  # read() names a lot, a person or both (the lot first), or refuses
    if root is None:
        raise NotFound(f"there is no lot or person {text!r}")
    return root


def _record(record_type: str, pk: int) -> str:
    return reverse("web:record", args=[record_type, pk])


def nodes_of(found: genealogy.Trace, root: Lot | Person) -> list[drawing.Node]:
    """Return the nodes to draw: every lot reached, a root person, and the persons at the far end.

    The persons at the far end are drawn in one column of their own after the last level (their
    level, one beyond the nearest lot linking them, is in their box's title and the table).
    """
    far = max((x.level for x in found.lots), default=0) + 1
    nodes = [
        drawing.Node(
            key=f"lot:{x.id}",
            level=x.level,
            lines=(x.number, f"{x.material} · {TYPES.get(x.type, x.type)}", LOT_WORKFLOW.label(x.status)),
            status=x.status,
            href=_record("trace.lot", x.id),
            title=f"Lot {x.number}, {x.material} ({TYPES.get(x.type, x.type)}), {LOT_WORKFLOW.label(x.status)}, "
            f"{x.site}, level {x.level}",
            root=x.level == 0,
        )
        for x in found.lots
    ]
    drawn = set()
    if isinstance(root, Person):
        drawn.add(root.pk)
        nodes.append(_person_node(root.pk, root.coi, root.kind, root.site.code, 0, root=True))
    nodes.extend(
        _person_node(p.id, p.coi, p.kind, p.site, p.level, column=far) for p in found.persons if p.id not in drawn
    )
    return nodes


def _person_node(
    pk: int, coi: str, kind: str, site: str, level: int, *, column: int = 0, root: bool = False
) -> drawing.Node:
    # A COI only: a trace page never shows who a person is (docs/personal-data.md).
    return drawing.Node(
        key=f"person:{pk}",
        level=column,
        lines=(coi, f"{kind.capitalize()} · {site}"),
        kind="person",
        href=_record("trace.person", pk),
        title=f"{kind.capitalize()} {coi}, {site}, level {level}",
        root=root,
    )


def traced(root: Lot | Person, direction: genealogy.Direction, viewer: User) -> dict[str, Any]:
    """Return the page's trace: the lots and persons the viewer may see, their drawing, and the time taken."""
    found, elapsed = genealogy.timed(root, direction)
    found = found.visible_to(viewer.site_ids())
    nodes = nodes_of(found, root)
    keys = {n.key for n in nodes}
    edges = [(e.source, e.target) for e in genealogy.edges(root, direction) if {e.source, e.target} <= keys]
    name = root.number if isinstance(root, Lot) else root.coi
    people = "patients" if direction == "forward" else "donors"
    far = max((x.level for x in found.lots), default=0) + 1
    laid = drawing.layout(
        nodes, edges, right_to_left=direction == "backward", more_href="#traced-lots", captions={far: people}
    )
    description = (
        f"{direction.capitalize()} trace from {name}: {len(found.lots)} lots over "
        f"{max((x.level for x in found.lots), default=0) + 1} levels and {len(found.persons)} {people}; "
        "each box links to its record; the tables below list the same."
    )
    graph = drawing.svg(laid, title=f"Genealogy of {name}, {direction}", description=description)
    return {
        "found": found,
        "root": root,
        "name": name,
        "direction": direction,
        "people": people,
        "persons_count": f"{len(found.persons)} {people if len(found.persons) != 1 else people[:-1]}",
        "elapsed_ms": elapsed,
        "drawing": laid,
        "graph": mark_safe(graph),  # noqa: S308 - drawing.svg escapes every text and attribute it writes
        "description": description,
        "edge_count": len(edges),
        "rows": [
            (x, _record("trace.lot", x.id), TYPES.get(x.type, x.type), LOT_WORKFLOW.label(x.status)) for x in found.lots
        ],
        "person_rows": [(p, _record("trace.person", p.id)) for p in found.persons],
    }


@requires("records.view")
def genealogy_page(request: HttpRequest) -> HttpResponse:
    """Trace a lot, donor or patient forward or backward and show the genealogy drawn and listed."""
    user: User = request.user  # type: ignore[assignment]
    form = TraceForm(request.GET or None)
    context: dict[str, Any] = {"form": form}
    status = 200
    if form.is_bound and form.is_valid():
        try:
            root = root_of(form.cleaned_data["root"], user)
        except LedgerError as exc:
            form.add_error("root", str(exc))
            status = 400
        else:
            context.update(traced(root, form.cleaned_data["direction"], user))
    elif form.is_bound:
        status = 400
    return render(request, "trace/genealogy.html", context, status=status)
