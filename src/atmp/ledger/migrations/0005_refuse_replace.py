"""Refuse an INSERT over an existing row of the ledger's append-only tables (SQLite).

SQLite's `INSERT OR REPLACE` (also spelled `REPLACE INTO`) resolves a key conflict by deleting
the row in the way, and that delete fires no DELETE trigger unless the connection turned
`recursive_triggers` on, which someone editing the file does not. So a BEFORE INSERT trigger
refuses any insert whose key (or any other UNIQUE key) is already taken; a plain duplicate
insert, which the key's constraint would refuse anyway, is now refused by the trigger first.
Each lookup is a probe of the primary key or of a unique index, so appends stay cheap
(docs/performance.md, "Audited writes").

PostgreSQL needs nothing: `INSERT … ON CONFLICT DO UPDATE` fires the BEFORE UPDATE trigger of
migration 0002, which refuses it (src/atmp/ledger/tests/test_replace_refused.py checks both).
"""

from django.db import migrations

# table: the conditions that find a row with one of its unique keys, from the NEW row
UNIQUE_KEYS = {
    "ledger_auditentry": ['"seq" = NEW."seq"'],
    "ledger_treenode": ['"level" = NEW."level" AND "index" = NEW."index"'],
    "ledger_checkpoint": ['"size" = NEW."size"'],
    "ledger_signature": [
        '"id" = NEW."id"',
        '"entry_seq" = NEW."entry_seq"',
        '"record_type" = NEW."record_type" AND "record_id" = NEW."record_id" '
        'AND "record_version" = NEW."record_version" AND "meaning" = NEW."meaning"',
    ],
}


def sqlite_no_replace(table: str) -> str:
    """Return the trigger that refuses an insert over an existing row of table."""
    exists = " OR ".join(f'EXISTS (SELECT 1 FROM "{table}" WHERE {where})' for where in UNIQUE_KEYS[table])
    return (
        f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN {exists} "
        f"BEGIN SELECT RAISE(ABORT, 'atmp: {table} is append-only: INSERT over an existing row refused'); END"
    )


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in UNIQUE_KEYS:
            schema_editor.execute(sqlite_no_replace(table), None)
    elif vendor != "postgresql":
        raise RuntimeError(f"atmp supports SQLite and PostgreSQL, not {vendor}")


def backwards(apps, schema_editor):
    raise RuntimeError("the ledger's append-only protection cannot be migrated away")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_fewer_btrees_per_entry")]
    operations = [migrations.RunPython(forwards, backwards)]
