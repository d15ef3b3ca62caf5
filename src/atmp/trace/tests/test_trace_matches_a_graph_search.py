"""Property: on random genealogies (DAGs), each trace equals a breadth-first search in Python.

Forward and backward, from a lot or a person, on SQLite and PostgreSQL (the suite's two passes):
the same lots, each once at its shortest distance, and the same donors or patients at theirs; and
the edges the trace page draws are exactly the genealogy's edges among what the search reached.
"""

from __future__ import annotations

import itertools
from collections import deque

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atmp.testing import shared_search
from atmp.trace import factories
from atmp.trace.selectors import genealogy

pytestmark = pytest.mark.django_db

_lot_numbers = itertools.count(1)


@st.composite
def genealogies(draw):
    """Return (n lots, edges, donor of each lot or None, patients given each lot, root, direction)."""
    n = draw(st.integers(min_value=1, max_value=9))
    order = draw(st.permutations(range(n)))  # a topological order that is not the lots' creation order
    pairs = [(order[i], order[j]) for i in range(n) for j in range(i + 1, n)]
    edges = draw(st.lists(st.sampled_from(pairs), max_size=16)) if pairs else []
    persons = draw(st.integers(min_value=0, max_value=3))
    donors = draw(st.lists(st.none() | st.integers(0, max(persons - 1, 0)), min_size=n, max_size=n))
    if not persons:
        donors = [None] * n
    given_to = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, max(persons - 1, 0))), max_size=4))
    if not persons:
        given_to = []
    direction = draw(st.sampled_from(["forward", "backward"]))
    root = draw(st.tuples(st.sampled_from(["lot", "person"]) if persons else st.just("lot"), st.integers(0, 20)))
    return n, edges, donors, given_to, persons, root, direction


def reference(n, edges, donors, given_to, persons, root, direction):
    """Return ({lot: level}, {person: level}) by breadth-first search."""
    step = {i: [] for i in range(n)}
    for a, b in edges:
        step[a if direction == "forward" else b].append(b if direction == "forward" else a)
    kind, index = root
    if kind == "lot":
        start = {index % n: 0}
    else:
        person = index % persons
        if direction == "forward":
            start = {lot: 1 for lot in range(n) if donors[lot] == person}
        else:
            start = {lot: 1 for lot, p in given_to if p == person}
    level = dict(start)
    queue = deque(sorted(start, key=start.get))
    while queue:
        lot = queue.popleft()
        for nxt in step[lot]:
            if nxt not in level:
                level[nxt] = level[lot] + 1
                queue.append(nxt)
    people: dict[int, int] = {}
    ends = [(lot, p) for lot, p in given_to] if direction == "forward" else [(lot, d) for lot, d in enumerate(donors)]
    for lot, p in ends:
        if p is not None and lot in level:
            people[p] = min(people.get(p, level[lot] + 1), level[lot] + 1)
    return level, people


def reference_edges(edges, donors, given_to, root, direction, level, lot_key, person_key):
    """Return the edges among what the search reached, the way the material went, as node keys."""
    kind, index = root
    if direction == "forward":
        found = {(lot_key(a), lot_key(b)) for a, b in edges if a in level}
        found |= {(lot_key(lot), person_key(p)) for lot, p in given_to if lot in level}
        if kind == "person":
            found |= {(person_key(d), lot_key(lot)) for lot, d in enumerate(donors) if d == index}
    else:
        found = {(lot_key(a), lot_key(b)) for a, b in edges if b in level}
        found |= {(person_key(d), lot_key(lot)) for lot, d in enumerate(donors) if d is not None and lot in level}
        if kind == "person":
            found |= {(lot_key(lot), person_key(p)) for lot, p in given_to if p == index}
    return found


@pytest.fixture
def kit(qa_reviewer, site):
    donation = factories.make_material(actor=qa_reviewer, type="starting_material", unit="{bag}")
    return qa_reviewer, site, donation


def test_every_trace_equals_a_breadth_first_search(kit):
    actor, site, material = kit

    @shared_search
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(genealogies())
    def check(case):
        n, edges, donors, given_to, persons, root, direction = case
        people = [factories.make_person(actor=actor, kind="patient", site=site) for _ in range(persons)]
        lots = [
            factories.make_lot(
                actor=actor,
                number=f"G-{next(_lot_numbers):06d}",
                material=material,
                site=site,
                donor=people[donors[i]] if donors[i] is not None else None,
            )
            for i in range(n)
        ]
        for a, b in edges:
            factories.link_lots(actor=actor, input=lots[a], output=lots[b])
        for lot, p in given_to:
            factories.give_lot(actor=actor, lot=lots[lot], patient=people[p])
        kind, index = root
        start = lots[index % n] if kind == "lot" else people[index % persons]

        found = genealogy.trace(start, direction)

        want_lots, want_people = reference(n, edges, donors, given_to, persons, root, direction)
        assert {lot.number: lot.level for lot in found.lots} == {lots[i].number: lvl for i, lvl in want_lots.items()}
        assert len(found.lots) == len({lot.number for lot in found.lots})  # each lot once
        assert {p.coi: p.level for p in found.persons} == {people[i].coi: lvl for i, lvl in want_people.items()}
        drawn = {(e.source, e.target) for e in genealogy.edges(start, direction)}
        person_index = (index % persons) if kind == "person" else index
        assert drawn == reference_edges(
            edges,
            donors,
            given_to,
            (kind, person_index),
            direction,
            want_lots,
            lambda i: f"lot:{lots[i].pk}",
            lambda i: f"person:{people[i].pk}",
        )

    check()
