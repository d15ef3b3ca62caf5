"""How the trace's one statement runs: its answer in the same order on both databases (SQLite's rows
sorted in Python), and prepared on PostgreSQL from its second run on a connection."""

from __future__ import annotations

import pytest
from django.db import connection

from atmp.trace import factories
from atmp.trace.selectors import genealogy

pytestmark = pytest.mark.django_db


def test_lots_come_nearest_first_then_by_number_and_persons_by_level_then_coi(qa_reviewer, site):
    root = factories.make_lot(actor=qa_reviewer, number="R")
    # Made in the reverse of their order, so that an unsorted answer (in the order of the ids) shows.
    made = {n: factories.make_lot(actor=qa_reviewer, number=n) for n in ("L-3", "L-20", "L-1", "K-9")}
    for n in ("L-3", "L-20", "L-1"):
        factories.link_lots(actor=qa_reviewer, input=root, output=made[n])
    factories.link_lots(actor=qa_reviewer, input=made["L-3"], output=made["K-9"])
    one, other = (factories.make_person(actor=qa_reviewer, site=site) for _ in range(2))
    for person, lot in ((other, "K-9"), (one, "L-3"), (other, "L-20")):
        factories.give_lot(actor=qa_reviewer, lot=made[lot], patient=person)

    found = genealogy.forward(root)

    assert [(x.level, x.number) for x in found.lots] == [(0, "R"), (1, "L-1"), (1, "L-20"), (1, "L-3"), (2, "K-9")]
    assert [(x.level, x.coi) for x in found.persons] == sorted((2, p.coi) for p in (one, other))


@pytest.mark.postgres
def test_postgresql_prepares_the_trace_from_its_second_run_on_a_connection(flow):
    lots, _, _ = flow
    first = genealogy.forward(lots["A"])
    again = [genealogy.forward(lots["A"]) for _ in range(7)]  # prepared, then planned generically
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["WITH RECURSIVE reach(id, level) AS ( SELECT id, 0 FROM trace_lot WHERE id = $1 UNION%"],
        )
        runs = [row[0] for row in cursor.fetchall()]
    assert runs and max(runs) >= 6
    assert all(found == first for found in again)
