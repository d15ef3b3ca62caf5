"""An INSERT over an existing row of an append-only table is refused by the database itself.

SQLite's `INSERT OR REPLACE` (and `REPLACE INTO`) deletes the row in the way without firing its
DELETE trigger, unless the connection turned `recursive_triggers` on, which someone with the
database file does not. PostgreSQL's `INSERT … ON CONFLICT DO UPDATE` fires the UPDATE trigger.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from atmp.ledger.tests.test_verify import populate

pytestmark = pytest.mark.django_db

ON_SQLITE = connection.vendor == "sqlite"

# table, the key of the row to overwrite, the column the overwrite changes, the conflict target
# on PostgreSQL (None: the key's own columns)
CASES: list[tuple[str, dict[str, Any], str, str | None]] = [
    ("ledger_auditentry", {"seq": 3}, "reason", None),
    ("ledger_treenode", {"level": 0, "index": 2}, "hash", None),
    ("ledger_checkpoint", {}, "note", None),  # the first checkpoint's size, found at run time
    ("ledger_signature", {}, "meaning", None),  # the signature's id
    ("ledger_signature", {}, "signer_name", "entry_seq"),  # a new id, the same entry: REPLACE deletes the old row
]


def quoted(name: str) -> str:
    return f'"{name}"'


def rows(table: str, key: dict[str, Any]) -> list[dict[str, Any]]:
    where = " AND ".join(f"{quoted(c)} = %s" for c in key) or "1 = 1"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE {where}", list(key.values()))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, (bytes(v) if isinstance(v, memoryview) else v for v in row), strict=True))
                for row in cursor.fetchall()]  # fmt: skip


def overwrite(table: str, row: dict[str, Any], conflict: list[str]) -> None:
    columns = list(row)
    names = ", ".join(quoted(c) for c in columns)
    values = ", ".join(["%s"] * len(columns))
    if ON_SQLITE:
        sql = f"INSERT OR REPLACE INTO {table} ({names}) VALUES ({values})"
    else:
        updates = ", ".join(f"{quoted(c)} = EXCLUDED.{quoted(c)}" for c in columns if c not in conflict)
        target = ", ".join(quoted(c) for c in conflict)
        sql = f"INSERT INTO {table} ({names}) VALUES ({values}) ON CONFLICT ({target}) DO UPDATE SET {updates}"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [row[c] for c in columns])


def changed(value: Any) -> Any:
    return b"\x00" * 32 if isinstance(value, bytes) else f"{value} (overwritten)"


@pytest.mark.parametrize(("table", "key", "column", "conflict"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_it_refuses_an_insert_over_an_existing_row(qa_reviewer, qa_approver, table, key, column, conflict):
    history = populate(qa_reviewer, qa_approver)
    if table == "ledger_checkpoint":
        key = {"size": history.first_checkpoint.size}
    elif table == "ledger_signature":
        key = {"id": history.signature.pk}
    (before,) = rows(table, key)
    count = len(rows(table, {}))
    forged = before | {column: changed(before[column])}
    if conflict is not None:
        del forged["id"]  # let the database give it a new id: the conflict is on another unique key
    with pytest.raises(DatabaseError, match="append-only"):
        overwrite(table, forged, [conflict] if conflict else list(key))
    assert rows(table, key) == [before]
    assert len(rows(table, {})) == count  # nothing added either


@pytest.mark.skipif(not ON_SQLITE, reason="SQLite's REPLACE INTO is INSERT OR REPLACE under another name")
def test_it_refuses_replace_into_the_audit_table(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    (before,) = rows("ledger_auditentry", {"seq": 2})
    columns = ", ".join(quoted(c) for c in before)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"REPLACE INTO ledger_auditentry ({columns}) VALUES ({', '.join(['%s'] * len(before))})",
            [*(before | {"reason": "replaced"}).values()],
        )
    assert rows("ledger_auditentry", {"seq": 2}) == [before]


def test_it_still_appends_new_rows(qa_reviewer, qa_approver):
    # The refusal is keyed on an existing row: the write path's plain inserts go on working.
    history = populate(qa_reviewer, qa_approver)
    assert history.signature.pk is not None
    assert len(rows("ledger_checkpoint", {})) == 2
